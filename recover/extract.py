"""Stage 1, layout extraction: a document's bytes → row candidates.

The reader for the document's kind (decided from its content, not its name) turns it into
lines of cells; :func:`find_candidates` then groups cells into rows — label cells followed by
value cells — and notes for each row the table section and heading it sits under and the
header cells above it.  Which canonical row a candidate is, is the classifier's job.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from io import BytesIO

from charset_normalizer import from_bytes

from . import schema
from .errors import UnreadableDocumentError
from .htmlreader import read_html
from .layout import Cell, Layout, Line, numbering, tokenize
from .textreader import read_text

# A report's text is tens of kB and a web page with it a few MB; beyond this, reading would take
# gigabytes of memory for a file that is not one report.
MAX_TEXT_BYTES = 20_000_000

# --- deciding what a file is --------------------------------------------------------------


def sniff(data: bytes) -> str:
    """The document's kind from its first bytes: pdf, docx, image, html or text."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8")):
        return "image"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # legacy .doc/.xls/.wps
    if data.startswith(b"{\\rtf"):
        return "rtf"
    return "text"


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → text and the encoding found: a BOM, strict UTF-8, else charset-normalizer's guess."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be", "utf_8"]).best()
    if best is None:
        raise UnreadableDocumentError("binary data, or text in an encoding not recognised "
                                      "(tried UTF-8, GB18030, Big5, UTF-16)")
    text = data.decode(best.encoding, errors="replace")
    if best.encoding.startswith(("big5", "cp950")):
        text = _simplified(text)  # Big5 holds the traditional script; the form is printed in the simplified
    return text, best.encoding


def _simplified(text: str) -> str:
    from opencc import OpenCC

    return OpenCC("t2s").convert(text)


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f" or ch == "\ufffd")
    return controls / len(sample) > 0.05


def _is_html(text: str) -> bool:
    head = text[:5000].lower()
    return bool(re.search(r"<(html|body|table|!doctype html|p[\s>]|div[\s>]|tr[\s>])", head))


def read_layouts(data: bytes) -> list[Layout]:
    """Read a document of any supported kind into lines of cells: one reading, or (for a PDF)
    several that the pipeline chooses between table by table."""
    if not data.strip():
        raise UnreadableDocumentError("the file is empty")
    kind = sniff(data)
    if kind == "pdf":
        from .pdfreader import read_pdf  # the PDF, Word and OCR libraries load only when needed

        return read_pdf(data)
    if kind == "docx":
        if not _is_docx(data):
            raise UnreadableDocumentError(_zip_kind(data))
        from .docxreader import read_docx

        return [read_docx(data)]
    if kind == "image":
        from .scanreader import read_image

        return [read_image(data)]
    if kind == "ole":
        raise UnreadableDocumentError("a legacy Word/Excel/WPS file (.doc/.xls/.wps): save it as .docx or PDF")
    if kind == "rtf":
        raise UnreadableDocumentError("an RTF file: save it as .docx or PDF")
    if len(data) > MAX_TEXT_BYTES:
        raise UnreadableDocumentError(f"{len(data) / 1e6:.0f} MB of text or HTML is too large to be one report "
                                      f"(the limit is {MAX_TEXT_BYTES // 1_000_000} MB)")
    text, encoding = decode(data)
    if _looks_binary(text):
        raise UnreadableDocumentError("binary data, not a text, HTML, PDF, Word or image document")
    if _is_html(text):
        return [Layout(read_html(text), "html", encoding)]
    return [Layout(read_text(text), "text", encoding)]


def _zip_kind(data: bytes) -> str:
    """Why a zip archive is not read: what it is, where that can be told."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return "a damaged zip archive, not a readable Word (.docx) document"
    if "OFD.xml" in names:
        return "an OFD document: export it as PDF"
    if "xl/workbook.xml" in names:
        return "an Excel workbook: the tables are read from reports, not spreadsheets"
    return "a zip archive that is not a Word (.docx) document"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


# --- sections and headings ------------------------------------------------------------------

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
    best = max(scores, key=scores.get)
    return best if scores[best] >= 0.6 else None


# --- row candidates ---------------------------------------------------------------------------


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
        return "".join(self.labels[self._own_start():]).replace(" ", "")

    @property
    def context(self) -> str:
        return "".join(self.labels[: self._own_start()]).replace(" ", "")

    def _own_start(self) -> int:
        last = len(self.labels) - 1
        for i in range(last, -1, -1):
            if len("".join(self.labels[i:])) > MAX_LABEL_LENGTH:
                break
            if numbering(self.labels[i]) and section_of(self.labels[i]) is None:
                return i
        return max(last, 0)

    @property
    def filled(self) -> list[Cell]:
        return [c for c in self.values if not c.is_blank]


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
    section, heading, header = "", "", []
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
    if cell.is_blank or cell.is_value or (grid and not any(ch.isdigit() for ch in cell.text)):
        return [cell]
    pieces = tokenize(cell.text, ocr=cell.ocr)
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
