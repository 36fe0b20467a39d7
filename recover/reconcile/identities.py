"""The identities (勾稽关系) at work: choosing among the rows' readings jointly, filling the
cells they force, repairing OCR'd digits only where exactly one repair mends them, naming the
identities a matrix breaks, and checking identities 5 and 6 across an agency's years."""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from decimal import Decimal

from .. import schema
from ..cells import FLAGS, INFERRED, PRINTED, REVIEWED, CellResult, doubts
from ..values import format_value
from .readings import RowReading

# The most combinations of alternative readings the joint search will try.
MAX_COMBINATIONS = 20_000
# Flags that say how a value was read, not that it may be wrong (OCR doubt is carried on its own).
_NOT_DOUBTS = {f.name for f in FLAGS if not f.doubt} | {"ocr_unconfirmed"}


def choose(template: str, options: dict[str, list[RowReading]], identities: Sequence[schema.Identity],
            stated: dict[str, int]) -> tuple[dict[str, RowReading], dict[str, tuple[str, list[str]]]]:
    """Pick one reading per row: fewest broken identities, then the best prior, then agreement
    with the figures the prose states.  Cells on which the equally good combinations disagree
    come back as doubtful, with the reason and the values those combinations give them.

    Rows with a choice are chosen together only where an identity joins them: each group of
    rows linked through identities is searched on its own (what one group chooses cannot break
    or mend an identity of another), so the work is the sum of the groups' combinations rather
    than their product."""
    fixed = {k: v[0] for k, v in options.items() if len(v) == 1}
    open_rows = [k for k, v in options.items() if len(v) > 1]
    chosen, doubtful = dict(fixed), dict[str, tuple[str, list[str]]]()
    if not open_rows:
        return chosen, doubtful
    fixed_values = _values(template, fixed)
    # A table whose rows read one way already break an identity does not add up as published:
    # its identities cannot say which reading of another row is right.
    untrusted = {identity.cells[0].split("/")[0] for identity in identities
                 if all(c in fixed_values for c in identity.cells) and _violated(identity, fixed_values)}
    for rows, relevant in _linked(template, open_rows, identities):
        trusted = [i for i in relevant if i.cells[0].split("/")[0] not in untrusted]
        chosen.update(_choose_linked(template, rows, options, trusted, fixed_values, stated, doubtful))
    return chosen, doubtful


def _linked(template: str, open_rows: list[str], identities: Sequence[schema.Identity]):
    """The open rows in groups joined by identities (in the rows' order), each with the
    identities that touch it."""
    row_of = {c: k for k in open_rows for c in schema.printed_cells(template, k)}
    group = {k: k for k in open_rows}  # union-find over the rows

    def root(k: str) -> str:
        while group[k] != k:
            group[k] = group[group[k]]
            k = group[k]
        return k

    touching = []
    for identity in identities:
        joined = {row_of[c] for c in identity.cells if c in row_of}
        if joined:
            first, *rest = (root(k) for k in joined)
            for other in rest:
                group[other] = first
            touching.append((identity, next(iter(joined))))
    groups: dict[str, list[str]] = {}
    for k in open_rows:
        groups.setdefault(root(k), []).append(k)
    for top, rows in groups.items():
        yield rows, [identity for identity, k in touching if root(k) == top]


