"""Where a cell was printed, as the review page shows it (from the cell's ``source``): the
source text around the cell's span (text and HTML), a crop of the page image around its box
(PDF and scans, rendered with pypdfium2), the Word table cell, or the identity an inferred cell
was worked out from."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

# Characters of source text shown on either side of a cell's span.
CONTEXT = 240
# Points of page shown above and below a cell's box, and to either side.
MARGIN_POINTS, SIDE_POINTS = 48, 170
A4_WIDTH_POINTS = 595
SCALE = 2  # pixels a point: 144 dpi


def describe(path: Path, cell, document: str, key: str) -> dict:
    """JSON-ready: ``{"kind": ...}`` and what the page needs to show that kind of source."""
    source = cell.source or {}
    if "identity" in source:
        return {"kind": "inferred", "identity": source["identity"], "from": source["from"]}
    if "line" in source:
        try:
            text = _decoded(str(path))
        except OSError:
            return {"kind": "missing", "path": path.name}
        start, end = _span(text, source, cell.printed)
        return {"kind": "text", "line": source["line"], "before": text[max(0, start - CONTEXT):start],
                "span": text[start:end], "after": text[end:end + CONTEXT]}
    if "page" in source:
        return {"kind": "image", "page": source["page"],
                "url": f"api/crop.png?name={_quote(document)}&cell={_quote(key)}"}
    if "table" in source:
        return {"kind": "docx", "table": source["table"], "row": source["row"], "cell": source["cell"],
                "span": cell.printed}
    return {"kind": "none"}


def _span(text: str, source: dict, printed: str) -> tuple[int, int]:
    """The cell's characters; for a source that names only its line (HTML running text, markup
    between its characters), the printed text's first place in that line, else the line."""
    if "start" in source:
        return source["start"], source["end"]
    start = sum(len(line) for line in text.splitlines(keepends=True)[:source["line"] - 1])
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    found = text.find(printed, start, end) if printed else -1
    return (found, found + len(printed)) if found >= 0 else (start, end)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@lru_cache(maxsize=8)
def _decoded(path: str) -> str:
    """The document's text exactly as the readers decoded it (spans count in this text; for a web
    page saved as one file, in the page inside)."""
    from ..readers.encoding import decode
    from ..readers.mht import web_page

    return decode(web_page(Path(path).read_bytes()))[0]


def crop(path: Path, cell) -> bytes | None:
    """A PNG of the page band around the cell's box, the box outlined (the whole page where
    the source names only the page); None where the cell has no page."""
    from PIL import ImageDraw

    source = cell.source or {}
    if "page" not in source:
        return None
    image = _page_image(str(path), source["page"]).copy()
    factor: float = SCALE
    if "bbox" in source:  # a digital PDF: points from the page's top left
        box = source["bbox"]
    elif "box" in source:  # a scan: pixels of the page image as it was read
        factor = image.width / source["size"][0] if "size" in source else 1.0
        box = source["box"]
    else:
        return _png(image)
    x0, top, x1, bottom = (v * factor for v in box)
    ImageDraw.Draw(image).rectangle((x0 - 3, top - 3, x1 + 3, bottom + 3), outline=(220, 0, 0), width=3)
    per_point = image.width / A4_WIDTH_POINTS
    margin, side = MARGIN_POINTS * per_point, SIDE_POINTS * per_point
    return _png(image.crop((max(0, x0 - side), max(0, top - margin), min(image.width, x1 + side),
                            min(image.height, bottom + margin))))


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@lru_cache(maxsize=4)
def _page_image(path: str, page: int):
    """A page as an image: a PDF's rendered at :data:`SCALE`, an image file's frame as it is, a
    Word file's pasted page as it is."""
    from ..readers import sniff
    from ..readers.docx import page_pictures
    from ..readers.scan import frames

    data = Path(path).read_bytes()
    kind = sniff(data)
    if kind == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        try:
            return document[page - 1].render(scale=SCALE).to_pil().convert("RGB")
        finally:
            document.close()
    images = page_pictures(data) if kind == "docx" else [data]
    return [frame for image in images for frame in frames(image)][page - 1].convert("RGB")
