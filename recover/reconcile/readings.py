"""The readings of one classified row: every way its printed cells may be spread over its
columns — under their header, in order, with stray blanks dropped, digit runs cut, lost blanks
placed — most likely first.  Which reading holds is for the identities to say."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .. import schema
from ..cells import AssignedRow
from ..layout import Cell, joined
from ..values import Reading, parse_value
from .splits import digit_splits, placements

# A row with more ways than this to place its numbers is left unplaced (flagged) outright.
MAX_PLACEMENTS = 500


@dataclass
class RowReading:
    """One way to spread a row's printed cells over its columns."""

    values: list[Reading | None]  # per column; None where nothing was printed for it
    prior: float = 0.0
    flags: tuple[str, ...] = ()  # flags for every filled cell of the row
    how: str = "direct"


def readings_of(template: str, row: AssignedRow) -> list[RowReading]:
    """Every way this row's printed cells may be spread over its columns, most likely first."""
    columns = schema.printed_cells(template, row.key)
    by_header = _align_by_header(template, row, columns)
    # Where the layout keeps true positions, the header placement already puts each value in its
    # own column; elsewhere the header may still say the columns are printed in another order.
    order = None if by_header is not None and row.candidate.aligned else \
        _printed_order(template, row.candidate.header, columns)
    if order is None:
        return _readings_in_order(template, row, columns, by_header)
    # The header prints columns in another order than the form: read the values in the printed
    # order, then put each back in its own column.
    readings = _readings_in_order(template, row, [columns[j] for j in order], None)
    for r in readings:
        values: list[Reading | None] = [None] * len(columns)
        for printed_at, j in enumerate(order):
            values[j] = r.values[printed_at]
        r.values = values
    return readings


def _readings_in_order(template: str, row: AssignedRow, columns: Sequence[str],
                       by_header: list[Cell | None] | None) -> list[RowReading]:
    n = len(columns)
    values = row.candidate.values
    filled = [c for c in values if not c.is_blank]
    trimmed = _trim_blanks(values)
    # One blank too many at the end is a row's closing separator ("a | 1 | 2 |"), not a cell.
    closed = values[:n] if len(values) == n + 1 and values[-1].is_blank else None
    in_place = values if len(values) == n else closed or (trimmed if len(trimmed) == n else None)

    parsed: dict[tuple[int, str], Reading] = {}  # a cell is read once per column it may fill

    def read(cell: Cell, column: str) -> Reading:
        key = (id(cell), column)
        if key not in parsed:
            parsed[key] = _parse(cell, column)
        return parsed[key]

    def reading(cells: Sequence[Cell | None], prior: float = 0.0, flags=(), how="direct") -> RowReading:
        return RowReading([None if c is None or c.is_blank else read(c, col) for c, col in zip(cells, columns)],
                        prior, tuple(flags), how)

    if by_header is not None and row.candidate.aligned:
        # The layout keeps true positions: the header says where each value belongs.
        return [reading(by_header, how="header" if in_place is None or not _same(by_header, in_place) else "direct")]
    def cut() -> list[RowReading]:
        # The document is cut inside this row: its numbers are read in order, but a cell may as
        # well be missing before the cut.
        return [reading(filled + [None] * (n - len(filled)), flags=("row_cut_off",), how="prefix")]

    if row.candidate.ends_document and len(filled) < n and not any(c.glued for c in filled):
        return cut()  # (trailing merged-cell residue may pad such a row to its width)
    if in_place is not None:
        return [reading(in_place)]
    if by_header is not None and len(values) >= n:  # a text grid whose empty slots line up with its header's
        return [reading(by_header, how="header")]
    # (With fewer slots than columns, a cell may be missing rather than a slot left out: where
    # the printed numbers go is then for the identities to say.)
    if len(filled) == n:
        return [reading(filled, flags=("shift_repaired",))]
    if len(filled) < n and any(c.glued for c in filled):
        splits = _split_readings(template, filled, columns)
        if splits:
            return splits
    if len(filled) < n:
        if row.candidate.ends_document:  # cut inside a run of digits: read as above
            return cut()
        spots = placements(len(filled), n, MAX_PLACEMENTS) or []
        # Which columns the printed numbers fill is left to the identities; where they cannot
        # tell, the cells concerned come back flagged placement_ambiguous.
        guesses = [reading([filled[spot.index(i)] if i in spot else None for i in range(n)],
                           -0.1 * (n - len(filled)), (), "placement") for spot in spots]
        return guesses or [reading(filled + [None] * (n - len(filled)), flags=("value_count_mismatch",))]
    # More numbers than columns: each way of dropping the extras, all doubtful.
    keep = placements(n, len(filled)) or []
    return [reading([filled[i] for i in spot], -1.0, ("extra_values",), "subset") for spot in keep] or \
        [reading(filled[:n], flags=("extra_values",))]