def _choose_linked(template: str, rows: list[str], options: dict[str, list[RowReading]],
                   relevant: list[schema.Identity], fixed_values: dict, stated: dict[str, int],
                   doubtful: dict[str, tuple[str, list[str]]]) -> dict[str, RowReading]:
    """The readings of one group of linked rows, chosen jointly."""
    total = 1
    for k in rows:
        total *= len(options[k])
    if total > MAX_COMBINATIONS:
        for k in rows:
            _mark_disagreement(template, k, options[k], doubtful)
        return {k: max(options[k], key=lambda r: r.prior) for k in rows}
    printed = {k: [_values(template, {k: r}) for r in options[k]] for k in rows}  # each reading's values
    # Only the cells of the identities concerned decide a combination: the rest of the matrix is
    # not copied for each one.
    around = {c: fixed_values[c] for identity in relevant for c in identity.cells if c in fixed_values}
    scored = []
    for combo in itertools.product(*(range(len(options[k])) for k in rows)):
        values = dict(around)
        for k, i in zip(rows, combo):
            values.update(printed[k][i])
        broken = sum(1 for identity in relevant if _violated(identity, values))
        readings = tuple(options[k][i] for k, i in zip(rows, combo))
        scored.append((broken, -sum(r.prior for r in readings), readings))
    best_broken = min(s[0] for s in scored)
    best_prior = min(s[1] for s in scored if s[0] == best_broken)
    plausible = [s[2] for s in scored if s[0] == best_broken and s[1] <= best_prior + 0.05]
    if stated:
        support = [_stated_support(template, rows, c, stated) for c in plausible]
        most = max(support)
        plausible = [c for c, n in zip(plausible, support) if n == most]
    for i, k in enumerate(rows):
        _mark_disagreement(template, k, [combo[i] for combo in plausible], doubtful)
    return dict(zip(rows, plausible[0]))


def _stated_support(template: str, keys: list[str], combo: tuple[RowReading, ...], stated: dict[str, int]) -> float:
    """How many figures the prose states this combination prints; -1 if it contradicts one."""
    support = 0
    for key, reading in zip(keys, combo):
        for cell, r in zip(schema.printed_cells(template, key), reading.values):
            if cell in stated and r is not None and r.value is not None:
                if r.value != stated[cell]:
                    return -1
                support += 1
    return support


def _mark_disagreement(template: str, key: str, readings: list[RowReading],
                       doubtful: dict[str, tuple[str, list[str]]]) -> None:
    """Each cell the readings disagree on, with the reason and the values they give it ("" for
    a reading that leaves it empty)."""
    reason = {"split": "split_ambiguous", "placement": "placement_ambiguous"}.get(readings[0].how, "reading_ambiguous")
    for i, cell in enumerate(schema.printed_cells(template, key)):
        seen = {(v.value if (v := r.values[i]) else None) for r in readings}
        if len(seen) > 1:
            doubtful[cell] = reason, sorted(format_value(v) for v in seen)


def _values(template: str, chosen: dict[str, RowReading]) -> dict[str, int | Decimal]:
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
    known_left = sum(v for v in left if v is not None)
    known_right = sum(v for v in right if v is not None)
    if None not in left and None not in right:
        return known_left != known_right
    if None not in left and known_right > known_left:
        return True
    if None not in right and known_left > known_right:
        return True
    return False


def infer(identities: Sequence[schema.Identity], cells: dict[str, CellResult]) -> None:
    """Fill unknown cells the identities force: the one unknown of an equation, or unknowns
    that must all be 0 because the counts beside them already add up."""
    changed = True
    while changed:
        changed = False
        for identity in identities:
            unknown = [c for c in identity.cells if cells[c].value is None]
            if not unknown:
                continue
            left, right = _known_sum(identity.left, cells), _known_sum(identity.right, cells)
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
                _set_inferred(cells[key], value, confidence, doubt, identity, key)
                changed = True
            elif all(c in identity.right for c in unknown) and left == right or \
                    all(c in identity.left for c in unknown) and left == right:
                for key in unknown:
                    _set_inferred(cells[key], 0, confidence, doubt, identity, key)
                changed = True


def _set_inferred(cell: CellResult, value: int | Decimal, confidence: float, doubt: Sequence[str],
                  identity: schema.Identity, key: str) -> None:
    cell.value, cell.status, cell.confidence, cell.basis = value, INFERRED, round(confidence, 4), identity.name
    cell.source = {"identity": identity.name, "from": [c for c in identity.cells if c != key]}
    # The reasons it was blank or missing are answered; doubts about the reading are not.
    cell.flags = [f for f in cell.flags if f not in ("blank", "row_missing", "truncated")]
    cell.flag(*doubt)


