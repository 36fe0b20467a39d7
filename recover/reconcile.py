"""Stage 3, the reconciler: classified rows → the standard matrix, every cell with a status,
a confidence and the reasons to doubt it.

For each classified row it lists the readings its printed cells allow (values lined up under
the header, or in order, or with stray blanks dropped, digit runs cut, lost blanks placed),
keeps the combination of readings that breaks the fewest identities, fills what the identities
then force, and flags what stays doubtful.  Numbers the agency printed are kept as printed even
where its arithmetic is wrong; the identities they break are named on every cell involved.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import schema
from .extract import RowCandidate
from .layout import Cell
from .split import digit_splits, placements
from .values import Reading, parse_value

PRINTED, INFERRED, UNKNOWN = "printed", "inferred", "unknown"
# Below this probability a classified row is flagged.
LOW_ROW_PROBABILITY = 0.6
# Flags that say how a value was read, not that it may be wrong (OCR doubt is carried on its own).
_NOT_DOUBTS = {"unit_converted", "ocr_unconfirmed"}
# The most combinations of alternative readings the joint search will try.
MAX_COMBINATIONS = 20_000
# A row with more ways than this to place its numbers is left unplaced (flagged) outright.
MAX_PLACEMENTS = 500


@dataclass
class CellResult:
    value: int | Decimal | None = None
    status: str = UNKNOWN
    confidence: float = 0.0
    flags: list[str] = field(default_factory=list)
    printed: str = ""  # the cell's text as printed, where one was read
    basis: str = ""  # for an inferred cell: the identity it was worked out from

    def flag(self, *flags: str) -> None:
        for f in flags:
            if f not in self.flags:
                self.flags.append(f)


@dataclass
class AssignedRow:
    """A candidate the classifier named, with the classifier's probability for that name."""

    key: str
    candidate: RowCandidate
    probability: float
    contested: bool = False  # another candidate wanted this row (see Classified.contested)


@dataclass
class _Reading:
    """One way to spread a row's printed cells over its columns."""

    values: list[Reading | None]  # per column; None where nothing was printed for it
    prior: float = 0.0
    flags: tuple[str, ...] = ()  # flags for every filled cell of the row
    how: str = "direct"


def reconcile(template: str, rows: list[AssignedRow], stated: dict[str, int] | None = None) -> dict[str, CellResult]:
    """Fill the template's matrix from classified rows.  ``stated`` figures (from the report's
    prose) only choose between readings the identities leave equally possible."""
    cells = {key: CellResult() for key in schema.cell_keys(template)}
    identities = schema.identities(template)
    options = {row.key: _readings(template, row) for row in rows}
    chosen, doubtful = _choose(template, options, identities, stated or {})

    for row in rows:
        reading = chosen[row.key]
        for i, key in enumerate(schema.printed_cells(template, row.key)):
            cell = cells[key]
            r = reading.values[i]
            if key in doubtful:
                cell.flag(doubtful[key])
                continue
            if r is None:
                cell.flag("truncated" if reading.how == "prefix" else "blank")
                continue
            cell.printed = r.text.strip()
            cell.flag(*r.flags, *reading.flags)
            if r.value is None:
                continue
            if r.value < 0 and not schema.may_be_negative(key):
                cell.flag("value_negative")
            cell.value, cell.status = r.value, PRINTED
            cell.confidence = _printed_confidence(row.probability, cell.flags)
            if len(options[row.key]) > 1:  # one reading chosen among several: by identities or prose
                cell.confidence *= 0.9
            if row.probability < LOW_ROW_PROBABILITY:
                cell.flag("row_low_confidence")
            if row.contested:
                cell.flag("row_contested")
                cell.confidence = min(cell.confidence, 0.6)

    _mark_missing(template, rows, cells)
    infer(identities, cells)
    _repair_ocr(identities, cells)
    _check(identities, cells)
    return cells


