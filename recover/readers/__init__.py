"""Stage 1a, reading: a document's bytes → one or more :class:`~recover.layout.Layout` readings.

One module per kind, each with the same ``read(data: bytes) -> list[Layout]``: :mod:`.text`,
:mod:`.html`, :mod:`.mht` (a web page saved as one file), :mod:`.docx`, :mod:`.doc` (legacy Word and
WPS, through LibreOffice), :mod:`.pdf`, :mod:`.scan` (images), and :mod:`.camelot`, the PDF's second
opinion.  The kind is decided here from the content, never from the file name; each
reader's libraries load only when a document of its kind is read.  A PDF gives several
readings, best first: the pipeline takes each table from the reading that reads it best.
"""
from __future__ import annotations

import importlib
import re

from ..errors import UnreadableDocumentError
from ..layout import Layout
from .doc import is_word
from .mht import is_mht

# A report's text is tens of kB and a web page with it a few MB; beyond this, reading would take
# gigabytes of memory for a file that is not one report.
MAX_TEXT_BYTES = 20_000_000
# Tags that make a text a web page; looked for in the raw bytes with NULs dropped (so UTF-16 too).
_HTML_TAG = re.compile(rb"<(html|body|table|!doctype html|p[\s>]|div[\s>]|tr[\s>])")
_REFUSED = {
    "ole": "a legacy Office file in which no Word document was found (an .xls or .ppt, or a damaged .doc): "
           "save the report as .docx or PDF",
    "rtf": "an RTF file: save it as .docx or PDF",
}


def sniff(data: bytes) -> str:
    """The document's kind from its first bytes: pdf, docx, doc (legacy Word or WPS), image, mht
    (a web page saved as one file), html, text, or one of the office formats recover cannot read
    (ole, rtf)."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8")):
        return "image"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc" if is_word(data) else "ole"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if is_mht(data):
        return "mht"
    return "html" if _HTML_TAG.search(data[:15_000].replace(b"\x00", b"").lower()) else "text"


_READERS = {"pdf": "pdf", "docx": "docx", "doc": "doc", "image": "scan", "mht": "mht", "html": "html", "text": "text"}


def read(data: bytes) -> list[Layout]:
    """Every reading of a document of any supported kind, best first."""
    if not data.strip():
        raise UnreadableDocumentError("the file is empty", reason="empty")
    kind = sniff(data)
    if kind in _REFUSED:
        raise UnreadableDocumentError(_REFUSED[kind], reason="unsupported_format")
    if kind in ("text", "html") and len(data) > MAX_TEXT_BYTES:
        raise UnreadableDocumentError(f"{len(data) / 1e6:.0f} MB of text or HTML is too large to be one report "
                                      f"(the limit is {MAX_TEXT_BYTES // 1_000_000} MB)", reason="too_large")
    layouts = importlib.import_module(f"{__name__}.{_READERS[kind]}").read(data)
    if kind in ("pdf", "docx", "doc"):  # text and web pages are read as simplified when decoded
        from .encoding import simplify_layout

        layouts = [simplify_layout(layout) for layout in layouts]
    return layouts


def second_opinion(data: bytes, kind: str) -> list[Layout]:
    """Slower readings asked for only while a document stays in doubt: camelot for a PDF."""
    if kind != "pdf":
        return []
    from . import camelot

    return camelot.read(data)
