"""PDF → lines of cells, in readings the pipeline chooses between table by table.

1. The *table* reading: pdfplumber finds each page's ruled tables; their cells, merged ones
   included, are placed on a logical grid (as the HTML reader does with rowspan/colspan), and
   the text around them comes out in reading order.
2. The *text* reading: pdfplumber's text of each page, read like copied text (labels wrapped
   between numbers, columns run together).
3. The *layout* reading: the same text with each character kept at its place across the page,
   so values line up under their headers even where a table has no rules.
4. On demand, when the first three leave cells in doubt, camelot's reading of the tables
   (:mod:`recover.readers.camelot`).

Pages with no text layer (scans) or a garbage one (a font with no Unicode mapping) are
rendered with pypdfium2 and read by OCR (see :mod:`recover.readers.scan`).  A PDF that opens
with an empty password is read; one that needs a password, a corrupt file and a zero-page PDF
each raise :class:`UnreadableDocumentError` with the reason.
"""
from __future__ import annotations

import re
import zlib

from dataclasses import dataclass
from io import BytesIO

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect

from ..errors import UnreadableDocumentError
from ..layout import Cell, Layout, Line, squeeze
from ..values import normalize
from .text import lines_of

# Reports run to a dozen pages; past this many a PDF is read no further, and one with more than
# MAX_PAGES_AT_ALL is not opened at all (a page-count bomb).
MAX_PAGES = 60
MAX_PAGES_AT_ALL = 2000
# A page larger than this (points) is not a report page: a "giant page" bomb.
MAX_PAGE_SIDE = 20_000
# What one compressed stream may inflate to (a page image at 600 dpi in colour is about 100 MB),
# and all of them together: past this a PDF is an inflation bomb, refused before it is parsed.
MAX_STREAM_BYTES = 256 * 1024 * 1024
MAX_INFLATED_BYTES = 1024 * 1024 * 1024
_EDGE_TOLERANCE = 2.5  # points within which two cell edges are the same grid line


def read(data: bytes) -> list[Layout]:
    """The table reading and the text reading of a PDF (the same where a page is OCR'd)."""
    pdf = open_pdf(data)
    with pdf:
        pages = pdf.pages
        if not pages:
            raise UnreadableDocumentError("the PDF has no pages", reason="corrupt")
        notes = [f"read the first {MAX_PAGES} of {len(pages)} pages"] if len(pages) > MAX_PAGES else []
        table_lines: list[Line] = []
        text_lines: list[Line] = []
        layout_lines: list[Line] = []
        scanned: dict[int, int] = {}  # page → the resolution its scan was made at
        for number, page in enumerate(pages[:MAX_PAGES], start=1):
            if max(page.width, page.height) >= MAX_PAGE_SIDE:
                raise UnreadableDocumentError(f"page {number} is {page.width:.0f} × {page.height:.0f} points: "
                                              "not a report page", reason="too_large")
            if not has_text_layer(page):
                scanned[number] = _scan_dpi(page)
                continue
            table_lines += with_page(page_lines(page, [plumber_table(t) for t in page.find_tables()]), number)
            text_lines += with_page(lines_of(page.extract_text() or ""), number)
            layout_lines += with_page(lines_of(page.extract_text(layout=True) or "", wide_cjk=False), number)
    if scanned:
        from .scan import ocr_pdf_pages

        ocr = ocr_pdf_pages(data, scanned)
        notes.append(f"pages {', '.join(map(str, scanned))} read by OCR")
        if len(scanned) == min(len(pages), MAX_PAGES):
            return [Layout(ocr, "scan", notes=notes)]
        table_lines, text_lines, layout_lines = (_merge_pages(lines, ocr)
                                                 for lines in (table_lines, text_lines, layout_lines))
    return [Layout(table_lines, "pdf", notes=notes + ["tables"]), Layout(text_lines, "pdf", notes=notes + ["text"]),
            Layout(layout_lines, "pdf", notes=notes + ["layout"])]


def _scan_dpi(page) -> int:
    """The resolution of the largest image on a page (what it was scanned at), or OCR's default."""
    from .scan import OCR_DPI

    images = [im for im in page.images if im.get("srcsize") and im["x1"] - im["x0"] > 0]
    if not images:
        return OCR_DPI
    image = max(images, key=lambda im: (im["x1"] - im["x0"]) * (im["bottom"] - im["top"]))
    dpi = image["srcsize"][0] / ((image["x1"] - image["x0"]) / 72)
    return int(min(max(dpi, 100), 600))


def open_pdf(data: bytes):
    _check_inflation(data)
    pages = _page_count(data)
    if pages is not None and pages > MAX_PAGES_AT_ALL:
        raise UnreadableDocumentError(f"the PDF has {pages:,} pages: too many to be one report "
                                      f"(the limit is {MAX_PAGES_AT_ALL:,})", reason="too_large")
    try:
        pdf = pdfplumber.open(BytesIO(data), password="")
        pdf.pages  # parses the page tree: a broken file fails here
        return pdf
    except Exception as e:
        if _caused_by(e, PDFPasswordIncorrect):
            raise UnreadableDocumentError("the PDF is protected by a password", reason="encrypted") from e
        raise UnreadableDocumentError(f"not a readable PDF: damaged or incomplete ({type(e).__name__})",
                                      reason="corrupt") from e


