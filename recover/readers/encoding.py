"""Bytes of a text or web page → text: the encoding found, and any script read as simplified."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from charset_normalizer import from_bytes

from ..errors import UnreadableDocumentError
from ..layout import Layout


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → text and the encoding found: a BOM, strict UTF-8, else charset-normalizer's guess."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return simplified(_checked(data.decode(encoding, errors="replace"))), encoding
    try:
        return simplified(_checked(data.decode("utf-8"))), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be", "utf_8"]).best()
    if best is None:
        raise UnreadableDocumentError("binary data, or text in an encoding not recognised "
                                      "(tried UTF-8, GB18030, Big5, UTF-16)", reason="unsupported_format")
    return simplified(_checked(data.decode(best.encoding, errors="replace"))), best.encoding


# Above this share of CJK characters written in the traditional script, a text is traditional.
TRADITIONAL_SHARE = 0.03


def simplified(text: str) -> str:
    """Text in the traditional script (Big5, or UTF-8 copied from a mirror or wiki site) in the
    simplified one the form is printed in, Taiwan wording too (政府資訊 → 政府信息, 檔案 → 文件);
    other text as it is.  Digits, and so every cell's printed number, are untouched."""
    return _converter("tw2sp").convert(text) if is_traditional(text) else text


_CJK = re.compile("[\u4e00-\u9fff]")
# What _checked counts as binary: control characters other than line breaks, tabs and form feeds,
# and the replacement character a failed decoding leaves.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def is_traditional(text: str) -> bool:
    cjk = Counter(_CJK.findall(text[:50_000]))  # each character looked at once, however often printed
    traditional = sum(n for ch, n in cjk.items() if _is_traditional_character(ch))
    return bool(cjk) and traditional >= TRADITIONAL_SHARE * sum(cjk.values())


@lru_cache(maxsize=30_000)  # the CJK block holds about 21,000 characters; a report uses a thousand
def _is_traditional_character(ch: str) -> bool:
    return _converter("t2s").convert(ch) != ch


def simplify_layout(layout: Layout) -> Layout:
    """A PDF's or Word document's reading with its cells' text read as simplified, where the
    document is in the traditional script (text and web pages are converted as they are decoded)."""
    if is_traditional(layout.text()):
        convert = _converter("tw2sp").convert
        for line in layout.lines:
            for cell in line.cells:
                cell.text = convert(cell.text)
        layout.notes.append("traditional script read as simplified")
    return layout


@lru_cache(maxsize=2)
def _converter(config: str):
    from opencc import OpenCC

    return OpenCC(config)


def _checked(text: str) -> str:
    """The text, unless it is binary data that happened to decode."""
    sample = text[:20_000]
    controls = len(_CONTROL.findall(sample))
    if sample and controls / len(sample) > 0.05:
        raise UnreadableDocumentError("binary data, not a text, HTML, PDF, Word or image document",
                                      reason="unsupported_format")
    return text
