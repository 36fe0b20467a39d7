"""Reading one printed cell as a number.

Reports print the same value many ways: ``0``, ``—``, ``/``, ``无``, ``1,234``, ``+3``, ``--253``,
``251000元`` (a money cell in 元 rather than 万元), ``103.3879万元``.  This module turns one
cell's text into a value and says what it had to do to get there.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache

# Printed for "nothing": the form asks for 0 and agencies write these instead.
ZERO_MARKS = {"—", "——", "-", "--", "/", "无", "－", "―", "─", "–", "‐", "ー", "一一", "\\", "×"}
# Count words agencies append to numbers ("12件").
COUNT_UNITS = "件个项条次家人份起"
_NUMBER = re.compile(
    r"^(?P<sign>[+\-]{0,2})\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>万元|元|[" + COUNT_UNITS + r"])?$"
)


_LED_BY_ZERO = re.compile(r"0\d+")

# The most digits a printed number is read with: far beyond any count or amount, room for a
# scraped row's values run together (which the reconciler splits).  A longer run is not read.
MAX_DIGITS = 64
# Exact arithmetic on numbers of that many digits (the default 28 would round or fail).
_EXACT = Context(prec=2 * MAX_DIGITS)


# Letters and marks OCR reads where a digit was printed.
OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1",
                            "i": "1", "!": "1", "]": "1", "[": "1", "S": "5", "s": "5", "B": "8", "Z": "2",
                            "z": "2", "g": "9", "q": "9", "G": "6", "b": "6"})
_OCR_STRAY = ".,'`‘’“”、_:;^~*·。 "


@dataclass(frozen=True)
class Reading:
    """What a cell says: ``value`` (int, Decimal or None) and how it was read."""

    value: int | Decimal | None
    kind: str  # "number", "zero_mark", "blank" or "unparsed"
    flags: tuple[str, ...] = ()
    text: str = ""
    source: dict | None = field(default=None, compare=False)  # where it was printed (layout.Cell.source)

    @property
    def is_blank(self) -> bool:
        return self.kind == "blank"


def normalize(text: str) -> str:
    """Full-width digits, brackets and punctuation to half-width; odd spaces to plain ones."""
    if not unicodedata.is_normalized("NFKC", text):  # most text comes here already normalised
        text = unicodedata.normalize("NFKC", text)
    return text.replace("\u3000", " ").replace("\u2212", "-").replace("\ufeff", "")


@lru_cache(maxsize=16384)  # a document asks for the same few hundred cell texts many times
def parse_value(text: str, *, amount: bool = False, ocr: bool = False, signed: bool = False) -> Reading:
    """Read a cell.  ``amount`` cells are decimals in 万元; others are integer counts.  A ``signed``
    cell (a change, which may fall) reads a doubled minus written against its number as a minus.

    Text read by ``ocr`` that does not read as a number gets one more try with the letters OCR
    mistakes for digits replaced ("1O" → 10) and stray marks dropped; the reading says so.
    """
    reading = _parse(text, amount, signed)
    if ocr and (reading.kind == "unparsed" or (reading.kind == "number" and not amount and "." in text)):
        repaired = text.strip(_OCR_STRAY).rstrip("-—").strip(_OCR_STRAY).translate(OCR_DIGITS).replace(" ", "")
        if not amount:
            repaired = repaired.replace(".", "").replace(",", "")
        second = _parse(repaired, amount, signed)
        if second.kind == "number":
            return Reading(second.value, "number", second.flags + ("ocr_repaired",), text)
    return reading


def _parse(text: str, amount: bool, signed: bool) -> Reading:
    raw = text
    text = normalize(text).strip()
    if not text:
        return Reading(None, "blank", text=raw)
    if text in ZERO_MARKS:
        return Reading(0, "zero_mark", text=raw)
    m = _NUMBER.match(text)
    if not m:
        return Reading(None, "unparsed", ("value_unparsed",), raw)
    if len(m["num"]) - m["num"].count(",") - m["num"].count(".") > MAX_DIGITS:
        return Reading(None, "unparsed", ("value_too_long",), raw)
    with localcontext(_EXACT):
        return _number(m, raw, amount, signed)


def _number(m: re.Match, raw: str, amount: bool, signed: bool) -> Reading:
    flags: list[str] = []
    try:
        number = Decimal(m["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only admits valid decimals
        return Reading(None, "unparsed", ("value_unparsed",), raw)
    sign = m["sign"]
    if sign.count("-") == 1 and "+" not in sign:
        number = -number
    elif sign == "--":
        number = -number
        if not (signed and m.end("sign") == m.start("num")):  # "-- 253" may be a dash, then a number
            flags.append("sign_garbled")
    elif sign not in ("", "+"):
        flags.append("sign_garbled")
    unit = m["unit"] or ""
    if unit == "元":
        number = number / 10000
        flags.append("unit_converted")
    elif unit == "万元":
        pass
    if amount:
        return Reading(_without_trailing_zeros(number), "number", tuple(flags), raw)
    if unit in ("元", "万元"):
        flags.append("unit_unexpected")
    if number != number.to_integral_value():
        return Reading(None, "unparsed", ("value_unparsed",), raw)
    if led_by_zero(m["num"].replace(",", "")):
        flags.append("leading_zero")
    return Reading(int(number), "number", tuple(flags), raw)


def _without_trailing_zeros(number: Decimal) -> Decimal:
    """Drop trailing zeros but keep the printed precision otherwise (7380.2895900 → 7380.28959)."""
    normalized = number.normalize()
    return normalized if int(normalized.as_tuple().exponent) <= 0 else normalized.quantize(Decimal(1))


def format_value(value: int | Decimal | None) -> str:
    """How a value is written in outputs: integers plainly, decimals without exponent."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(_without_trailing_zeros(value), "f")
    return str(value)


def led_by_zero(text: str) -> bool:
    """Digits led by a zero ("01", "0000000"): no one prints a count so, so they are the digits
    of several cells run together (or a speck read as a digit)."""
    return _LED_BY_ZERO.fullmatch(text) is not None


@lru_cache(maxsize=16384)  # every cell made asks, and cell texts recur
def looks_like_value(text: str, ocr: bool = False) -> bool:
    """Whether a cell reads as a number or a zero mark (rather than a label)."""
    return parse_value(text, amount=True, ocr=ocr).kind in ("number", "zero_mark")