def _check_inflation(data: bytes) -> None:
    """Inflate every zlib stream of the file, a block at a time, counting what it gives and keeping
    none of it: a stream past :data:`MAX_STREAM_BYTES`, or all past :data:`MAX_INFLATED_BYTES`,
    and the PDF is refused before any parser holds it in memory."""
    total = 0
    for start in re.finditer(rb"stream\r?\n", data):
        inflater, at, size = zlib.decompressobj(), start.end(), 0
        try:
            while not inflater.eof and at < len(data):
                size += len(inflater.decompress(data[at:at + 65536], 1 << 20))
                while inflater.unconsumed_tail and size <= MAX_STREAM_BYTES:
                    size += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
                at += 65536
                if size > MAX_STREAM_BYTES:
                    break
        except zlib.error:  # not a zlib stream (or damaged: the parser says so)
            pass
        total += size
        if size > MAX_STREAM_BYTES:
            raise UnreadableDocumentError(f"a stream of the PDF inflates to more than {MAX_STREAM_BYTES >> 20} MB: "
                                          "too large to be a report", reason="too_large")
        if total > MAX_INFLATED_BYTES:
            raise UnreadableDocumentError(f"the PDF's streams inflate to more than {MAX_INFLATED_BYTES >> 20} MB: "
                                          "too large to be a report", reason="too_large")


def _page_count(data: bytes) -> int | None:
    """The page count as pdfium reads it, cheaply (pdfplumber builds every page to count them);
    None where pdfium cannot open the file (pdfplumber then says why)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError:
        return None
    try:
        return len(document)
    finally:
        document.close()


def _caused_by(error: BaseException | None, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def has_text_layer(page) -> bool:
    """Whether the page's text can be used: mapped characters, and enough of them to be the
    page's text.  A page with little text and no image (a closing heading) is read from its text
    where that text is plainly Chinese, never OCR'd; beside an image, a few characters are a
    scan's strays."""
    chars = [c["text"] for c in page.chars if not c["text"].isspace()]
    letters = [t for t in chars if not t.isdigit()]
    if len(letters) < 20:
        if page.images or not chars:
            return False
        return sum(map(_plainly_chinese, letters)) >= 0.8 * len(letters)
    unmapped = sum(1 for t in letters if t.startswith("(cid:") or "\ue000" <= t[:1] <= "\uf8ff" or t == "\ufffd")
    return unmapped / len(letters) < 0.2


def _plainly_chinese(text: str) -> bool:
    """CJK, its punctuation, full-width forms or ASCII: not the Latin-1 of a font without a map."""
    ch = text[:1]
    return ch.isascii() and not text.startswith("(cid:") or "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" \
        or "\uff00" <= ch <= "\uffef"


def with_page(lines: list[Line], page: int) -> list[Line]:
    """Lines of a page: each cell's source names the page; a cell of the page's text (not of a
    ruled table) is placed by its page alone, the text being pdfplumber's, not the file's."""
    for line in lines:
        line.page = page
        for cell in line.cells:
            box = {"bbox": cell.source["bbox"]} if cell.source and "bbox" in cell.source else {}
            cell.source = {"page": page, **box}
    return lines


def _merge_pages(lines: list[Line], ocr: list[Line]) -> list[Line]:
    return sorted(lines + ocr, key=lambda line: line.page or 0)


# --- the table reading -------------------------------------------------------------------------


@dataclass
class Table:
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in pdfplumber's page space
    rows: list[list[Cell]]


def plumber_table(table) -> Table:
    return Table(table.bbox, _table_rows(table))


def page_lines(page, tables: list[Table]) -> list[Line]:
    """A page's tables as grid lines, with the text above, between and below them in order."""
    tables = sorted(tables, key=lambda t: t.bbox[1])
    lines: list[Line] = []
    top = 0.0
    for index, table in enumerate(tables):
        lines += _text_between(page, top, table.bbox[1], tables)
        lines += [Line(row, grid=True, aligned=True, number=i, table=index + 1)
                  for i, row in enumerate(table.rows, start=1) if any(c.text for c in row)]
        top = table.bbox[3]
    return lines + _text_between(page, top, page.height, tables)


def _text_between(page, top: float, bottom: float, tables) -> list[Line]:
    if bottom - top < 1:
        return []
    band = page.crop((0, max(top, 0), page.width, min(bottom, page.height)), strict=False)
    outside = band.filter(lambda obj: not any(_inside(obj, t.bbox) for t in tables))
    return lines_of(outside.extract_text() or "")


def _inside(obj, bbox) -> bool:
    x0, top, x1, bottom = bbox
    return obj.get("x0", -1) >= x0 - 1 and obj.get("x1", 1e9) <= x1 + 1 and \
        obj.get("top", -1) >= top - 1 and obj.get("bottom", 1e9) <= bottom + 1


def _table_rows(table) -> list[list[Cell]]:
    """A pdfplumber table's cells on a logical grid: each cell at its column with its width in
    columns; a cell merged down is repeated, ``spanned``, in the rows below it covers."""
    boxes = [box for row in table.rows for box in row.cells if box is not None]
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    grid: dict[int, list[Cell]] = {}
    for row, texts in zip(table.rows, table.extract()):
        for box, text in zip(row.cells, texts):
            if box is None:
                continue
            c0, c1 = _nearest(xs, box[0]), _nearest(xs, box[2])
            r0, r1 = _nearest(ys, box[1]), _nearest(ys, box[3])
            cell = Cell(squeeze(normalize(text or ""), digits=True), col=c0, span=max(c1 - c0, 1),
                        source={"bbox": [round(v, 1) for v in box]})
            grid.setdefault(r0, []).append(cell)
            for r in range(r0 + 1, r1):
                grid.setdefault(r, []).append(Cell(cell.text, col=c0, span=cell.span, spanned=True))
    return [sorted(grid[r], key=lambda c: c.col or 0) for r in sorted(grid)]


def _edges(values: list[float]) -> list[float]:
    edges: list[float] = []
    for v in sorted(values):
        if not edges or v - edges[-1] > _EDGE_TOLERANCE:
            edges.append(v)
    return edges


def _nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))

