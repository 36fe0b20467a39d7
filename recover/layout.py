"""The common shape every reader produces: lines of cells.

A reader (text, HTML, PDF, DOCX, scan) turns a document into :class:`Line` objects.  A line
is either a row of a real grid (HTML ``<tr>``, a pipe or tab row), whose blank cells keep their
place, or a run of free text (a paragraph, one cell of a one-cell-per-line page, text scraped
with no separators), whose numbers are cut out of the words around them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .values import led_by_zero, looks_like_value, normalize


@dataclass
class Cell:
    """One cell as read.  ``col``/``span`` place it in its grid where the reader knows them."""

    text: str
    col: int | None = None
    span: int = 1
    # True for digits cut out of running text with no separator on one side: such a run
    # may hold several cells' digits ("640020470") and the reconciler may split it.
    glued: bool = False
    # True where this grid slot repeats a cell merged over it from an earlier row.
    spanned: bool = False
    # True for text read by OCR: its digits stay in doubt until an identity confirms them.
    ocr: bool = False
    # True for an OCR'd cell among numbers that no reading made a number of: a value unread.
    unreadable: bool = False
    # Where it was printed (see :func:`span` and README's "Where a cell was printed"): for text
    # and HTML the line and the character span in the decoded text; for a digital PDF the page
    # and bbox in points; for a scan the page and the pixel box; for Word the table, row and cell.
    source: dict | None = field(default=None, compare=False)
    # True for an OCR'd number whose every digit the recogniser was sure of: not in doubt.
    ocr_sure: bool = False

    # Worked out once, when the cell is made (cells are not changed after): every stage asks.
    is_value: bool = field(init=False, repr=False, compare=False)
    is_blank: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.is_blank = not self.text.strip()
        self.is_value = self.unreadable or (not self.is_blank and looks_like_value(self.text, ocr=self.ocr))


def span(line: int, start: int, end: int) -> dict:
    """A text or HTML cell's source: its line (1-based) and characters [start, end) of the
    decoded text."""
    return {"line": line, "start": start, "end": end}


def within(source: dict | None, offset: int, length: int) -> dict | None:
    """The source of a piece cut from a cell ``offset`` characters in: a narrower span of a
    text source, the cell's own box or place for the others."""
    if source and "start" in source and offset >= 0:
        return span(source["line"], source["start"] + offset, source["start"] + offset + length)
    return source


def joined(sources: list[dict | None]) -> dict | None:
    """One source covering several cells' (a digit run cut over several columns, say)."""
    known = [s for s in sources if s]
    if not known:
        return None
    first = known[0]
    if all("start" in s for s in known):
        return span(first["line"], min(s["start"] for s in known), max(s["end"] for s in known))
    for box in ("bbox", "box"):
        if all(box in s and s.get("page") == first.get("page") for s in known):
            corners = list(zip(*(s[box] for s in known)))
            return dict(first, **{box: [min(corners[0]), min(corners[1]), max(corners[2]), max(corners[3])]})
    return first


def with_sources(pieces: list[Cell], text: str, source: dict | None) -> list[Cell]:
    """Pieces cut out of ``text`` (a cell read from ``source``), each given the part of the
    source it was cut from, found in order."""
    at = 0
    for piece in pieces:
        found = text.find(piece.text, at)
        piece.source = within(source, found, len(piece.text))
        if found >= 0:
            at = found + len(piece.text)
    return pieces


@dataclass
class Line:
    cells: list[Cell]
    grid: bool  # a row of a real grid: its blank cells count
    aligned: bool = False  # cells' col/span line up with the header's (HTML, PDF, space-aligned)
    number: int = 0  # where it came from (line, or table row) for messages
    table: int | None = None  # which source table, where the reader knows
    page: int | None = None


@dataclass
class Layout:
    """A document read into lines, plus what the reader learnt on the way."""

    lines: list[Line]
    kind: str  # "text", "html", "mht", "pdf", "docx", "doc", "scan"
    encoding: str = ""
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The document's words, a line per line, for narrative and template cues."""
        return "\n".join([" ".join([c.text for c in line.cells if c.text]) for line in self.lines])


# --- cutting numbers out of running text ------------------------------------

CN_NUMERALS = "一二三四五六七八九十"
# Label numbering the official form uses: （一） 一、 1. 1、
NUMBERING = re.compile(
    rf"^\s*(?:\((?P<paren>[{CN_NUMERALS}]+)\)|(?P<cn>[{CN_NUMERALS}]+)\s*[、.]|(?P<digit>\d{{1,2}})\s*[.、](?!\d)"
    r"|\((?P<pdigit>\d{1,2})\))"
)
# Words that, right after digits, say the digits belong to prose ("58件", "2021年", "4位小数").
_PROSE_UNITS = "年月日号时分秒位件条个项次人名家期场份余多天篇批类届岁倍亿千百万%‰户栋座所台辆元吨亩"
_DATE_OR_PHONE = re.compile(r"(?:19|20)\d\d-\d{1,2}(?:-\d{1,2})?(?!\d)|0\d{2,3}-\d{7,8}(?!\d)")
_NUMBER_RUN = re.compile(r"[+\-]{0,2}\d[\d,]*(?:\.\d+)?(?:万元|元)?")
# Where a new label begins inside running text: before numbering, unless it is 第（一）项.
_LABEL_START = re.compile(rf"(?<!第)(?=\([{CN_NUMERALS}]+\))|(?<=[^\s{CN_NUMERALS}第])(?=[{CN_NUMERALS}]、)")


