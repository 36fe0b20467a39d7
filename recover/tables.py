"""A batch's cells as analysts want them: a long DataFrame (for Parquet), a wide one (a row a
document, a column a cell), and an Excel workbook a document with the three tables laid out as
printed and the doubtful cells marked."""
from __future__ import annotations

import io
import zipfile

import pandas as pd

from . import schema
from .reconcile import INFERRED, UNKNOWN
from .report import CSV_COLUMNS, Report

# Every cell of either template, in the order the forms print them (2021's first).
ALL_CELLS = tuple(dict.fromkeys(k for t in schema.TEMPLATES for k in schema.cell_keys(t)))


def cells_frame(reports: list[Report]) -> pd.DataFrame:
    """cells.csv's rows, typed: value and confidence as numbers, plus agency and year."""
    rows = [dict(record, agency=report.agency, year=report.year)
            for report in reports for record in report.records()]
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS) + ["agency", "year"])
    frame["value"] = pd.to_numeric(frame["value"].replace("", None), errors="coerce").astype("float64")
    frame["confidence"] = frame["confidence"].astype("float64")
    frame["year"] = frame["year"].astype("Int64")
    return frame


def wide_frame(reports: list[Report]) -> pd.DataFrame:
    """One row a document: its outcome, template, agency and year, then a column a cell
    (``table/row/col``, empty where unknown or not in its template)."""
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


# --- Excel ---------------------------------------------------------------------------------------

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
    import re

    from .render import zip_of

    files = {}
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        for name in source.namelist():
            data = source.read(name)
            if name == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
                              rb"<dcterms:\1\2>2000-01-01T00:00:00Z</dcterms:\1>", data)
            files[name] = data
    return zip_of(files)
