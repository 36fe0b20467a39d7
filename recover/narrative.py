"""Figures a report's prose states about its own tables ("本年度共收到70件申请，办结69件，1件结转
下年度继续办理"), used only to choose between readings the identities leave equally possible."""
from __future__ import annotations

import re

from .values import normalize

_STOP = r"[^。;,\d]"  # within one clause, before any other number
# A figure: a whole run of digits, of a length a count can have (a longer run, digits scraped
# together, is no figure; matching inside it would take time quadratic in its length).
_FIGURE = r"(?<!\d)(\d{1,12})(?!\d)"
_PATTERNS = (
    ("requests/new/total", re.compile(rf"(?:新收|收到|受理){_STOP}{{0,16}}?申请{_STOP}{{0,6}}?{_FIGURE}\s*[件份]")),
    ("requests/new/total", re.compile(rf"(?:新收|收到|受理){_STOP}{{0,4}}?{_FIGURE}\s*件{_STOP}{{0,10}}申请")),
    ("requests/total/total", re.compile(rf"(?:办结|答复完毕|办理完毕){_STOP}{{0,10}}?{_FIGURE}\s*件")),
    ("requests/carried_forward/total", re.compile(rf"{_FIGURE}\s*件{_STOP}{{0,6}}结转(?:至)?下")),
    ("requests/carried_forward/total", re.compile(rf"结转(?:至)?下年度?{_STOP}{{0,8}}?{_FIGURE}\s*件")),
    ("requests/carried_over/total", re.compile(rf"上年(?:度)?结转{_STOP}{{0,8}}?{_FIGURE}\s*件")),
    ("requests/granted/total", re.compile(rf"(?:其中)?予以公开{_STOP}{{0,2}}?{_FIGURE}\s*件")),
    ("appeals/review/total", re.compile(rf"(?:发生|收到|涉及)?[^。;,\d未无]{{0,6}}行政复议(?:案件|申请)?{_STOP}{{0,2}}?{_FIGURE}\s*[件起]")),
    ("active/normative_documents/in_force", re.compile(rf"现行有效的?(?:行政)?规范性文件{_STOP}{{0,4}}?{_FIGURE}\s*件")),
    ("active/normative_documents/issued",
     re.compile(rf"(?:制发|制定|出台|印发)了?的?(?:行政)?规范性文件{_STOP}{{0,4}}?{_FIGURE}\s*件")),
)


def stated_figures(text: str) -> dict[str, int]:
    """Cell key → the figure the prose gives for it, where it gives exactly one."""
    text = normalize(text).replace("，", ",").replace("；", ";")
    found: dict[str, set[int]] = {}
    for key, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            found.setdefault(key, set()).add(int(m.group(1)))
    return {key: values.pop() for key, values in found.items() if len(values) == 1}