def _is_numbering_digit(text: str, end: int) -> bool:
    """Digits at ``text[:end]`` followed by '.' or '、' and a non-digit: label numbering (1.属于)."""
    rest = text[end:].lstrip()
    return len(rest) > 1 and rest[0] in ".、" and not rest[1].isdigit()


def tokenize(text: str, ocr: bool = False) -> list[Cell]:
    """Cut running text into label cells and value cells.

    "一、本年新收政府信息公开申请数量640020470二、上年结转…" → a label, a glued value run, a label.
    Numbers that belong to prose (years, "58件") and label numbering ("2.其他法律…") stay text.
    """
    return [Cell(piece, glued=glued, ocr=ocr) for piece, glued in _tokens(text, ocr)]


@lru_cache(maxsize=8192)  # a row's label cell recurs across documents
def _tokens(text: str, ocr: bool) -> tuple[tuple[str, bool], ...]:
    """:func:`tokenize`'s cells as (text, glued)."""
    text = normalize(text).strip()
    if not text:
        return ()
    if looks_like_value(text, ocr=ocr):
        return ((text, led_by_zero(text)),)
    text = re.sub(r"(\d)\s+(?=[.、][^\d\s])", r"\1", text)  # "8 .属于" is numbering "8."
    pieces: list[tuple[str, str]] = []  # (kind, text) with kind "text" or "value"
    pos = 0
    protected = [m.span() for m in _DATE_OR_PHONE.finditer(text)]
    for m in _NUMBER_RUN.finditer(text):
        start, end = m.span()
        number = m.group()
        before = text[start - 1] if start else ""
        after = text[end:].lstrip()[:1]
        signed_after_digits = before.isdigit() and number[0] in "+-"  # "163328-11995": two cells run together
        if before and not signed_after_digits and ((before.isalnum() and not is_cjk(before)) or before in "第-:/."):
            continue  # part of a code, a date or "第1项"
        if after and after in _PROSE_UNITS and not number.endswith("元"):
            continue
        if after and (after.isascii() and after.isalpha() or after in "/:"):
            continue
        if any(a <= start < b for a, b in protected):
            continue  # "2022-01-14", "0736-3222916": not a cell and a negative one run together
        if _is_numbering_digit(text, end):
            # "…00000002.其他" → value "0000000", then label numbering "2."
            if len(number) == 1 or not number.isdigit():
                continue
            number, end = number[:-1], end - 1
        if before == "(" and text[end:end + 1] == ")":
            continue  # "(1)" numbers a label
        pieces.append(("text", text[pos:start]))
        pieces.append(("value", number))
        pos = end
    pieces.append(("text", text[pos:]))

    cells: list[tuple[str, bool, bool]] = []  # (text, glued, is a value)
    for i, (kind, piece) in enumerate(pieces):
        if kind == "value":
            # A run touching the words around it, or one no count could be ("0000000"),
            # may hold several cells' digits.
            cells.append((piece, _touches_text(pieces, i) or led_by_zero(piece), looks_like_value(piece, ocr=ocr)))
            continue
        for part in piece.split():
            for label in _split_labels(part):
                if looks_like_value(label, ocr=ocr):  # a zero mark in running text ("行政许可 —")
                    cells.append((label, False, True))
                elif cells and not cells[-1][2] and not numbering(label):
                    joined_label = cells[-1][0] + " " + label  # one label broken by a space
                    cells[-1] = (joined_label, False, looks_like_value(joined_label, ocr=ocr))
                else:
                    cells.append((label, False, False))
    return tuple((text, glued) for text, glued, _ in cells)


def _touches_text(pieces: list[tuple[str, str]], i: int) -> bool:
    prev_text = pieces[i - 1][1] if i and pieces[i - 1][0] == "text" else ""
    next_text = pieces[i + 1][1] if i + 1 < len(pieces) and pieces[i + 1][0] == "text" else ""
    return bool(prev_text and not prev_text[-1].isspace()) or bool(next_text and not next_text[0].isspace())


def _split_labels(text: str) -> list[str]:
    return [p for p in _LABEL_START.split(text) if p]


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


@lru_cache(maxsize=8192)  # labels recur across rows and documents
def numbering(label: str) -> str:
    """The numbering a label starts with, as a pattern: "(x)", "x、", "n." or ""."""
    m = NUMBERING.match(label.replace(" ", ""))
    if not m:
        return ""
    if m["paren"]:
        return f"({m['paren']})"
    if m["cn"]:
        return f"{m['cn']}、"
    return f"{m['digit'] or m['pdigit']}."


_CJK = "\u3400-\u9fff“”()"


def squeeze(text: str, digits: bool = False) -> str:
    """Collapse layout whitespace to one space, and to none between CJK characters.

    Inside a table cell also between digits: Word and PDFs split one number over runs ("2" "0").
    """
    text = re.sub(r"\s+", " ", text).strip()
    joined = _CJK + ("\\d.," if digits else "")
    return re.sub(rf"(?<=[{joined}]) (?=[{joined}])", "", text)