def _parse(cell: Cell, column: str) -> Reading:
    if cell.unreadable:
        return Reading(None, "unparsed", ("value_unparsed",), cell.text, cell.source)
    reading = parse_value(cell.text, amount=schema.is_amount(column), ocr=cell.ocr,
                          signed=schema.may_be_negative(column))
    if cell.ocr and not cell.ocr_sure and reading.value is not None:  # in doubt until an identity confirms it
        return Reading(reading.value, reading.kind, reading.flags + ("ocr_unconfirmed",), reading.text, cell.source)
    return Reading(reading.value, reading.kind, reading.flags, reading.text, cell.source)


def _same(a: list[Cell | None], b: list[Cell]) -> bool:
    """Whether two placements put the same printed cell (or nothing) in every column."""
    def shown(c):
        return None if c is None or c.is_blank else id(c)
    return [shown(c) for c in a] == [shown(c) for c in b]


def _trim_blanks(values: list[Cell]) -> list[Cell]:
    start, end = 0, len(values)
    while start < end and values[start].is_blank:
        start += 1
    while end > start and values[end - 1].is_blank:
        end -= 1
    return values[start:end]


def _split_readings(template: str, filled: list[Cell], columns: Sequence[str]) -> list[RowReading]:
    """Digit runs cut into the columns' numbers, every cut the row's own identities allow."""
    tokens: list[str | int] = []
    for c in filled:
        text = c.text.strip()
        # Beside a run that must hold several numbers, a row's spaces are not cell boundaries:
        # any run of digits may hold several ("10 0 00 0 1" is 1, 0, 0, 0, 0, 0, 1).
        if re.fullmatch(r"[+-]?\d+", text):
            tokens.append(text)
        else:
            r = parse_value(text)
            if r.value is None:
                return []
            tokens.append(int(r.value))
    position = {col: i for i, col in enumerate(columns)}
    constraints = [(position[i.left[0]], tuple(position[c] for c in i.right))
                   for i in schema.identities(template) if all(c in position for c in i.cells)]
    # Where no cut adds up, the published arithmetic may be wrong: every cut is then a reading,
    # and the identities it breaks are named.
    splits = digit_splits(tokens, len(columns), constraints) or digit_splits(tokens, len(columns))
    if not splits:
        return []
    # Only 本年增/减 may be negative: a cut that puts a minus anywhere else is not a reading.
    splits = [s for s in splits if all(v >= 0 or schema.may_be_negative(col) for v, col in zip(s, columns))]
    source = joined([c.source for c in filled])  # the run as a whole: where each cut falls is the reading
    # OCR'd digits in doubt stay in doubt when cut: a cut that breaks the identities may be the
    # reading's fault, not the agency's arithmetic
    doubt = ("ocr_unconfirmed",) if any(c.ocr and not c.ocr_sure for c in filled) else ()
    return [RowReading([Reading(v, "number", doubt, str(v), source) for v in split], 0.0, (), "split")
            for split in splits]


def _align_by_header(template: str, row: AssignedRow, columns: Sequence[str]) -> list[Cell | None] | None:
    """Values placed by the header cells above them, where the layout keeps positions and
    every value falls under exactly one column heading.  None where that cannot be done."""
    c = row.candidate
    if not c.header or row.key == schema.APPEALS_AS_ONE_ROW:
        return None
    headings = [((h.col, h.col + h.span), _heading_text(h.text))
                for header_row in c.header for h in header_row if h.col is not None]
    spans = []
    for label in _heading_labels(template, tuple(columns)):
        found = [span for span, text in headings if text == label] or \
            [span for span, text in headings if _heading_matches(text, label)]
        if len(found) != 1:
            return None
        spans.append(found[0])
    placed: list[Cell | None] = [None] * len(columns)
    for cell in c.values:
        if cell.col is None:
            return None
        under = [i for i, (a, b) in enumerate(spans) if cell.col < b and a < cell.col + cell.span]
        if cell.is_blank:
            continue
        if len(under) != 1 or placed[under[0]] is not None:
            return None
        placed[under[0]] = cell
    return placed


def _printed_order(template: str, header: list[list[Cell]], columns: Sequence[str]) -> list[int] | None:
    """Where a header row prints column headings in another order than the form (two applicant
    columns swapped, say): for each printed position, the form's index of the column printed
    there.  None where the headings keep the form's order or do not say.  Only headings that
    match one column's label exactly count; the columns a header row names keep the places the
    form gives that set of columns."""
    labels = _heading_labels(template, tuple(columns))
    order = list(range(len(columns)))
    for header_row in header:
        named = []
        for h in header_row:
            text = _heading_text(h.text)
            matches = [j for j, label in enumerate(labels) if text == label]
            if len(matches) == 1:
                named.append(matches[0])
        if len(named) < 2 or len(set(named)) != len(named) or named == sorted(named):
            continue
        for place, j in zip(sorted(named), named):
            order[place] = j
    return order if order != list(range(len(columns))) else None


@lru_cache(maxsize=512)
def _heading_labels(template: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_heading_text(schema.column_label(template, c)) for c in columns)


@lru_cache(maxsize=4096)  # a table's few headings, asked for by each of its rows
def _heading_text(text: str) -> str:
    return text.replace(" ", "").replace("（", "(").replace("）", ")").split("(")[0]


def _heading_matches(heading: str, label: str) -> bool:
    return bool(heading) and (heading == label or (len(heading) >= 3 and (heading in label or label in heading)))


