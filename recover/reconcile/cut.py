"""The row a document is cut inside.  Its numbers are read in order, but a cell may be missing
before the cut (a copy that lost one looks the same) and the last number may itself be cut short,
so the row is flagged ``row_cut_off``.  A cell of it is settled only where the rest of the table
leaves it no other value: every other way the printed numbers could sit in the row, and every
longer last number, breaks an identity the rows above already pin down (a row's total must be
the sum of its columns; a result can be no larger than the requests its column received).

A cell missing before the cut is ruled out where the document shows it keeps its cells: every
other row of it (at least ``KEPT_ROWS`` of them, one a complete row of the cut row's table)
printed exactly one cell per column, empty ones too.  Only the last number cut short is then
left to rule out."""
from __future__ import annotations

import math
from collections.abc import Sequence

from .. import schema
from ..cells import AssignedRow, CellResult, doubts
from ..values import Reading
from .readings import RowReading
from .splits import placements

# A cut row with more ways than this to place its numbers stays flagged.
MAX_PLACEMENTS = 200
# Rows read cell for cell that show a document loses none (fewer prove little).
KEPT_ROWS = 5
# Passes of bound tightening; bounds left after the last are still true bounds, only looser.
MAX_PASSES = 50

Interval = tuple[float, float]


def settle_cut_row(template: str, row: AssignedRow, reading: RowReading, identities: Sequence[schema.Identity],
                   cells: dict[str, CellResult], keeps_cells: bool = False) -> list[str]:
    """Lift ``row_cut_off`` from the cells of the cut row that every possible reading of it gives
    the value printed.  ``keeps_cells``: the document printed every other row cell for cell, so
    no cell of this one was lost before the cut.  Returns the cells settled."""
    columns = schema.printed_cells(template, row.key)
    printed = [r for r in reading.values if r is not None]
    if not printed or any(r.value is None for r in printed) or reading.values[:len(printed)] != printed:
        return []
    prefix = tuple(range(len(printed)))
    spots = [prefix] if keeps_cells else placements(len(printed), len(columns), MAX_PLACEMENTS)
    if not spots:
        return []
    table = row.key.split("/")[0]
    relevant = [i for i in identities if all(c.startswith(f"{table}/") for c in i.cells)]
    around = _pinned(relevant, cells, set(columns))
    # The prefix is how the row was read; every other placement, and a last number cut short,
    # are what else the printed text could be.
    last_open = _cut_short(printed[-1], columns[-1]) if not _closed(row) else None
    if _tightened(relevant, dict(around, **_placed(columns, printed, prefix, None))) is None:
        return []  # as read, the table does not add up: nothing here can be trusted to settle it
    alone = {columns[i]: _number(printed[i]) for i in prefix}
    for spot in spots:
        for last in (None, last_open) if last_open is not None else (None,):
            if spot == prefix and last is None:
                continue
            bounds = _tightened(relevant, dict(around, **_placed(columns, printed, spot, last)))
            if bounds is None:
                continue  # this reading breaks an identity: ruled out
            alone = {key: v for key, v in alone.items() if bounds[key] == (v, v)}
            if not alone:
                return []
    for key in alone:
        cells[key].flags = [f for f in cells[key].flags if f != "row_cut_off"]
    return list(alone)


def keeps_its_cells(template: str, cut: AssignedRow, rows: Sequence[AssignedRow],
                    options: dict[str, list[RowReading]]) -> bool:
    """Whether every row but the cut one was read from exactly its printed cells, one a column
    (no stray blank dropped, no lost one placed, no digit run cut), with at least one such row
    in the cut row's table: a document that loses no cells elsewhere lost none before the cut."""
    table = cut.key.split("/")[0]
    others = [row for row in rows if row is not cut]
    whole = [len(options[row.key]) == 1 and options[row.key][0].how in ("direct", "header")
             and not options[row.key][0].flags for row in others]
    complete_in_table = any(row.key.split("/")[0] == table
                            and len(row.candidate.values) >= len(schema.printed_cells(template, row.key))
                            for row in others)
    return len(others) >= KEPT_ROWS and all(whole) and complete_in_table


def _closed(row: AssignedRow) -> bool:
    """Whether a separator follows the row's last number (an empty cell after it): then that
    number was printed whole."""
    values = row.candidate.values
    return bool(values) and values[-1].is_blank


