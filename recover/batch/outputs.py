"""A batch's outputs: cells.csv and summary.csv always, and for analysts cells.parquet, wide.csv /
wide.parquet (a row a document, a column a cell) and an Excel workbook a document with the three
tables laid out as printed.  Every file is written to a temporary file and renamed into place,
and the same reports always give the same bytes."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import secrets
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .. import schema
from ..schema import CSV_COLUMNS

if TYPE_CHECKING:
    from ..report import Report

SUMMARY_COLUMNS = ("document", "path", "outcome", "template", "agency", "year", "cells", "flagged_cells", "main_doubt",
                   "error")
# Every cell of either template, in the order the forms print them (2021's first).
ALL_CELLS = tuple(dict.fromkeys(k for t in schema.TEMPLATES for k in schema.cell_keys(t)))


# Documents held at once while the analysts' formats are written: memory stays flat.
FRAME_DOCUMENTS = 500


def written(name: str, formats: set[str]) -> bool:
    """Whether the formats asked for write the output file ``name``."""
    needs = {"cells.parquet": {"parquet"}, "wide.csv": {"wide"}, "wide.parquet": {"wide", "parquet"}}
    return needs.get(name, {"csv"}) <= formats


class Tables:
    """cells.csv, summary.csv and the formats asked for, written a document at a time in input
    order: each document gives its summary row, its rows of cells.csv as bytes, and a way to get
    its report (called only for the formats that need the cells typed)."""

    def __init__(self, out: Path, formats: Iterable[str]):
        self.out, self.formats = Path(out), set(formats) | {"csv"}
        self.framed = bool({"parquet", "wide"} & self.formats)
        self.waiting: list[Report] = []
        self.frames_written = False

    def __enter__(self):
        self.stack = contextlib.ExitStack()
        self.cells = self.stack.enter_context(_atomic(self.out / "cells.csv", "wb"))
        self.cells.write(_csv_header(CSV_COLUMNS))
        summary = self.stack.enter_context(_atomic(self.out / "summary.csv", "w"))
        self.summary = csv.DictWriter(summary, SUMMARY_COLUMNS, lineterminator="\n")
        self.summary.writeheader()
        self.parquet = {}
        if "wide" in self.formats:
            self.wide = self.stack.enter_context(_atomic(self.out / "wide.csv", "w"))
        return self

    def add(self, summary: dict, rows: bytes, report) -> None:
        self.summary.writerow(summary)
        self.cells.write(rows)
        if self.framed:
            self.waiting.append(report())
            if len(self.waiting) >= FRAME_DOCUMENTS:
                self._frames()

    def _frames(self) -> None:
        if "parquet" in self.formats:
            self._parquet("cells.parquet", cells_frame(self.waiting))
        if "wide" in self.formats:
            wide = wide_frame(self.waiting)
            wide.to_csv(self.wide, index=False, header=not self.frames_written, lineterminator="\n")
            if "parquet" in self.formats:
                self._parquet("wide.parquet", wide)
        self.waiting, self.frames_written = [], True

    def _parquet(self, name: str, frame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if name not in self.parquet:
            target = self.stack.enter_context(_atomic(self.out / name, "wb"))
            self.parquet[name] = self.stack.enter_context(pq.ParquetWriter(target, table.schema))
        writer = self.parquet[name]
        writer.write_table(table.cast(writer.schema))

    def __exit__(self, kind, error, trace):
        if kind is None and self.framed and (self.waiting or not self.frames_written):
            self._frames()
        return self.stack.__exit__(kind, error, trace)


def _csv_header(columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(columns)
    return buffer.getvalue().encode()


def write_outputs(reports: list[Report], paths: list[str], out: Path, formats: Iterable[str]) -> None:
    """Every output of a batch whose reports are all at hand (a reviewed batch rewritten):
    each document's JSON, cells.csv, summary.csv and the formats asked for."""
    formats = set(formats) | {"csv"}
    with Tables(out, formats) as tables:
        for report, path in zip(reports, paths):
            write_atomic(out / "json" / f"{report.document}.json", json_bytes(report, path))
            if "xlsx" in formats and report.cells:
                write_atomic(out / "xlsx" / f"{report.document}.xlsx", workbook_bytes(report))
            tables.add(summary_row(path, report), rows_bytes(report), lambda r=report: r)


