"""Web pages saved as one file (.mht/.mhtml: a browser's "save as single file", Word's 单个文件网页,
some .doc files too) → the page inside, read by :mod:`.html`.

The standard library's MIME parser takes the file apart and undoes each part's transfer encoding
(quoted-printable, base64); the page is the first ``text/html`` part, in the charset it declares.
"""
from __future__ import annotations

import dataclasses
import email
import email.policy
import re

from ..errors import UnreadableDocumentError
from ..layout import Layout

# A saved page opens with its MIME headers (Chrome's with "From: <Saved by Blink>" first).
_HEADERS = re.compile(rb"^(?:[A-Za-z-]+:[^\n]*\n(?:[ \t][^\n]*\n)*)*?mime-version:", re.I)
_MULTIPART = re.compile(rb"content-type:\s*multipart/related", re.I)
# A saved page carries its images: it may be many times its page's size (the page's own limit is
# the web page's).
MAX_SAVED_BYTES = 200_000_000
# What a page's declared charset is read as: the superset a Chinese page may really be in.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}


def is_mht(data: bytes) -> bool:
    head = data[:4096].lstrip().replace(b"\r\n", b"\n")
    return bool(_HEADERS.match(head)) and bool(_MULTIPART.search(head))


def web_page(data: bytes) -> bytes:
    """The bytes the web-page reader decodes: a saved page's HTML as UTF-8, or ``data`` itself
    when it is no saved page (where a cell was printed is counted in these bytes' text)."""
    if not is_mht(data):
        return data
    if len(data) > MAX_SAVED_BYTES:
        raise UnreadableDocumentError(f"a saved web page of {len(data) / 1e6:.0f} MB is too large to be one report",
                                      reason="too_large")
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                break
            charset = (part.get_content_charset() or "").lower()
            if not charset or charset in ("utf-8", "utf8"):
                return payload
            try:
                return payload.decode(_WIDER.get(charset, charset), errors="replace").encode("utf-8")
            except LookupError:  # a charset Python does not know: the page's own bytes, left to the guess
                return payload
    raise UnreadableDocumentError("a saved web page (.mht) with no HTML page inside", reason="corrupt")


def read(data: bytes) -> list[Layout]:
    from . import MAX_TEXT_BYTES, html

    page = web_page(data)
    if len(page) > MAX_TEXT_BYTES:
        raise UnreadableDocumentError(f"the web page inside is {len(page) / 1e6:.0f} MB: too large to be one report",
                                      reason="too_large")
    return [dataclasses.replace(layout, kind="mht") for layout in html.read(page)]