def _printed_confidence(probability: float, flags: list[str]) -> float:
    confidence = min(probability, 0.995)
    if flags:
        confidence *= 0.8
    return confidence


# --- readings of one row ------------------------------------------------------------------


def _readings(template: str, row: AssignedRow) -> list[_Reading]:
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


def _readings_in_order(template: str, row: AssignedRow, columns: list[str],
                       by_header: list[Cell | None] | None) -> list[_Reading]:
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

    def reading(cells: list[Cell | None], prior: float = 0.0, flags=(), how="direct") -> _Reading:
        return _Reading([None if c is None or c.is_blank else read(c, col) for c, col in zip(cells, columns)],
                        prior, tuple(flags), how)

    if by_header is not None and row.candidate.aligned:
        # The layout keeps true positions: the header says where each value belongs.
        return [reading(by_header, how="header" if in_place is None or not _same(by_header, in_place) else "direct")]
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
        if row.candidate.ends_document:  # the document is cut inside this row
            # Its numbers are read in order, but a cell may as well be missing before the cut.
            return [reading(filled + [None] * (n - len(filled)), flags=("row_cut_off",), how="prefix")]
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
        return Reading(None, "unparsed", ("value_unparsed",), cell.text)
    reading = parse_value(cell.text, amount=schema.is_amount(column), ocr=cell.ocr)
    if cell.ocr and reading.value is not None:  # in doubt until an identity confirms it
        return Reading(reading.value, reading.kind, reading.flags + ("ocr_unconfirmed",), reading.text)
    return reading


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


def _split_readings(template: str, filled: list[Cell], columns: list[str]) -> list[_Reading]:
    """Digit runs cut into the columns' numbers, every cut the row's own identities allow."""
    tokens: list[str | int] = []
    for c in filled:
        text = c.text.strip()
        if c.glued and re.fullmatch(r"[+-]?\d+", text):
            tokens.append(text)
        else:
            r = parse_value(text)
            if r.value is None:
                return []
            tokens.append(int(r.value))
    position = {col: i for i, col in enumerate(columns)}
    constraints = [(position[i.left[0]], tuple(position[c] for c in i.right))
                   for i in schema.identities(template) if all(c in position for c in i.cells)]
    splits = digit_splits(tokens, len(columns), constraints)
    if not splits:
        return []
    # Only 本年增/减 may be negative: a cut that puts a minus anywhere else is not a reading.
    splits = [s for s in splits if all(v >= 0 or schema.may_be_negative(col) for v, col in zip(s, columns))]
    return [_Reading([Reading(v, "number", (), str(v)) for v in split], 0.0, (), "split") for split in splits]


def _align_by_header(template: str, row: AssignedRow, columns: list[str]) -> list[Cell | None] | None:
    """Values placed by the header cells above them, where the layout keeps positions and
    every value falls under exactly one column heading.  None where that cannot be done."""
    c = row.candidate
    if not c.header or row.key == schema.APPEALS_AS_ONE_ROW:
        return None
    heads_plain = [(h, _plain(h.text)) for header_row in c.header for h in header_row if h.col is not None]
    spans = []
    for column in columns:
        label = _plain(schema.column_label(template, column))
        heads = [h for h, text in heads_plain if text == label] or \
            [h for h, text in heads_plain if _heading_matches(text, label)]
        if len(heads) != 1:
            return None
        spans.append((heads[0].col, heads[0].col + heads[0].span))
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


def _printed_order(template: str, header: list[list[Cell]], columns: list[str]) -> list[int] | None:
    """Where a header row prints column headings in another order than the form (two applicant
    columns swapped, say): for each printed position, the form's index of the column printed
    there.  None where the headings keep the form's order or do not say.  Only headings that
    match one column's label exactly count; the columns a header row names keep the places the
    form gives that set of columns."""
    labels = _plain_labels(template, tuple(columns))
    order = list(range(len(columns)))
    for header_row in header:
        named = []
        for h in header_row:
            text = _plain(h.text)
            matches = [j for j, label in enumerate(labels) if text == label]
            if len(matches) == 1:
                named.append(matches[0])
        if len(named) < 2 or len(set(named)) != len(named) or named == sorted(named):
            continue
        for place, j in zip(sorted(named), named):
            order[place] = j
    return order if order != list(range(len(columns))) else None


