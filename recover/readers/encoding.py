"""Bytes of a text or web page → text: the encoding found, and any script read as simplified."""
from __future__ import annotations

from charset_normalizer import from_bytes

from ..errors import UnreadableDocumentError


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → text and the encoding found: a BOM, strict UTF-8, else charset-normalizer's guess."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="replace")), encoding
    try:
        return _checked(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be", "utf_8"]).best()
    if best is None:
        raise UnreadableDocumentError("binary data, or text in an encoding not recognised "
                                      "(tried UTF-8, GB18030, Big5, UTF-16)", reason="unsupported_format")
    text = _checked(data.decode(best.encoding, errors="replace"))
    if best.encoding.startswith(("big5", "cp950")):
        text = _simplified(text)  # Big5 holds the traditional script; the form is printed in the simplified
    return text, best.encoding


def _simplified(text: str) -> str:
    from opencc import OpenCC

    return OpenCC("t2s").convert(text)


def _checked(text: str) -> str:
    """The text, unless it is binary data that happened to decode."""
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f" or ch == "\ufffd")
    if sample and controls / len(sample) > 0.05:
        raise UnreadableDocumentError("binary data, not a text, HTML, PDF, Word or image document",
                                      reason="unsupported_format")
    return text