def _cut_short(last: Reading, column: str) -> Interval | None:
    """What the last printed number could be if the cut fell inside it.  None where it cannot:
    a count printed 0 (a count has no leading zero)."""
    value = _number(last)
    if schema.is_amount(column) or schema.may_be_negative(column) or value < 0:
        return (-math.inf if schema.may_be_negative(column) else 0.0, math.inf)
    return None if value == 0 else (value * 10, math.inf)


def _placed(columns: Sequence[str], printed: list[Reading], spot: tuple[int, ...],
            last: Interval | None) -> dict[str, Interval]:
    """The row's cells with the printed numbers in the columns ``spot`` names, the others open."""
    out = {key: _open(key) for key in columns}
    for n, (i, r) in enumerate(zip(spot, printed)):
        value = _number(r)
        out[columns[i]] = last if last is not None and n == len(printed) - 1 else (value, value)
    return out


def _pinned(identities: Sequence[schema.Identity], cells: dict[str, CellResult], skip: set[str]) -> dict[str, Interval]:
    """The cells of the identities outside the cut row: a number read without doubt is pinned,
    any other cell is open."""
    out = {}
    for identity in identities:
        for key in identity.cells:
            if key in skip or key in out:
                continue
            cell = cells[key]
            out[key] = (float(cell.value), float(cell.value)) if cell.value is not None and not doubts(cell.flags) \
                else _open(key)
    return out


def _open(key: str) -> Interval:
    return (-math.inf if schema.may_be_negative(key) else 0.0, math.inf)


def _tightened(identities: Sequence[schema.Identity], bounds: dict[str, Interval]) -> dict[str, Interval] | None:
    """Each cell's bounds narrowed by the identities (each side's sum bounds every cell on
    it), or None where they cannot all hold."""
    bounds = dict(bounds)
    # A side's sums are kept as a finite part and a count of infinite bounds (a lower bound can
    # only be -inf, an upper one +inf), and a cell's rest is its side's sum less its own, rather
    # than summed afresh for each cell: the cells identities join are counts, and whole numbers
    # (below 2**53) add up exactly in any order.  An identity none of whose cells changed since it
    # last changed nothing is passed over: it would again.
    touching: dict[str, list[int]] = {}
    for n, identity in enumerate(identities):
        for key in identity.cells:
            touching.setdefault(key, []).append(n)
    dirty = [True] * len(identities)
    for _ in range(MAX_PASSES):
        changed = False
        for n, identity in enumerate(identities):
            if not dirty[n]:
                continue
            dirty[n] = False
            for side, other in ((identity.left, identity.right), (identity.right, identity.left)):
                other_low, other_low_open, other_high, other_high_open = _sums(bounds, other)
                other_low = -math.inf if other_low_open else other_low
                other_high = math.inf if other_high_open else other_high
                low_sum, low_open, high_sum, high_open = _sums(bounds, side)
                for key in side:
                    low, high = bounds[key]
                    # The rest of the side: its sums less this cell's own bounds.
                    rest_low_open = low_open - (low == -math.inf)
                    rest_high_open = high_open - (high == math.inf)
                    rest_low = -math.inf if rest_low_open else low_sum - (low if low != -math.inf else 0.0)
                    rest_high = math.inf if rest_high_open else high_sum - (high if high != math.inf else 0.0)
                    new = (max(low, other_low - rest_high), min(high, other_high - rest_low))
                    if new[0] > new[1]:
                        return None
                    if new != (low, high):
                        bounds[key] = new
                        low_sum += (new[0] if new[0] != -math.inf else 0.0) - (low if low != -math.inf else 0.0)
                        high_sum += (new[1] if new[1] != math.inf else 0.0) - (high if high != math.inf else 0.0)
                        low_open = rest_low_open + (new[0] == -math.inf)
                        high_open = rest_high_open + (new[1] == math.inf)
                        for m in touching[key]:
                            dirty[m] = True
                        changed = True
        if not changed:
            break
    return bounds


def _sums(bounds: dict[str, Interval], keys: Sequence[str]) -> tuple[float, int, float, int]:
    """The finite part of the sum of the cells' lower bounds and how many of them are infinite;
    the same of their upper bounds."""
    lows, highs = [bounds[c][0] for c in keys], [bounds[c][1] for c in keys]
    low_open, high_open = lows.count(-math.inf), highs.count(math.inf)
    low = sum(v for v in lows if v != -math.inf) if low_open else sum(lows)
    high = sum(v for v in highs if v != math.inf) if high_open else sum(highs)
    return low, low_open, high, high_open


def _number(reading: Reading) -> float:
    """A printed reading's number (the cut row's readings are all numbers)."""
    assert reading.value is not None
    return float(reading.value)
