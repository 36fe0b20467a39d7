"""Word (.docx) → lines of cells, read with python-docx.

Paragraphs and tables come out in document order.  A table's merged cells are expanded to a
logical grid: a cell spanning columns (``gridSpan``) keeps its place and width, and a cell
merged down (``vMerge``) is repeated, marked ``spanned``, in the rows it covers — as the HTML
reader does with rowspan.  A Word file with no table but pictures the size of a page (the report
pasted in as scans or photos of its printed pages) has those read by OCR, as :mod:`.scan` reads
an image file.
"""
from __future__ import annotations

import zipfile
from io import BytesIO

import docx
from docx.oxml.ns import qn

from ..errors import UnreadableDocumentError
from ..layout import Cell, Layout, Line, squeeze
from ..values import normalize

# The uncompressed document.xml a report could need, and the whole archive unpacked (styles,
# images, a macro project); beyond either the file is a zip bomb.
MAX_XML_BYTES = 60 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# A picture this large is a page or a table scanned or photographed, not a logo, seal or signature.
MIN_PAGE_PIXELS = 400_000
_MACRO_TYPE = b"application/vnd.ms-word.document.macroEnabled.main+xml"
_DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def read(data: bytes) -> list[Layout]:
    document = _opened(data)
    lines: list[Line] = []
    tables = 0
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = squeeze(normalize(_text(element)))
            if text:
                lines.append(Line([Cell(text)], grid=False, number=len(lines) + 1))
        elif element.tag == qn("w:tbl"):
            tables += 1
            for number, row in enumerate(_grid(element, tables), start=1):
                if any(c.text for c in row):
                    lines.append(Line(row, grid=True, aligned=True, number=number, table=tables))
    layout = Layout(lines, "docx")
    pages = [] if tables else _page_pictures(document)
    if pages:
        from .scan import read_images

        return [read_images(pages), layout]
    return [layout]


def page_pictures(data: bytes) -> list[bytes]:
    """The pictures of a Word file that :func:`read` reads as pages, in document order."""
    return _page_pictures(_opened(data))


def _page_pictures(document) -> list[bytes]:
    from PIL import Image

    pictures = []
    for blip in document.element.body.iter(qn("a:blip")):
        part = document.part.related_parts.get(blip.get(qn("r:embed")))
        if part is None:
            continue
        try:
            width, height = Image.open(BytesIO(part.blob)).size
        except Exception:  # a picture PIL cannot open (a metafile, a damaged one) is not a page
            continue
        if width * height >= MIN_PAGE_PIXELS:
            pictures.append(part.blob)
    return pictures


def _opened(data: bytes):
    """The Word document, checked: a docx (not another zip), not a zip bomb, macros set aside."""
    if not _is_docx(data):
        raise UnreadableDocumentError(_zip_kind(data), reason="unsupported_format")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if archive.getinfo("word/document.xml").file_size > MAX_XML_BYTES:
                raise UnreadableDocumentError("the Word document is too large to be a report", reason="too_large")
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise UnreadableDocumentError(f"the Word file unpacks to {unpacked >> 20:,} MB: too large to be a "
                                              "report", reason="too_large")
            if _MACRO_TYPE in archive.read("[Content_Types].xml"):
                data = _without_macros(archive)
        return docx.Document(BytesIO(data))
    except UnreadableDocumentError:
        raise
    except Exception as e:
        raise UnreadableDocumentError(f"not a readable Word document ({type(e).__name__})", reason="corrupt") from e


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


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


def _without_macros(archive: zipfile.ZipFile) -> bytes:
    """A macro-enabled document (.docm) relabelled as a plain one, which python-docx opens.  The
    macro stays in the archive as bytes; nothing here runs it."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as plain:
        for name in archive.namelist():
            content = archive.read(name)
            if name == "[Content_Types].xml":
                content = content.replace(_MACRO_TYPE, _DOCUMENT_TYPE)
            plain.writestr(name, content)
    return out.getvalue()


def _text(element) -> str:
    """A paragraph's or cell's text: its runs joined, line breaks as spaces, nested tables skipped."""
    parts = []
    for node in element.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
        parts.append(node.text or "" if node.tag == qn("w:t") else " ")
    return "".join(parts)


def _grid(table, number: int) -> list[list[Cell]]:
    """The table's rows on its grid; each cell's source is its place: table, row and grid
    column, from 1."""
    rows: list[list[Cell]] = []
    above: dict[int, Cell] = {}  # grid column → the cell that a vMerge below continues
    for r, tr in enumerate(table.iterchildren(qn("w:tr")), start=1):
        col = _int(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
        row: list[Cell] = []
        for tc in tr.iterchildren(qn("w:tc")):
            props = tc.find(qn("w:tcPr"))
            span = _int(props.find(qn("w:gridSpan")) if props is not None else None, 1)
            merge = props.find(qn("w:vMerge")) if props is not None else None
            if merge is not None and merge.get(qn("w:val")) != "restart" and col in above:
                origin = above[col]
                row.append(Cell(origin.text, col=col, span=span, spanned=True))
            else:
                cell = Cell(squeeze(normalize(_text(tc)), digits=True), col=col, span=span,
                            source={"table": number, "row": r, "cell": col + 1})
                row.append(cell)
                above[col] = cell
            col += span
        rows.append(row)
    return rows


def _int(element, default: int) -> int:
    try:
        return int(element.get(qn("w:val")))
    except (AttributeError, TypeError, ValueError):
        return default
