"""Stage 1b, row candidates: a layout's lines of cells → the rows as printed.

:func:`find_candidates` groups cells into rows — label cells followed by value cells — and
notes for each row the table section and heading it sits under and the header cells above it.
Which canonical row a candidate is, is the classifier's job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from . import schema
from .layout import Cell, Layout, Line, numbering, tokenize, with_sources

_ORDINAL = re.compile(r"^[一二三四五六七八九十]{1,2}\s*[、.]")
_SECTIONS = (
    ("active", re.compile(r"主动公开")),
    ("requests", re.compile(r"收到和处理|申请情况|依申请公开情况")),
    ("appeals", re.compile(r"行政复议.{0,8}行政诉讼")),
    ("after", re.compile(r"存在的主要问题|其他需要报告|改进情况")),
    ("before", re.compile(r"总体情况|概述")),
)
_ARTICLE_ITEM = re.compile(r"第二十条\s*第?\s*\(([一二三四五六七八九十]+)\)\s*项")


_TITLES = {**{t: schema.TABLE_TITLES[t] for t in schema.TABLES}, "after": "存在的主要问题及改进情况"}


@lru_cache(maxsize=8192)  # headings and labels recur across rows and documents
def section_of(label: str) -> str | None:
    """The report section a heading opens ("二、主动公开政府信息情况" → "active"), if it is one.
    A heading garbled by OCR ("主动公天政府信息青况") still counts when most of it matches."""
    text = label.replace(" ", "")
    m = _ORDINAL.match(text)
    if not m:
        return None
    head = text[m.end(): m.end() + 24]
    for section, pattern in _SECTIONS:
        if pattern.search(head):
            return section
    if "况" not in head:  # every section title ends in 情况; row labels (…申请数量) do not
        return None
    scores = {s: SequenceMatcher(None, head[:len(t) + 4], t).ratio() for s, t in _TITLES.items()}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= 0.6 else None


# The longest official row label is 38 characters; a wrapped label joined back stays near that.
MAX_LABEL_LENGTH = 48


@dataclass
class RowCandidate:
    """A row as printed: label cells (context first, its own label last) and value cells."""

    labels: list[str]
    values: list[Cell]
    section: str = ""
    heading: str = ""
    line: int = 0
    aligned: bool = False
    from_stream: bool = False
    table: int | None = None
    header: list[list[Cell]] = field(default_factory=list)  # the header rows above, top first
    index: int = 0  # among all candidates of the document
    position: int = 0  # among the candidates of its section
    ends_document: bool = False  # nothing follows it: a document cut off may end inside it

    @property
    def own_label(self) -> str:
        """The row's own label, spaces dropped.  A label wrapped over cells ("1、申请人…不补" +
        "正、行政…") is joined back from its numbered start; other cells are context."""
        return _split_label(tuple(self.labels))[1]

    @property
    def printed_label(self) -> str:
        """The row's own label as printed, spaces kept (for a person; the classifier sees own_label)."""
        return " ".join(self.labels[_own_start(tuple(self.labels)):])

    @property
    def context(self) -> str:
        return _split_label(tuple(self.labels))[0]

    @property
    def filled(self) -> list[Cell]:
        return [c for c in self.values if not c.is_blank]


@lru_cache(maxsize=8192)  # a row's labels recur across documents, and every stage asks
def _split_label(labels: tuple[str, ...]) -> tuple[str, str]:
    """Context and own label.  Prose run into a table's first header ("…占11.3%。第二十条第（一）项
    信息内容…规章") is context: the label starts at the header."""
    start = _own_start(labels)
    context = "".join(labels[:start]).replace(" ", "")
    own = "".join(labels[start:]).replace(" ", "")
    if len(own) > MAX_LABEL_LENGTH:
        header = _ARTICLE_ITEM.search(own)
        if header and header.start() > 0:
            context, own = context + own[:header.start()], own[header.start():]
    return context, own


def _own_start(labels: tuple[str, ...]) -> int:
    last = len(labels) - 1
    for i in range(last, -1, -1):
        if len("".join(labels[i:])) > MAX_LABEL_LENGTH:
            break
        if numbering(labels[i]) and section_of(labels[i]) is None:
            return i
    return max(last, 0)


@dataclass
class _Row:
    labels: list[Cell] = field(default_factory=list)
    values: list[Cell] = field(default_factory=list)
    line: Line | None = None
    from_stream: bool = False


