"""HTML → lines of cells.

Tables become grid lines with rowspan/colspan expanded to a logical grid (a merged label is
repeated, marked ``spanned``, in every row it covers); everything around them becomes running
text lines, in document order, so headings stay in front of their tables.  lxml parses it; its
HTML parser fetches nothing and expands no external entities.
"""
from __future__ import annotations

import re
from bisect import bisect_right

import lxml.html
from lxml import etree

from ..errors import UnreadableDocumentError
from ..layout import Cell, Layout, Line, span, squeeze
from ..values import normalize
from .encoding import decode

_BLOCKS = {
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
    "header", "footer", "blockquote", "pre", "tr", "td", "th", "table", "dd", "dt", "hr", "center", "form",
}  # td/th: the cells of a layout table (one that holds other tables) are separate blocks
_SKIP = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object"}
_MAX_DEPTH = 256  # libxml2's limit on nested elements
_WRAPPERS = re.compile(r"</?(div|span|font|section|article|center|b|i|strong|em)\b[^>]*>", re.I)
_MAX_SPAN = 200  # a colspan/rowspan beyond this is a broken attribute, not a table
_MAX_TABLE_CELLS = 100_000  # a table's grid once spans are expanded; a report's has a few hundred
_MAX_ATTRIBUTES = 1_000  # on one tag; libxml2 takes time quadratic in them
_LONG_TAG = re.compile(r"<[A-Za-z][^<>]{4096,}>")
_ATTRIBUTE = re.compile(r"""\s[^\s=<>"'/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")


def read(data: bytes) -> list[Layout]:
    text, encoding = decode(data)
    return [Layout(lines_of(text), "html", encoding)]


def lines_of(text: str) -> list[Line]:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    for tag in _LONG_TAG.finditer(text):  # only long tags can hold that many attributes
        attributes = sum(1 for _ in _ATTRIBUTE.finditer(tag.group()))
        if attributes > _MAX_ATTRIBUTES:
            raise UnreadableDocumentError(f"the web page has a tag with {attributes:,} attributes: not a report page", reason="too_large")
    root, too_deep = _parse(text)
    if too_deep:  # wrappers that carry no table structure are dropped, and the page read again
        root, too_deep = _parse(_WRAPPERS.sub("<br>", text))
        if too_deep:
            raise UnreadableDocumentError(f"the web page nests its elements more than {_MAX_DEPTH} levels deep",
                                          reason="too_large")
    if root is None:
        return []
    walker = _Walker(_Sources(text))
    walker.walk(root)
    walker.flush()
    return walker.lines


def _parse(text: str):
    """The page's tree, and whether the parser gave up at its depth limit (the rest is lost)."""
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False
    too_deep = any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log)
    return root, too_deep


class _Sources:
    """Where in the page's text a table cell was printed: lxml gives the element's line; the
    cell's text is looked for from there, or from the cell before it if that is further on, as
    the whole text between two tags."""

    LOOK_AHEAD = 20_000  # characters of markup a cell's text may sit behind
    _PAD = r"(?:\s|&nbsp;|&#160;|&#xa0;)*"

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.at = 0  # where the cell before ended: cells are met in the page's order

    def of(self, element, printed: str) -> dict | None:
        line = element.sourceline
        if not line or line > len(self.starts):
            return None
        start = max(self.starts[line - 1], self.at)
        if printed:
            found = re.compile(">" + self._PAD + "(" + re.escape(printed) + ")" + self._PAD + "<").search(
                self.text, start, start + self.LOOK_AHEAD)
            if found:
                self.at = found.end(1)
                return span(bisect_right(self.starts, found.start(1)), found.start(1), found.end(1))
        return {"line": line}  # the cell's text is not in the markup as such ("2" "0" in two spans)


class _Walker:
    """Walks the tree in document order, collecting running text and tables as lines."""

    def __init__(self, sources: _Sources) -> None:
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.first = None  # the element the running text in the buffer starts in
        self.sources = sources
        self.tables = 0

    def flush(self) -> None:
        text = normalize("".join(self.buffer)).strip()
        self.buffer = []
        if text:
            # Running text is cut into cells later: its source is its line (markup runs through it).
            line = self.first.sourceline if self.first is not None else None
            self.lines.append(Line([Cell(squeeze(text), source={"line": line} if line else None)], grid=False,
                                   number=len(self.lines) + 1))
        self.first = None

    def walk(self, element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP:
            self._tail(element)
            return
        if tag == "table" and not element.xpath(".//table"):
            self.flush()
            self._table(element)
            self._tail(element)
            return
        if tag in _BLOCKS:
            self.flush()
        if element.text and tag:
            self._text(element.text, element)
        for child in element:
            self.walk(child)
        if tag in _BLOCKS:
            self.flush()
        self._tail(element)

    def _tail(self, element) -> None:
        if element.tail:
            self._text(element.tail, element)

    def _text(self, text: str, element) -> None:
        if self.first is None and text.strip():
            self.first = element
        self.buffer.append(text)

    def _table(self, table) -> None:
        self.tables += 1
        for number, row in enumerate(_grid(table, self.sources), start=1):
            if any(c.text for c in row):
                self.lines.append(Line(row, grid=True, aligned=True, number=number, table=self.tables))


def _grid(table, sources: _Sources) -> list[list[Cell]]:
    """Expand a table's rowspans and colspans into rows of placed cells."""
    rows = list(table.iter("tr"))  # a leaf table: every <tr> below it is its own
    size = sum(_span(td.get("colspan")) * min(_span(td.get("rowspan")), len(rows) - r)
               for r, tr in enumerate(rows) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th"))
    if size > _MAX_TABLE_CELLS:
        raise UnreadableDocumentError(f"a table of the web page spans {size:,} cells: not a report table", reason="too_large")
    taken: dict[tuple[int, int], Cell] = {}  # (row, col) → the cell merged over it from above
    out: list[list[Cell]] = []
    for r, tr in enumerate(rows):
        placed: list[Cell] = []
        col = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, col) in taken:
                placed.append(taken.pop((r, col)))
                col += 1
            colspan = _span(td.get("colspan"))
            rowspan = min(_span(td.get("rowspan")), len(rows) - r)
            text = _cell_text(td)
            cell = Cell(text, col=col, span=colspan, source=sources.of(td, text))
            placed.append(cell)
            for below in range(1, rowspan):
                for c in range(col, col + colspan):
                    taken[(r + below, c)] = Cell(cell.text, col=c, span=1, spanned=True)
            col += colspan
        while (r, col) in taken:  # merged cells reaching past the row's own cells
            placed.append(taken.pop((r, col)))
            col += 1
        out.append(_merge_spanned(placed))
    return out


def _merge_spanned(cells: list[Cell]) -> list[Cell]:
    """A label merged over several columns from above comes back as one cell, not several."""
    merged: list[Cell] = []
    for cell in cells:
        last = merged[-1] if merged else None
        if (last and cell.spanned and last.spanned and last.text == cell.text
                and last.col is not None and last.col + last.span == cell.col):
            last.span += 1
        else:
            merged.append(cell)
    return merged


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), _MAX_SPAN))
    except (TypeError, ValueError):
        return 1


def _cell_text(td) -> str:
    parts: list[str] = []
    _collect_text(td, parts)
    return squeeze(normalize("".join(parts)), digits=True)


def _collect_text(node, parts: list[str]) -> None:
    if isinstance(node.tag, str) and node.tag in _SKIP:
        return
    if node.tag == "br":
        parts.append(" ")
    if node.text:
        parts.append(node.text)
    for child in node:
        _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)