# A report's dict is a tree (no container holds itself): the check for cycles is work for nothing.
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def json_bytes(report: Report, path: str) -> bytes:
    """A document's JSON file, naming the input it came from."""
    return (_JSON.encode(dict(report.to_dict(), path=path)) + "\n").encode()


def workbook_bytes(report: Report) -> bytes:
    """A document's workbook (the workbook code loads with the first one written)."""
    from ..excel import workbook

    return workbook(report)


def rows_bytes(report: Report) -> bytes:
    """A document's rows of cells.csv."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(report.csv_rows())
    return buffer.getvalue().encode()


def summary_row(path: str, report: Report) -> dict:
    return {"document": report.document, "path": path, "outcome": report.outcome,
            "template": report.template or "", "agency": report.agency, "year": report.year or "",
            "cells": len(report.cells), "flagged_cells": report.flagged_cells, "main_doubt": report.main_doubt,
            "error": report.error}


def write_atomic(path: Path, data: str | bytes) -> None:
    with _atomic(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


TEMP_PREFIX = ".recover-"  # a batch's temporary files, the only ones it ever deletes unasked


@contextmanager
def _atomic(path: Path, mode: str):
    """Write to a temporary file beside ``path``, then rename it into place: a reader (or a
    resumed batch) never sees half a file.  The temporary name is short whatever ``path`` is
    (a name may already use the 255 bytes allowed), and the file is made as ``open`` makes one,
    so the umask decides who may read it."""
    path = Path(path)
    tmp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with (os.fdopen(fd, mode) if "b" in mode else os.fdopen(fd, mode, encoding="utf-8", newline="")) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def cells_frame(reports: list[Report]):
    """cells.csv's rows, typed: value and confidence as numbers, plus agency and year."""
    import pandas as pd

    rows = [dict(record, agency=report.agency, year=report.year)
            for report in reports for record in report.records()]
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS) + ["agency", "year"])
    frame["value"] = pd.to_numeric(frame["value"].replace("", None), errors="coerce").astype("float64")
    frame["confidence"] = frame["confidence"].astype("float64")
    frame["year"] = frame["year"].astype("Int64")
    return frame


def wide_frame(reports: list[Report]):
    """One row a document: its outcome, main doubt, template, agency and year, then a column a
    cell (``table/row/col``: a nullable number, empty where unknown or not in its template), then
    each cell's status (``table/row/col:status``) and flags (``table/row/col:flags``)."""
    import pandas as pd

    rows = []
    for report in reports:
        row: dict[str, object] = {"document": report.document, "outcome": report.outcome,
                                  "main_doubt": report.main_doubt,
               "template": report.template or "", "agency": report.agency, "year": report.year}
        for key in ALL_CELLS:
            cell = report.cells.get(key)
            row[key] = None if cell is None else cell.value
            row[f"{key}:status"] = "" if cell is None else cell.status
            row[f"{key}:flags"] = "" if cell is None else ";".join(cell.flags)
        rows.append(row)
    columns = ["document", "outcome", "main_doubt", "template", "agency", "year", *ALL_CELLS,
               *(f"{key}:status" for key in ALL_CELLS), *(f"{key}:flags" for key in ALL_CELLS)]
    frame = pd.DataFrame(rows, columns=columns)
    frame["year"] = frame["year"].astype("Int64")
    for key in ALL_CELLS:  # counts as nullable integers, amounts (万元) as nullable decimals
        frame[key] = pd.array([None if v is None else float(v) for v in frame[key]], dtype="Float64") \
            if schema.is_amount(key) else frame[key].astype("Int64")
    return frame