def find_candidates(layout: Layout) -> list[RowCandidate]:
    """Group a layout's cells into rows and describe each row for the classifier."""
    rows = _merge_split_rows(_group_rows(layout.lines))
    candidates: list[RowCandidate] = []
    section, heading = "", ""
    header: list[list[Cell]] = []
    header_closed = True
    positions: dict[str, int] = {}
    section_after_last = False  # whether a new section opens after the last candidate
    for row in rows:
        labels = [c.text for c in row.labels]
        for label in labels:
            opened = section_of(label)
            if opened:
                section, heading, header = opened, "", []
                header_closed = True
                section_after_last = True
        if not row.values:
            if row.line is not None and row.line.grid and len(row.labels) >= 2:
                if header_closed:
                    header, header_closed = [], False
                header = header + [row.labels]
            heading = _heading(labels, heading)
            continue
        header_closed = True
        candidate = RowCandidate(
            labels=labels,
            values=row.values,
            section=section,
            line=row.line.number if row.line else 0,
            aligned=bool(row.line and row.line.aligned),
            from_stream=row.from_stream,
            table=row.line.table if row.line else None,
            header=header,
            index=len(candidates),
            position=positions.get(section, 0),
        )
        candidate.heading = _heading(labels[:-1], heading)
        heading = _heading(labels, heading)
        positions[section] = candidate.position + 1
        candidates.append(candidate)
        section_after_last = False
    if candidates and not section_after_last:
        candidates[-1].ends_document = True
    return candidates


def _heading(labels: list[str], current: str) -> str:
    """The heading rows below sit under: 第二十条第（五）项, （三）不予公开, 三、本年度办理结果."""
    for label in labels:
        item = _ARTICLE_ITEM.search(label.replace(" ", ""))
        if item:
            current = f"第二十条({item.group(1)})"
        elif numbering(label).endswith((")", "、")):
            current = label.replace(" ", "")
    return current


def _group_rows(lines: list[Line]) -> list[_Row]:
    """Label cells then value cells make a row.  A grid line keeps its blank cells (they hold a
    column's place) and starts a fresh row; running text flows on across lines."""
    rows: list[_Row] = []
    stream = _Row(from_stream=True)

    def flush_stream() -> None:
        nonlocal stream
        if stream.labels or stream.values:
            rows.append(stream)
        stream = _Row(from_stream=True)

    for line in lines:
        cells = [piece for cell in line.cells for piece in _pieces(cell, line.grid)]
        if not line.grid:
            for cell in cells:
                if cell.is_blank:
                    continue
                if not cell.is_value and stream.values:
                    flush_stream()
                if stream.line is None:
                    stream.line = line
                (stream.values if cell.is_value else stream.labels).append(cell)
            continue
        flush_stream()
        row = _Row(line=line)
        for i, cell in enumerate(cells):
            if cell.is_blank:
                # A blank between labels is merged-label residue; after a label it holds a value's place.
                if not row.labels and not row.values:
                    continue
                if not any(c.is_value for c in row.values) and _label_follows(cells, i):
                    continue
                row.values.append(cell)
            elif cell.is_value:
                row.values.append(cell)
            else:
                if any(not c.is_blank for c in row.values):
                    rows.append(row)
                    row = _Row(line=line)
                elif row.values:  # blanks only: trailing residue of the label part
                    row.values = []
                row.labels.append(cell)
        rows.append(row)
    flush_stream()
    for row in rows:
        if all(c.is_blank for c in row.values):
            row.values = []  # only blanks: a header or a label with nothing printed beside it
    return [row for row in rows if row.labels or row.values]


def _pieces(cell: Cell, grid: bool) -> list[Cell]:
    """A cell that is not a plain value may hold several labels and values run together.  A
    grid's cell without digits is one label, dashes and all ("Withheld - state secret")."""
    if cell.spanned and cell.is_value:  # a number merged down from the row above is not this row's
        return [Cell("", col=cell.col, span=cell.span, spanned=True)]
    if cell.is_blank or cell.is_value or (grid and not any(map(str.isdigit, cell.text))):
        return [cell]
    pieces = with_sources(tokenize(cell.text, ocr=cell.ocr), cell.text, cell.source)
    for piece in pieces:
        piece.col, piece.span, piece.spanned = cell.col, cell.span, cell.spanned
    return pieces


def _label_follows(cells: list[Cell], i: int) -> bool:
    for cell in cells[i + 1:]:
        if cell.is_value:
            return False
        if not cell.is_blank:
            return True
    return False


def _merge_split_rows(rows: list[_Row]) -> list[_Row]:
    """A label on its own line and its numbers on the next ("规章 |" then "0 | 0 | 0 |") are one row."""
    merged: list[_Row] = []
    for row in rows:
        last = merged[-1] if merged else None
        if (last is not None and last.labels and not last.values and row.values and not row.labels
                and (last.from_stream or len(last.labels) == 1)):
            last.values = row.values
            last.line = row.line if row.line and row.line.grid else last.line
            continue
        merged.append(row)
    return merged
