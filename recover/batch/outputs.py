"""A batch's outputs: cells.csv and summary.csv always, and for analysts cells.parquet, wide.csv /
wide.parquet (a row a document, a column a cell) and an Excel workbook a document with the three
tables laid out as printed.  Every file is written to a temporary file and renamed into place,
and the same reports always give the same bytes."""
from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from .. import schema
from ..excel import workbook
from ..report import Report
from ..schema import CSV_COLUMNS

SUMMARY_COLUMNS = ("document", "path", "outcome", "template", "agency", "year", "cells", "flagged_cells", "main_doubt",
                   "error")
FORMATS = ("csv", "parquet", "wide", "xlsx")
# Every cell of either template, in the order the forms print them (2021's first).
ALL_CELLS = tuple(dict.fromkeys(k for t in schema.TEMPLATES for k in schema.cell_keys(t)))


def write_outputs(reports: list[Report], inputs: list, out: Path, formats: Iterable[str]) -> None:
    formats = set(formats) | {"csv"}
    _write_csv(out / "cells.csv", CSV_COLUMNS, (r for report in reports for r in report.records()))
    _write_csv(out / "summary.csv", SUMMARY_COLUMNS, (summary_row(item, r) for item, r in zip(inputs, reports)))
    if "parquet" in formats:
        _write_parquet(out / "cells.parquet", cells_frame(reports))
    if "wide" in formats:
        wide = wide_frame(reports)
        with _atomic(out / "wide.csv", "w") as f:
            wide.to_csv(f, index=False, lineterminator="\n")
        if "parquet" in formats:
            _write_parquet(out / "wide.parquet", wide)
    if "xlsx" in formats:
        (out / "xlsx").mkdir(exist_ok=True)
        for report in reports:
            if report.cells:
                write_atomic(out / "xlsx" / f"{report.document}.xlsx", workbook(report))


def summary_row(item, report: Report) -> dict:
    return {"document": report.document, "path": str(item.path), "outcome": report.outcome,
            "template": report.template or "", "agency": report.agency, "year": report.year or "",
            "cells": len(report.cells), "flagged_cells": report.flagged_cells, "main_doubt": report.main_doubt,
            "error": report.error}


def _write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[dict]) -> None:
    with _atomic(path, "w") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_parquet(path: Path, frame) -> None:
    with _atomic(path, "wb") as f:
        frame.to_parquet(f, index=False, engine="pyarrow")


def write_atomic(path: Path, data: str | bytes) -> None:
    with _atomic(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


@contextmanager
def _atomic(path: Path, mode: str):
    """Write to a temporary file beside ``path``, then rename it into place: a reader (or a
    resumed batch) never sees half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
