"""Where a cell was printed, as the review page shows it: the source text around the cell's span
(text and HTML), a crop of the page image around its box (PDF and scans, rendered with
pypdfium2), the Word table cell, or the identity an inferred cell was worked out from."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

# Characters of source text shown on either side of a cell's span.
CONTEXT = 240
# Points of page shown above and below a cell's box (the crop is the page's full width).
MARGIN_POINTS = 48
SCALE = 2  # pixels a point: 144 dpi


def describe(path: Path, kind: str, cell, document: str, key: str) -> dict:
    """JSON-ready: ``{"kind": ...}`` and what the page needs to show that kind of source."""
    source = getattr(cell, "source", None) or {}
    if "identity" in source:
        return {"kind": "inferred", "identity": source["identity"], "from": source.get("from", [])}
    if "start" in source:
        try:
            text = _decoded(str(path))
        except OSError:
            return {"kind": "missing", "path": path.name}
        start, end = source["start"], source["end"]
        return {"kind": "text", "line": source.get("line"), "before": text[max(0, start - CONTEXT):start],
                "span": text[start:end], "after": text[end:end + CONTEXT]}
    if "bbox" in source or "box" in source:
        return {"kind": "image", "page": source["page"], "url": f"api/crop.png?name={_quote(document)}&cell={key}"}
    if "table" in source:
        return {"kind": "docx", "table": source["table"], "row": source["row"], "cell": source["cell"],
                "span": cell.printed}
    return {"kind": "none"}


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@lru_cache(maxsize=8)
def _decoded(path: str) -> str:
    """The document's text exactly as the readers decoded it (spans count in this text)."""
    from ..extract import decode

    return decode(Path(path).read_bytes())[0]


def crop(path: Path, cell) -> bytes | None:
    """A PNG of the page band around the cell's box, the box outlined; None where the cell has
    no box on a page."""
    from PIL import ImageDraw

    source = getattr(cell, "source", None) or {}
    if "bbox" in source:  # a digital PDF: points from the page's top left
        image = _page(str(path), source["page"], SCALE).copy()
        x0, top, x1, bottom = (v * SCALE for v in source["bbox"])
        margin = MARGIN_POINTS * SCALE
    elif "box" in source:  # a scan: pixels of the image as read
        image = _scan(str(path), source["page"], source.get("dpi")).copy()
        x0, top, x1, bottom = source["box"]
        margin = MARGIN_POINTS * image.width / 595
    else:
        return None
    ImageDraw.Draw(image).rectangle((x0 - 3, top - 3, x1 + 3, bottom + 3), outline=(220, 0, 0), width=3)
    band = image.crop((0, max(0, top - margin), image.width, min(image.height, bottom + margin)))
    out = io.BytesIO()
    band.save(out, format="PNG")
    return out.getvalue()


@lru_cache(maxsize=4)
def _page(path: str, page: int, scale: float):
    import pypdfium2

    document = pypdfium2.PdfDocument(Path(path).read_bytes())
    try:
        return document[page - 1].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


@lru_cache(maxsize=4)
def _scan(path: str, page: int, dpi: int | None):
    """A scan's page as it was OCR'd: an image file, or a PDF page rendered at the dpi read."""
    from PIL import Image

    data = Path(path).read_bytes()
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return _page(path, page, (dpi or 300) / 72)
    image = Image.open(io.BytesIO(data))
    image.seek(page - 1)
    return image.convert("RGB")
