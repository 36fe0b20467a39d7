"""Recovering many documents: inputs found, each document isolated, outputs written whole.

One document's failure never stops the batch: it becomes a ``failed`` row in the summary with
a message a user can act on.  Outputs are written to a temporary file and renamed, so a
reader never sees half a file.
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import UnreadableDocumentError
from .model import load_model
from .pipeline import recover_file
from .report import CSV_COLUMNS, FAILED, Report

# File kinds picked up when a directory is given (a file named explicitly is always read).
DOCUMENT_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".shtml", ".pdf", ".docx",
                     ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
SUMMARY_COLUMNS = ("document", "path", "outcome", "template", "cells", "flagged_cells", "error")


@dataclass
class Input:
    path: Path
    name: str  # the document's name in the outputs: its file name, made unique within the batch


def find_inputs(paths: Iterable[str | Path]) -> list[Input]:
    """Files as given, and the documents under directories (recursively, sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix.lower() in DOCUMENT_SUFFIXES
                            and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            files.append(p)
    inputs, used = [], set()
    for f in files:
        name = f.name
        n = 2
        while name in used:  # the same file name in two folders: keep both apart
            name = f"{f.stem}~{n}{f.suffix}"
            n += 1
        used.add(name)
        inputs.append(Input(f, name))
    return inputs


@lru_cache(maxsize=4)
def _model(model_path: str | None, trust: bool):
    """Each process loads a model once (joblib workers are separate processes)."""
    return load_model(model_path, trust=trust)


def recover_one(item: Input, model_path: str | None = None, trust_model: bool = False) -> Report:
    """Recover one input; any failure becomes a failed report with a one-line reason."""
    try:
        report = recover_file(item.path, _model(model_path, trust_model))
    except UnreadableDocumentError as e:
        report = Report(item.name, error=str(e))
    except MemoryError:
        report = Report(item.name, error="ran out of memory reading this document")
    except Exception as e:  # a bug must cost one document, not the batch
        report = Report(item.name, error=f"internal error ({type(e).__name__}: {e})")
    report.document = item.name
    return report


def run_batch(inputs: list[Input], out: Path, *, model_path: str | None = None, trust_model: bool = False,
              jobs: int = 1, on_done: Callable[[Report], None] | None = None) -> list[Report]:
    """Recover every input and write cells.csv, json/<document>.json and summary.csv under ``out``."""
    out = Path(out)
    (out / "json").mkdir(parents=True, exist_ok=True)
    if jobs == 1:
        reports = []
        for item in inputs:
            reports.append(recover_one(item, model_path, trust_model))
            if on_done:
                on_done(reports[-1])
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=jobs, return_as="generator")
        reports = []
        for report in parallel(delayed(recover_one)(item, model_path, trust_model) for item in inputs):
            reports.append(report)
            if on_done:
                on_done(report)
    for item, report in zip(inputs, reports):
        _write_atomic(out / "json" / f"{item.name}.json",
                      json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n")
    _write_csv(out / "cells.csv", CSV_COLUMNS, (r for report in reports for r in report.records()))
    _write_csv(out / "summary.csv", SUMMARY_COLUMNS, (summary_row(item, r) for item, r in zip(inputs, reports)))
    return reports


def summary_row(item: Input, report: Report) -> dict:
    return {"document": report.document, "path": str(item.path), "outcome": report.outcome,
            "template": report.template or "", "cells": len(report.cells),
            "flagged_cells": report.flagged_cells, "error": report.error}


def any_failed(reports: list[Report]) -> bool:
    return any(r.outcome == FAILED for r in reports)


def _write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[dict]) -> None:
    with _atomic(path) as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_atomic(path: Path, text: str) -> None:
    with _atomic(path) as f:
        f.write(text)


class _atomic:
    """Write to a temporary file beside ``path``, then rename it into place."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self):
        fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.file = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self.file

    def __exit__(self, kind, value, traceback):
        self.file.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False