def adds_up(identity: schema.Identity, cells: dict[str, CellResult]) -> bool | None:
    """Whether an identity holds over the cells; None while one of its cells is unknown."""
    if any(cells[c].value is None for c in identity.cells):
        return None
    return _known_sum(identity.left, cells) == _known_sum(identity.right, cells)


def _known_sum(keys: Sequence[str], cells: dict[str, CellResult]) -> int | Decimal:
    """The sum of the values known among the cells."""
    return sum(v for v in (cells[c].value for c in keys) if v is not None)


def broken_identities(template: str, cells: dict[str, CellResult]) -> list[str]:
    """The names of the identities a filled matrix breaks."""
    return [i.name for i in schema.identities(template) if adds_up(i, cells) is False]


def _holding(identities: Sequence[schema.Identity], cells: dict[str, CellResult]) -> list[schema.Identity]:
    """Identities whose cells are all known and add up, with at least two printed (or reviewed)
    cells in them, and none worked out from the identity itself (it would hold by construction)."""
    return [identity for identity in identities
            if adds_up(identity, cells) and sum(cells[c].status in (PRINTED, REVIEWED) for c in identity.cells) >= 2
            and not any(cells[c].basis == identity.name for c in identity.cells)]


# Digits OCR confuses with one another, for repairs the identities must confirm.
_OCR_CONFUSIONS = {"0": "689", "1": "47", "2": "7", "3": "589", "4": "19", "5": "368", "6": "580", "7": "12",
                   "8": "0369", "9": "480"}


def repair_ocr(identities: Sequence[schema.Identity], cells: dict[str, CellResult]) -> None:
    """Where an identity fails, try the digits OCR confuses with those of its OCR'd cells; make a
    change only if it is the one change that mends the identity and breaks no other identity
    through the cell.  Where no one change does, two may: the same misreading in a total and in
    one of its parts (a fax reading 4 as 1 in both) leaves the identity between them holding and
    breaks the ones beyond.  The change that mends the identity but breaks exactly one other
    through its cell is then made with the one change of a second cell that mends that other
    one and breaks nothing, where that pair is the only one.  Each cell changed keeps an
    ocr_repaired flag."""
    if not any("ocr_unconfirmed" in cell.flags for cell in cells.values()):  # nothing OCR'd in doubt: no work
        return
    through: dict[str, list[schema.Identity]] = {}
    for identity in identities:
        for c in identity.cells:
            through.setdefault(c, []).append(identity)

    def possible(identity) -> bool:
        return not _violated(identity, {c: cells[c].value for c in identity.cells if cells[c].value is not None})

    def repairable(key: str) -> bool:
        return "ocr_unconfirmed" in cells[key].flags and cells[key].status == PRINTED

    def mending(identity, keys) -> list[tuple[str, int, list]]:
        """The changes of the cells' digits OCR confuses (:func:`_digit_variants`) that make
        ``identity`` hold, each with the identities through the cell it leaves impossible."""
        out = []
        for key in keys:
            cell = cells[key]
            if not repairable(key):
                continue
            original = cell.value
            for variant in _digit_variants(str(original)):
                cell.value = variant
                if adds_up(identity, cells):
                    out.append((key, variant, [i for i in through[key] if not possible(i)]))
            cell.value = original
        return out

    mended = True
    while mended:
        mended = False
        for identity in identities:
            if adds_up(identity, cells) is not False:
                continue
            changes = mending(identity, identity.cells)
            fixes: list[tuple[tuple[str, int], ...]] = [((key, variant),) for key, variant, broken in changes
                                                          if not broken]
            if not fixes:
                pairs = set()
                for key, variant, broken in changes:
                    if len(broken) != 1:
                        continue
                    original, cells[key].value = cells[key].value, variant
                    for other, second, left in mending(broken[0], [c for c in broken[0].cells if c != key]):
                        cells[other].value, was = second, cells[other].value
                        if not left and all(possible(i) for i in through[key]):
                            pairs.add(frozenset({(key, variant), (other, second)}))
                        cells[other].value = was
                    cells[key].value = original
                fixes = [tuple(pair) for pair in pairs]
            if len(fixes) == 1:
                for key, variant in fixes[0]:
                    cells[key].value = variant
                    cells[key].flag("ocr_repaired")
                    cells[key].confidence = min(cells[key].confidence, 0.7)
                mended = True


