"""One report as an Excel workbook: its three tables laid out as the form prints them (the
requests table under its two-level header with its group headings, the appeals table as one row
of 15 under 行政复议 / 行政诉讼), doubtful cells coloured and the reasons in words in a note.
The same report always gives the same bytes."""
from __future__ import annotations

import io
import re
import zipfile

from . import printed, schema
from .cells import INFERRED, UNKNOWN
from .report import Report, reasons_in_words

SHEETS = {"active": "二、主动公开", "requests": "三、依申请公开", "appeals": "四、复议诉讼"}
_FLAGGED, _UNKNOWN, _INFERRED = "FFE699", "F4B6B6", "DDEBF7"


def workbook(report: Report) -> bytes:
    """The report's three tables as printed, one sheet each: flagged cells yellow, unknown
    ones red, inferred ones blue, the flags in words in a note."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    legend = (f"{report.document} — template {report.template}; yellow: in doubt (the note says why), "
              "red: unknown, blue: inferred from the identities")
    for table, title in SHEETS.items():
        sheet = book.create_sheet(title)
        sheet.append([legend])
        sheet["A1"].data_type = "s"  # a document named "=…" is text, never a formula
        sheet.append([schema.TABLE_TITLES[table]])
        labelled = table != "appeals"  # the appeals table is one row of numbers, no label column
        for line in printed.lines(report, table):
            if isinstance(line, printed.Header):
                top = sheet.max_row + 1
                for text in line.lines:
                    _header(sheet, text)
                for merge in _MERGES[table]:
                    sheet.merge_cells(start_row=top + merge[0], start_column=merge[1],
                                      end_row=top + merge[2], end_column=merge[3])
            elif isinstance(line, printed.Heading):
                _heading(sheet, line.label, 8)
            else:
                _values(sheet, line, labelled)
        sheet.column_dimensions["A"].width = 52 if labelled else 12
    buffer = io.BytesIO()
    book.save(buffer)
    return _without_timestamps(buffer.getvalue())


_N = len(schema.APPEAL_COLUMNS)
# The merged cells of each table's header: (first line, first column, last line, last column).
_MERGES = {
    "active": (),
    "requests": ((0, 1, 2, 1), (0, 2, 0, 8), (1, 2, 2, 2), (1, 3, 1, 7), (1, 8, 2, 8)),
    "appeals": ((0, 1, 0, _N), (0, _N + 1, 0, 3 * _N), (1, _N + 1, 1, 2 * _N), (1, 2 * _N + 1, 1, 3 * _N),
                *((1, c, 2, c) for c in range(1, _N + 1))),
}


def _header(sheet, text: tuple[str, ...]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append(list(text))
    for target in sheet[sheet.max_row]:
        target.font = Font(bold=True)
        target.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        target.border = _border()


def _heading(sheet, label: str, width: int) -> None:
    from openpyxl.styles import Font

    sheet.append([label] + [""] * (width - 1))
    for target in sheet[sheet.max_row]:
        target.border = _border()
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)


def _values(sheet, line: printed.Values, labelled: bool) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, PatternFill

    sheet.append(([line.label] if labelled else []) + [_number(c.value) for c in line.cells])
    if labelled:
        label = sheet.cell(row=sheet.max_row, column=1)
        label.border = _border()
        label.alignment = Alignment(indent=2 if line.indent else 0, wrap_text=True)
    for column, cell in enumerate(line.cells, start=2 if labelled else 1):
        target = sheet.cell(row=sheet.max_row, column=column)
        target.border = _border()
        colour = _UNKNOWN if cell.status == UNKNOWN else _FLAGGED if cell.flags else \
            _INFERRED if cell.status == INFERRED else None
        if colour:
            target.fill = PatternFill("solid", fgColor=colour)
        reasons = reasons_in_words(cell)
        if reasons:
            target.comment = Comment("\n".join(reasons), "recover", width=320, height=40 + 40 * len(reasons))


def _number(value):
    return value if value is None or isinstance(value, int) else float(value)


def _border():
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="808080")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


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
