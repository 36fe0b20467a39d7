"""Digital PDF → lines of cells, read with pdfplumber."""
from __future__ import annotations

from io import BytesIO

import pdfplumber

from .errors import UnreadableDocumentError
from .layout import Layout
from .textreader import read_text


def read_pdf(data: bytes) -> Layout:
    try:
        pdf = pdfplumber.open(BytesIO(data))
    except Exception as e:
        raise UnreadableDocumentError(f"not a readable PDF ({type(e).__name__})") from e
    with pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return Layout(read_text(text), "pdf")
