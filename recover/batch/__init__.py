"""Recovering many documents: :mod:`.inputs` finds them, :mod:`.run` recovers each one isolated
(resumable, with time and memory limits, on local processes or a Dask cluster), and
:mod:`.outputs` writes cells.csv, summary.csv and the analysts' formats, in input order, the
same bytes whatever ran the batch."""
from .inputs import Input, find_inputs
from .outputs import FORMATS
from .run import Limits, any_failed, recover_one, run_batch

__all__ = ["Input", "Limits", "FORMATS", "find_inputs", "run_batch", "recover_one", "any_failed"]