def _digit_variants(text: str) -> list[int]:
    """The numbers OCR may have misread as ``text``: one digit confused with another, or one digit
    confused the same way wherever the number prints it (a fax that broke the strokes of its 4s
    broke them alike: 454 read as 151)."""
    out = []
    for i, ch in enumerate(text):
        for other in _OCR_CONFUSIONS.get(ch, ""):
            out.append(text[:i] + other + text[i + 1:])
            if text.count(ch) > 1 and text.index(ch) == i:
                out.append(text.replace(ch, other))
    return [int(v) for v in out if not (len(v) > 1 and v[0] == "0")]


def check(identities: Sequence[schema.Identity], cells: dict[str, CellResult], settled: set[str] | None = None) -> None:
    """Name every broken identity on the cells it involves; raise the confidence of the cells
    identities confirm, and lift OCR doubt from them.  A printed cell is confirmed by one identity
    that holds; an inferred one needs a second beside the one it was worked out from.  An identity
    lifts OCR doubt only from the one cell of it still in doubt: two misread digits can make it
    hold together (a fax reading 4 as 1 in a total and in one of its parts), so where two are in
    doubt it confirms neither until another identity confirms one of them.

    ``settled`` are the cells every reading of their row prints alike: an identity that fails on
    such cells alone fails in the published table itself, and says so without marking doubt."""
    broken = [i for i in identities if adds_up(i, cells) is False]
    # Without the readings (a matrix checked again after a person's change) every break is in doubt.
    as_printed = set() if settled is None else \
        {i.name for i in broken if all(_read_without_doubt(cells[c], c, settled) for c in i.cells)}
    for identity in broken:
        _flag_broken(identity, cells, identity.name in as_printed)
    holding = _holding(identities, cells)
    support: dict[str, int] = {}
    for identity in holding:
        for c in identity.cells:
            support[c] = support.get(c, 0) + 1
    confirmed = {key for key, n in support.items()
                 if n >= (1 if cells[key].status == PRINTED else 2)
                 and not any(f.startswith("identity_broken") for f in cells[key].flags)}
    in_doubt = {key for key in support if _UNSURE & set(cells[key].flags)}
    sure = _confirmed_one_by_one(holding, in_doubt, confirmed & in_doubt)
    for key in confirmed - (in_doubt - sure):
        cell = cells[key]
        cell.flags = [f for f in cell.flags if f not in _UNSURE]
        if cell.status == PRINTED:
            cell.confidence = round(1 - (1 - cell.confidence) * 0.2, 4)
    _follow_sources(cells)


def _follow_sources(cells: dict[str, CellResult]) -> None:
    """An inferred cell unsure only because the cells it was worked out from were (OCR'd digits
    not yet confirmed when it was worked out) is as sure as they are once every one of them is
    free of doubt: its value is their arithmetic.  The cells worked out alongside it by the same
    identity (unknowns that must all be 0) are not its sources."""
    changed = True
    while changed:
        changed = False
        for cell in cells.values():
            if cell.status != INFERRED or not _UNSURE & set(cell.flags) or set(doubts(cell.flags)) - _UNSURE:
                continue
            keys = (cell.source or {}).get("from", [])
            if not keys or any(c not in cells for c in keys):
                continue
            sources = [cells[c] for c in keys if cells[c].basis != cell.basis]
            if sources and not any(doubts(s.flags) for s in sources):
                cell.flags = [f for f in cell.flags if f not in _UNSURE]
                cell.confidence = round(min(s.confidence for s in sources) * 0.98, 4)
                changed = True