@lru_cache(maxsize=512)
def _plain_labels(template: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_plain(schema.column_label(template, c)) for c in columns)


def _plain(text: str) -> str:
    return text.replace(" ", "").replace("（", "(").replace("）", ")").split("(")[0]


def _heading_matches(heading: str, label: str) -> bool:
    return bool(heading) and (heading == label or (len(heading) >= 3 and (heading in label or label in heading)))


# --- choosing readings jointly ---------------------------------------------------------------


def _choose(template: str, options: dict[str, list[_Reading]], identities: list[schema.Identity],
            stated: dict[str, int]) -> tuple[dict[str, _Reading], dict[str, str]]:
    """Pick one reading per row: fewest broken identities, then the best prior, then agreement
    with the figures the prose states.  Cells on which the equally good combinations disagree
    come back as doubtful, with the reason."""
    fixed = {k: v[0] for k, v in options.items() if len(v) == 1}
    open_rows = [k for k, v in options.items() if len(v) > 1]
    if not open_rows:
        return fixed, {}
    total = 1
    for k in open_rows:
        total *= len(options[k])
    doubtful: dict[str, str] = {}
    if total > MAX_COMBINATIONS:
        chosen = dict(fixed)
        for k in open_rows:
            chosen[k] = max(options[k], key=lambda r: r.prior)
            _mark_disagreement(template, k, options[k], doubtful)
        return chosen, doubtful
    # Only the identities that touch an open row can change from one combination to the next.
    fixed_values = _values(template, fixed)
    open_cells = {c for k in open_rows for c in schema.printed_cells(template, k)}
    relevant = [i for i in identities if open_cells.intersection(i.cells)]
    scored = []
    for combo in itertools.product(*(options[k] for k in open_rows)):
        values = dict(fixed_values)
        values.update(_values(template, dict(zip(open_rows, combo))))
        broken = sum(1 for identity in relevant if _violated(identity, values))
        scored.append((broken, -sum(r.prior for r in combo), combo))
    best_broken = min(s[0] for s in scored)
    best_prior = min(s[1] for s in scored if s[0] == best_broken)
    plausible = [s[2] for s in scored if s[0] == best_broken and s[1] <= best_prior + 0.05]
    if stated:
        support = [_stated_support(template, open_rows, c, stated) for c in plausible]
        most = max(support)
        plausible = [c for c, n in zip(plausible, support) if n == most]
    chosen = dict(fixed, **dict(zip(open_rows, plausible[0])))
    for i, k in enumerate(open_rows):
        _mark_disagreement(template, k, [combo[i] for combo in plausible], doubtful)
    return chosen, doubtful


def _stated_support(template: str, keys: list[str], combo: tuple[_Reading, ...], stated: dict[str, int]) -> float:
    """How many figures the prose states this combination prints; -1 if it contradicts one."""
    support = 0
    for key, reading in zip(keys, combo):
        for cell, r in zip(schema.printed_cells(template, key), reading.values):
            if cell in stated and r is not None and r.value is not None:
                if r.value != stated[cell]:
                    return -1
                support += 1
    return support


def _mark_disagreement(template: str, key: str, readings: list[_Reading], doubtful: dict[str, str]) -> None:
    reason = {"split": "split_ambiguous", "placement": "placement_ambiguous"}.get(readings[0].how, "reading_ambiguous")
    for i, cell in enumerate(schema.printed_cells(template, key)):
        seen = {(r.values[i].value if r.values[i] else None) for r in readings}
        if len(seen) > 1:
            doubtful[cell] = reason


