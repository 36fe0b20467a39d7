"""Reading one printed cell."""
from decimal import Decimal

import pytest

from recover.values import format_value, parse_value


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("12", 12), ("1,234", 1234), (" 7 ", 7), ("１２", 12), ("+3", 3), ("-18", -18), ("−15", -15),
    ("—", 0), ("——", 0), ("/", 0), ("无", 0), ("-", 0), ("12件", 12),
])
def test_counts(text, value):
    reading = parse_value(text)
    assert reading.value == value and reading.kind in ("number", "zero_mark")


def test_double_minus_is_read_as_negative_and_flagged():
    reading = parse_value("--253")
    assert reading.value == -253 and "sign_garbled" in reading.flags


def test_double_minus_against_a_change_is_a_minus():
    # 本年增/减 may fall: "--253" there can only be −253; "-- 253" may be a dash, then a number
    reading = parse_value("--253", signed=True)
    assert (reading.value, reading.flags) == (-253, ())
    assert "sign_garbled" in parse_value("-- 253", signed=True).flags
    assert "sign_garbled" in parse_value("+-3", signed=True).flags


@pytest.mark.parametrize("text, value, flagged", [
    ("24252.311082", "24252.311082", False),
    ("251000元", "25.1", True),
    ("73802895.90元", "7380.28959", True),
    ("103.3879万元", "103.3879", False),
    ("96171.6", "96171.6", False),
])
def test_amounts_keep_printed_precision_and_convert_yuan(text, value, flagged):
    reading = parse_value(text, amount=True)
    assert format_value(reading.value) == value
    assert ("unit_converted" in reading.flags) == flagged


@pytest.mark.parametrize("text", ["abc", "12.5", "1 2", "3-4"])
def test_unreadable_counts_are_flagged_not_guessed(text):
    reading = parse_value(text)
    assert reading.value is None and reading.flags == ("value_unparsed",)


def test_blank():
    assert parse_value("  ").is_blank
    assert format_value(None) == "" and format_value(Decimal("7380.2895900")) == "7380.28959"


def test_a_count_printed_with_a_leading_zero_is_read_and_put_in_doubt():
    # '01 0 1 20 0': digits of two cells run together, not the count 1
    reading = parse_value("01")
    assert reading.value == 1 and "leading_zero" in reading.flags
    assert parse_value("0").flags == () and parse_value("10").flags == ()
    assert "leading_zero" not in parse_value("0.5", amount=True).flags