# What makes a cell's value unsure until an identity confirms it: OCR'd digits, or a value worked
# out from such.
_UNSURE = {"ocr_unconfirmed", "inferred_from_doubtful"}


def _confirmed_one_by_one(holding: Sequence[schema.Identity], in_doubt: set[str], confirmable: set[str]) -> set[str]:
    """The cells in doubt that holding identities confirm one at a time: an identity with a single
    cell still in doubt confirms it (if it may be confirmed at all), which may leave another
    identity with a single one."""
    doubtful, sure = set(in_doubt), set()
    changed = True
    while changed:
        changed = False
        for identity in holding:
            left = [c for c in identity.cells if c in doubtful]
            if len(left) == 1 and left[0] in confirmable:
                doubtful.discard(left[0])
                sure.add(left[0])
                changed = True
    return sure


def check_across_years(reports: list) -> list:
    """Identities 5 and 6 between each report and the same agency's report of the year before,
    within one batch.  Both years' cells are flagged where one fails (never repaired: agencies
    revise their figures between years).  Returns the reports whose cells gained a flag."""
    fuller = _fuller_names({r.agency for r in reports if r.agency})
    by_agency = {}
    for r in reports:
        agency = fuller.get(r.agency, r.agency)
        if agency and r.year and r.cells and (agency, r.year) not in by_agency:
            by_agency[(agency, r.year)] = r
    changed = {}
    for (agency, year), this in sorted(by_agency.items()):
        last = by_agency.get((agency, year - 1))
        if last is None:
            continue
        cells = dict(this.cells, **{schema.LAST_YEAR + key: cell for key, cell in last.cells.items()})
        for identity in schema.cross_year_identities(this.template, last.template):
            if adds_up(identity, cells) is not False:
                continue
            _flag_broken(identity, cells, all(_read_without_doubt(cells[c], c) for c in identity.cells))
            changed[this.document], changed[last.document] = this, last
    return list(changed.values())


# What a title may leave out before an agency's own name: the province, city or prefecture above it.
_HIGHER_DIVISION = re.compile(r"(?:省|市|自治州|州|盟|地区)$")


def _fuller_names(names: set[str]) -> dict[str, str]:
    """Each agency name → the longest name in the batch that is it with a higher division before
    it (洪泽区人民政府 → 淮安市洪泽区人民政府), where there is one."""
    out = {}
    for name in names:
        longer = [n for n in names if len(n) > len(name) >= 4 and n.endswith(name)
                  and _HIGHER_DIVISION.search(n[:-len(name)])]
        if longer:
            out[name] = max(longer, key=len)
    return out


CROSS_YEAR_FLAGS = tuple(f"{prefix}:{kind}" for prefix in ("identity_broken", "identity_broken_as_printed")
                         for kind in ("cross_year", "cross_year_active"))


def _read_without_doubt(cell: CellResult, key: str, settled: set[str] | None = None) -> bool:
    """Printed, with no doubt about its reading and, where known, printed alike by every reading
    of its row."""
    return cell.status == PRINTED and (settled is None or key.removeprefix(schema.LAST_YEAR) in settled) \
        and not doubts(cell.flags)


def _flag_broken(identity: schema.Identity, cells: dict[str, CellResult], as_printed: bool) -> None:
    """A break on numbers read without doubt is the agency's arithmetic: named, the value kept and
    trusted as printed.  Otherwise the reading may be at fault, and the cells are in doubt."""
    for c in identity.cells:
        if as_printed:
            cells[c].flag(f"identity_broken_as_printed:{identity.kind}")
        else:
            cells[c].flag(f"identity_broken:{identity.kind}")
            cells[c].confidence = min(cells[c].confidence, 0.5)
