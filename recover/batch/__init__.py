"""Recovering many documents: :mod:`.inputs` finds them, :mod:`.run` recovers each one isolated
in a worker process (resumable, with hard time and memory limits, on local processes or a Dask
cluster), and :mod:`.outputs` writes cells.csv, summary.csv and the analysts' formats, in input
order, the same bytes whatever ran the batch."""
from ..schema import BATCH_FORMATS as FORMATS
from .inputs import Input, ManifestError, find_inputs, walk
from .run import BatchError, BatchResult, Interrupted, Limits, read_reports, recover_one, run_batch

__all__ = ["Input", "Limits", "FORMATS", "find_inputs", "walk", "run_batch", "read_reports", "recover_one",
           "BatchError", "BatchResult", "Interrupted", "ManifestError"]
