"""Plain text (copied, scraped or OCR'd) → lines of cells.

A line is split on the separators a copy leaves behind: pipes (markdown or not), tabs, or runs
of two or more spaces (space-aligned columns, where a cell's character column is kept so the
reconciler can line values up under their header).  A line with one cell, or none, is running
text: a paragraph, one cell of a one-cell-per-line page, or a whole table scraped with no
separators at all.
"""
from __future__ import annotations

import itertools
import re
import unicodedata

from ..layout import Cell, Layout, Line, span, with_sources
from ..values import normalize
from .encoding import decode

# |---|:--:|, "--  --" and ====== lines carry no cells (but "- | - | -" and "—— | ——" are zero marks)
_MARKDOWN_RULE = re.compile(r"^[\s|:+]*(?:(?:-{2,}|[—=_*]{3,})[\s|:+]*)+$")
_HEADING_MARK = re.compile(r"^\s*#{1,6}\s+")
_EMPHASIS = re.compile(r"\*\*|__")
PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?)\s*$")
_SPACES = re.compile(r"\S+(?: \S+)*")  # cells of a space-aligned line: text between 2+ spaces


def read(data: bytes) -> list[Layout]:
    text, encoding = decode(data)
    return [Layout(lines_of(text), "text", encoding)]


def lines_of(text: str, wide_cjk: bool = True) -> list[Line]:
    """``wide_cjk``: a CJK character takes two columns of a space-aligned line, as in a
    monospaced copy; pdfplumber's layout text gives every character one."""
    kept: list[tuple[int, str, str, int]] = []  # line number, the line as read, as printed, where it starts
    start = 0
    for number, (raw, whole) in enumerate(zip(text.splitlines(), text.splitlines(keepends=True)), start=1):
        # Only spaces go from the end: trailing tabs and pipes hold blank cells' places.
        printed = normalize(raw)
        line = _EMPHASIS.sub("", _HEADING_MARK.sub("", printed)).rstrip("\r\n ")
        if line.strip() and not _MARKDOWN_RULE.match(line) and not PAGE_NUMBER.match(line):
            kept.append((number, line, printed, start))
        start += len(whole)
    closing = _pipes_close_rows([line for _, line, _, _ in kept])
    out = []
    for number, line, printed, start in kept:
        read = _split(line, number, wide_cjk, closing)
        # Each cell is found, in order, in the line as printed (normalising keeps lengths).
        with_sources(read.cells, printed, span(number, start, start + len(printed)))
        out.append(read)
    return out


def _pipes_close_rows(lines: list[str]) -> bool:
    """Whether this document ends its pipe rows with a pipe ("a | b |"): then a last pipe closes
    the row.  Where rows mostly end without one, a last pipe stands before an empty last cell.
    The last piped line has no vote: a document cut off ends inside a row."""
    piped = [line for line in lines if "|" in line][:-1]
    return sum(line.endswith("|") for line in piped) >= 0.75 * len(piped)


def _split(line: str, number: int, wide_cjk: bool = True, closing_pipes: bool = True) -> Line:
    # A pipe or tab cell's place in its line is kept: where merged cells left their empty
    # slots behind consistently, it lines a value up under its header.
    if "|" in line:
        inner = line.strip()
        if inner.startswith("|"):  # markdown: "| a | b |"
            inner = inner[1:]
            closing_pipes = True
        if closing_pipes and inner.endswith("|"):
            inner = inner[:-1]
        return _line([Cell(c.strip(), col=i) for i, c in enumerate(inner.split("|"))], number)
    if "\t" in line:
        return _line([Cell(c.strip(), col=i) for i, c in enumerate(line.split("\t"))], number)
    if re.search(r"\S {2,}\S", line):
        column = _columns(line) if wide_cjk else list(range(len(line) + 1))
        cells = [Cell(m.group(), col=column[m.start()], span=column[m.end()] - column[m.start()])
                 for m in _SPACES.finditer(line.replace("\t", " "))]
        return _line(cells, number, aligned=True)
    return Line([Cell(line.strip())], grid=False, number=number)


def _line(cells: list[Cell], number: int, aligned: bool = False) -> Line:
    filled = sum(1 for c in cells if c.text)
    return Line(cells, grid=filled >= 2, number=number, aligned=aligned and filled >= 2)


def _columns(line: str) -> list[int]:
    """The display column at which each character of ``line`` starts (and, last, its width):
    CJK characters take two columns in a space-aligned layout."""
    return [0, *itertools.accumulate(map(_WIDTHS.__getitem__, line))]


class _Widths(dict):
    """A character's display width, looked up in the Unicode tables once per character."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_WIDTHS = _Widths()
