"""A batch's outputs: cells.csv and summary.csv always, and for analysts cells.parquet, wide.csv /
wide.parquet (a row a document, a column a cell) and an Excel workbook a document with the three
tables laid out as printed.  Every file is written to a temporary file and renamed into place,
and the same reports always give the same bytes."""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from .. import schema
from ..cells import INFERRED, UNKNOWN
from ..report import Report
from ..schema import CSV_COLUMNS

SUMMARY_COLUMNS = ("document", "path", "outcome", "template", "agency", "year", "cells", "flagged_cells", "error")
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
            "cells": len(report.cells), "flagged_cells": report.flagged_cells, "error": report.error}


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
    """One row a document: its outcome, template, agency and year, then a column a cell
    (``table/row/col``, empty where unknown or not in its template)."""
    import pandas as pd

    rows = []
    for report in reports:
        row = {"document": report.document, "outcome": report.outcome, "template": report.template or "",
               "agency": report.agency, "year": report.year}
        for key in ALL_CELLS:
            cell = report.cells.get(key)
            row[key] = "" if cell is None or cell.value is None else str(cell.value)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["document", "outcome", "template", "agency", "year", *ALL_CELLS])
    frame["year"] = frame["year"].astype("Int64")
    return frame


_SHEETS = {"active": "二、主动公开", "requests": "三、依申请公开", "appeals": "四、复议诉讼"}
_FLAGGED, _UNKNOWN, _INFERRED = "FFE699", "F4B6B6", "DDEBF7"


def workbook(report: Report) -> bytes:
    """The report's three tables as printed, one sheet each: flagged cells yellow, unknown
    ones red, inferred ones blue, the flags in a note.  Byte-identical for identical reports."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    legend = f"{report.document} — template {report.template}; yellow: flagged, red: unknown, blue: inferred"
    for table, title in _SHEETS.items():
        sheet = book.create_sheet(title)
        sheet.append([legend])
        sheet["A1"].font = Font(bold=True)
        rows = schema.rows(report.template, table)
        if table == "appeals":
            sheet.append([""] + [c.label for c in schema.APPEAL_COLUMNS])
        for row in rows:
            if table != "appeals" and (row is rows[0] or row.columns != rows[rows.index(row) - 1].columns):
                sheet.append(["信息内容" if table == "active" else ""] + [c.label for c in row.columns])
            cells = [report.cells[f"{row.key}/{c.id}"] for c in row.columns]
            sheet.append([row.label] + [c.value if c.value is None or isinstance(c.value, int) else float(c.value)
                                        for c in cells])
            for column, cell in enumerate(cells, start=2):
                target = sheet.cell(row=sheet.max_row, column=column)
                colour = _UNKNOWN if cell.status == UNKNOWN else _FLAGGED if cell.flags else \
                    _INFERRED if cell.status == INFERRED else None
                if colour:
                    target.fill = PatternFill("solid", fgColor=colour)
                if cell.flags:
                    target.comment = Comment("; ".join(cell.flags), "recover")
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return _without_timestamps(buffer.getvalue())


def _without_timestamps(xlsx: bytes) -> bytes:
    """The same workbook with its creation time and the zip entries' times fixed, so that the
    same report always gives the same bytes."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        for name in source.namelist():
            data = source.read(name)
            if name == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
                              rb"<dcterms:\1\2>2000-01-01T00:00:00Z</dcterms:\1>", data)
            files[name] = data
    return zip_of(files)


def zip_of(files: dict[str, bytes]) -> bytes:
    """A zip archive of ``files`` with fixed timestamps: the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
