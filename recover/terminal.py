"""One report for the terminal (``recover show``): its three tables as printed, with rich, each
doubtful cell marked, and the cells in doubt listed with their reasons in words."""
from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from . import printed, schema
from .cells import INFERRED, UNKNOWN, doubts
from .excel import SHEETS
from .report import Report
from .values import format_value

# How a cell is marked: the style, and a sign that survives where colours do not (a pipe, a file).
_UNKNOWN_MARK, _DOUBT_MARK = ("bold red", "?"), ("black on yellow", "*")
_INFERRED_STYLE = "blue"


def report_view(report: Report, doubts: bool = True) -> Group:
    parts: list[RenderableType] = [Text(f"{report.document}: template {report.template}, {report.outcome}"
                  + (f" — {report.main_doubt}" if report.main_doubt else ""), style="bold"),
             Text(f"{report.agency or 'agency not named'}, {report.year or 'year not given'}; "
                  f"{len(report.cells)} cells, {report.flagged_cells} in doubt. "
                  "Marked: * in doubt, ? unknown, blue inferred.")]
    for table in schema.TABLES:
        parts.append(_table(report, table))
    if doubts:
        in_doubt = report.cells_in_doubt()
        listing = Table(title=f"{len(in_doubt)} cells in doubt", title_justify="left", show_edge=False)
        for column in ("cell", "value", "why"):
            listing.add_column(column)
        for d in in_doubt:
            listing.add_row(d.key, format_value(d.value) or "?", "; ".join(d.reasons))
        parts.append(listing)
    return Group(*parts)


def _table(report: Report, table: str) -> Table:
    lines = printed.lines(report, table)
    width = max(len(line.cells) + (table != "appeals") for line in lines if isinstance(line, printed.Values))
    view = Table(title=f"{SHEETS[table]} {schema.TABLE_TITLES[table]}", title_justify="left", show_header=False,
                 show_lines=False)
    for i in range(width):
        view.add_column(justify="left" if i == 0 and table != "appeals" else "right",
                        overflow="fold", max_width=30 if i == 0 and table != "appeals" else 10)
    for line in lines:
        if isinstance(line, printed.Header):
            for text in line.lines:
                view.add_row(*(Text(t, style="bold") for t in text), end_section=text is line.lines[-1])
        elif isinstance(line, printed.Heading):
            view.add_row(Text(line.label, style="bold"))
        else:
            label = [Text(("  " if line.indent else "") + line.label)] if table != "appeals" else []
            view.add_row(*label, *(_cell(c) for c in line.cells))
    return view


def _cell(cell) -> Text:
    if cell.status == UNKNOWN:
        style, mark = _UNKNOWN_MARK
        return Text(mark, style=style)
    text = format_value(cell.value)
    if doubts(cell.flags):  # a flag that only informs (kept as printed, converted) marks nothing
        style, mark = _DOUBT_MARK
        return Text(text + mark, style=style)
    return Text(text, style=_INFERRED_STYLE if cell.status == INFERRED else "")