def _values(template: str, chosen: dict[str, _Reading]) -> dict[str, int | Decimal]:
    """The values a set of chosen readings print, by cell."""
    values: dict[str, int | Decimal] = {}
    for key, reading in chosen.items():
        for cell, r in zip(schema.printed_cells(template, key), reading.values):
            if r is not None and r.value is not None:
                values[cell] = r.value
    return values


def _violated(identity: schema.Identity, values: dict) -> bool:
    """Broken for sure: equal sums with every cell known, or known parts already too big."""
    left = [values.get(c) for c in identity.left]
    right = [values.get(c) for c in identity.right]
    if None not in left and None not in right:
        return sum(left) != sum(right)
    if None not in left and sum(v for v in right if v is not None) > sum(left):
        return True
    if None not in right and sum(v for v in left if v is not None) > sum(right):
        return True
    return False


# --- what the rows leave open -------------------------------------------------------------------


def _mark_missing(template: str, rows: list[AssignedRow], cells: dict[str, CellResult]) -> None:
    """Tables with no row found are missing; rows past a document's cut are truncated."""
    present = {row.key.split("/")[0] for row in rows}
    order = schema.row_keys(template)
    last_printed = max((order.index(r.key) for r in rows), default=-1)
    document_cut = any(r.candidate.ends_document for r in rows)
    for key, cell in cells.items():
        if cell.status != UNKNOWN or cell.flags:
            continue
        table = key.split("/")[0]
        row_key = key.rsplit("/", 1)[0]
        if table not in present:
            cell.flag("table_missing")
        elif document_cut and order.index(row_key) > last_printed:
            cell.flag("truncated")
        else:
            cell.flag("row_missing")


def infer(identities: list[schema.Identity], cells: dict[str, CellResult]) -> None:
    """Fill unknown cells the identities force: the one unknown of an equation, or unknowns
    that must all be 0 because the counts beside them already add up."""
    changed = True
    while changed:
        changed = False
        for identity in identities:
            unknown = [c for c in identity.cells if cells[c].value is None]
            if not unknown:
                continue
            left = sum(cells[c].value for c in identity.left if cells[c].value is not None)
            right = sum(cells[c].value for c in identity.right if cells[c].value is not None)
            sources = [cells[c] for c in identity.cells if cells[c].value is not None]
            confidence = min((s.confidence for s in sources), default=1.0) * 0.98
            doubt = [f for f in ("ocr_unconfirmed",) if any(f in s.flags for s in sources)]
            if any(set(s.flags) - _NOT_DOUBTS for s in sources):
                doubt.append("inferred_from_doubtful")  # worked out from cells in doubt, so in doubt
            if len(unknown) == 1:
                key = unknown[0]
                value = right - left if key in identity.left else left - right
                if value < 0:
                    continue  # the known cells already disagree; _check reports it
                _set_inferred(cells[key], value, confidence, doubt, identity.name)
                changed = True
            elif all(c in identity.right for c in unknown) and left == right or \
                    all(c in identity.left for c in unknown) and left == right:
                for key in unknown:
                    _set_inferred(cells[key], 0, confidence, doubt, identity.name)
                changed = True


def _set_inferred(cell: CellResult, value: int, confidence: float, doubt: list[str] = (), basis: str = "") -> None:
    cell.value, cell.status, cell.confidence, cell.basis = value, INFERRED, round(confidence, 4), basis
    # The reasons it was blank or missing are answered; doubts about the reading are not.
    cell.flags = [f for f in cell.flags if f not in ("blank", "row_missing", "truncated")]
    cell.flag(*doubt)


def _adds_up(identity: schema.Identity, cells: dict[str, CellResult]) -> bool | None:
    """Whether an identity holds over the cells; None while one of its cells is unknown."""
    if any(cells[c].value is None for c in identity.cells):
        return None
    return sum(cells[c].value for c in identity.left) == sum(cells[c].value for c in identity.right)


