"""Which official template a report follows, read from the document — never from its year.

Two kinds of evidence: wording only one template prints (its own column headers and rows,
e.g. 本年制发件数 for 2021, 上一年项目数量 and 政府集中采购 for 2019), and how well the
classified rows fit each template's sequence of rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from . import schema

if TYPE_CHECKING:
    from .scoring import Decoding

# A decoding must be this much more likely than the other to decide alone (natural log).
CLEAR_MARGIN = 3.0


@lru_cache(maxsize=1)
def markers() -> dict[str, tuple[str, ...]]:
    """Wording of each template's rows and columns that the other template never prints."""
    def wording(template: str) -> set[str]:
        words: set[str] = set()
        for r in schema.rows(template):
            words.update(_wording(label) for label in (r.label, *r.aliases))
            words.update(_wording(c.label) for c in r.columns)
        return words

    words = {t: wording(t) for t in schema.TEMPLATES}
    out = {}
    for t in schema.TEMPLATES:
        others = " ".join(w for o in schema.TEMPLATES if o != t for w in words[o])
        parents = " ".join(_wording(r.parent) for o in schema.TEMPLATES if o != t for r in schema.rows(o))
        out[t] = tuple(sorted(w for w in words[t] if len(w) >= 4 and w not in others and w not in parents))
    return out


def _wording(text: str) -> str:
    """Wording to look for: no spaces, no numbering, no bracketed note."""
    text = text.replace(" ", "").replace("（", "(").replace("）", ")")
    text = text.split("(单位")[0].split("（单位")[0]
    return text.lstrip("0123456789.、一二三四五六七八九十()")


@dataclass
class TemplateChoice:
    template: str
    flags: tuple[str, ...]
    evidence: dict[str, int]


def choose(text: str, decode: Callable[[str], Decoding]) -> tuple[TemplateChoice, Decoding]:
    """Pick the template, and the document's decoding under it; flag the choice where the
    evidence is mixed or thin.  ``decode`` reads the document under a template: where the
    wording names one template, the others are never decoded."""
    plain = text.replace(" ", "").replace("（", "(").replace("）", ")")
    found = {t: sum(1 for m in markers()[t] if m in plain) for t in schema.TEMPLATES}
    worded = [t for t in schema.TEMPLATES if found[t]]
    if len(worded) == 1:
        return TemplateChoice(worded[0], (), found), decode(worded[0])
    decodings = {t: decode(t) for t in schema.TEMPLATES}
    by_fit = max(decodings, key=lambda t: decodings[t].score)
    others = [t for t in schema.TEMPLATES if t != by_fit]
    clear_fit = all(decodings[by_fit].score - decodings[o].score > CLEAR_MARGIN for o in others)
    if len(worded) > 1:
        return TemplateChoice(by_fit, ("template_mixed",), found), decodings[by_fit]
    return TemplateChoice(by_fit, () if clear_fit else ("template_uncertain",), found), decodings[by_fit]
