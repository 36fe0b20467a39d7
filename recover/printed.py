"""The three tables as the form prints them, for the workbook and the terminal: the header lines
above each block, the group headings of the requests table (三、本年度办理结果, （三）不予公开 …
（六）其他处理), the appeals table as one row of 15 under 行政复议 / 行政诉讼."""
from __future__ import annotations

from dataclasses import dataclass

from . import schema
from .cells import CellResult
from .report import Report

# 申请人情况 as printed: 自然人, then five kinds of 法人或其他组织, then 总计.
ORGANISATIONS = ("business", "research", "nonprofit", "legal_service", "other_org")


@dataclass(frozen=True)
class Header:
    lines: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Heading:
    label: str


@dataclass(frozen=True)
class Values:
    label: str
    cells: tuple[CellResult, ...]
    indent: bool = False  # a numbered sub-row under a group heading


def lines(report: Report, table: str) -> list[Header | Heading | Values]:
    """One table of ``report`` as printed, top to bottom."""
    return _LAYOUTS[table](report)


def _cells(report: Report, row: schema.Row) -> tuple[CellResult, ...]:
    return tuple(report.cells[f"{row.key}/{c.id}"] for c in row.columns)


def _active(report: Report) -> list:
    out: list = []
    rows = schema.rows(report.template, "active")
    for i, row in enumerate(rows):
        if i == 0 or row.columns != rows[i - 1].columns:  # each block under its own header
            out.append(Header((("信息内容", *(c.label for c in row.columns)),)))
        out.append(Values(row.label, _cells(report, row)))
    return out


def _requests(report: Report) -> list:
    columns = {c.id: c.label for c in schema.REQUEST_COLUMNS}
    out: list = [Header((
        ("", "申请人情况", "", "", "", "", "", ""),
        ("", columns["natural_person"], "法人或其他组织", "", "", "", "", columns["total"]),
        ("", "", *(columns[c] for c in ORGANISATIONS), ""),
    ))]
    results = schema.row(report.template, "requests/granted").parent  # 三、本年度办理结果
    shown: set[str] = set()
    for row in schema.rows(report.template, "requests"):
        group = row.parent if row.parent != results else ""  # （三）不予公开 … （六）其他处理
        for heading in ([results, group] if row.parent else []):
            if heading and heading not in shown:
                out.append(Heading(heading))
                shown.add(heading)
        out.append(Values(row.label, _cells(report, row), indent=bool(group)))
    return out


def _appeals(report: Report) -> list:
    labels = tuple(c.label for c in schema.APPEAL_COLUMNS)
    n = len(labels)
    header = Header((
        ("行政复议", *[""] * (n - 1), "行政诉讼", *[""] * (2 * n - 1)),
        (*labels, "未经复议直接起诉", *[""] * (n - 1), "复议后起诉", *[""] * (n - 1)),
        (*[""] * n, *labels, *labels),
    ))
    cells = tuple(c for row in schema.rows(report.template, "appeals") for c in _cells(report, row))
    return [header, Values("", cells)]


_LAYOUTS = {"active": _active, "requests": _requests, "appeals": _appeals}