def broken_identities(template: str, cells: dict[str, CellResult]) -> list[str]:
    """The names of the identities a filled matrix breaks."""
    return [i.name for i in schema.identities(template) if _adds_up(i, cells) is False]


def _holding(identities: list[schema.Identity], cells: dict[str, CellResult]) -> list[schema.Identity]:
    """Identities whose cells are all known and add up, with at least two printed cells in them,
    and none worked out from the identity itself (it would hold by construction)."""
    return [identity for identity in identities
            if _adds_up(identity, cells) and sum(cells[c].status == PRINTED for c in identity.cells) >= 2
            and not any(cells[c].basis == identity.name for c in identity.cells)]


# Digits OCR confuses with one another, for repairs the identities must confirm.
_OCR_CONFUSIONS = {"0": "689", "1": "47", "2": "7", "3": "589", "4": "19", "5": "368", "6": "580", "7": "12",
                   "8": "0369", "9": "480"}


def _repair_ocr(identities: list[schema.Identity], cells: dict[str, CellResult]) -> None:
    """Where an identity fails, try the digits OCR confuses with those of its OCR'd cells; make a
    change only if it is the one change that mends the identity and breaks no other identity
    through the cell.  The cell keeps an ocr_repaired flag."""
    through: dict[str, list[schema.Identity]] = {}
    for identity in identities:
        for c in identity.cells:
            through.setdefault(c, []).append(identity)

    def possible(identity) -> bool:
        return not _violated(identity, {c: cells[c].value for c in identity.cells if cells[c].value is not None})

    mended = True
    while mended:
        mended = False
        for identity in identities:
            if _adds_up(identity, cells) is not False:
                continue
            fixes = []
            for key in identity.cells:
                cell = cells[key]
                if "ocr_unconfirmed" not in cell.flags or cell.status != PRINTED:
                    continue
                original = cell.value
                for variant in _digit_variants(str(original)):
                    cell.value = variant
                    if _adds_up(identity, cells) and all(possible(i) for i in through[key]):
                        fixes.append((key, variant))
                cell.value = original
            if len(fixes) == 1:
                key, variant = fixes[0]
                cells[key].value = variant
                cells[key].flag("ocr_repaired")
                cells[key].confidence = min(cells[key].confidence, 0.7)
                mended = True


def _digit_variants(text: str) -> list[int]:
    out = []
    for i, ch in enumerate(text):
        for other in _OCR_CONFUSIONS.get(ch, ""):
            variant = text[:i] + other + text[i + 1:]
            if not (len(variant) > 1 and variant[0] == "0"):
                out.append(int(variant))
    return out


def _check(identities: list[schema.Identity], cells: dict[str, CellResult]) -> None:
    """Name every broken identity on the cells it involves; raise the confidence of the cells
    identities confirm, and lift OCR doubt from them.  A printed cell is confirmed by one identity
    that holds; an inferred one needs a second beside the one it was worked out from."""
    for identity in identities:
        if _adds_up(identity, cells) is False:
            for c in identity.cells:
                cells[c].flag(f"identity_broken:{identity.kind}")
                cells[c].confidence = min(cells[c].confidence, 0.5)
    support: dict[str, int] = {}
    for identity in _holding(identities, cells):
        for c in identity.cells:
            support[c] = support.get(c, 0) + 1
    for key, n in support.items():
        cell = cells[key]
        if any(f.startswith("identity_broken") for f in cell.flags):
            continue
        if n >= (1 if cell.status == PRINTED else 2):
            cell.flags = [f for f in cell.flags if f not in ("ocr_unconfirmed", "inferred_from_doubtful")]
            if cell.status == PRINTED:
                cell.confidence = round(1 - (1 - cell.confidence) * 0.2, 4)
