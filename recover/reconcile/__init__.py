"""Stage 3, the reconciler: classified rows → the standard matrix, every cell with a status,
a confidence and the reasons to doubt it.

For each classified row it lists the readings its printed cells allow (values lined up under
the header, or in order, or with stray blanks dropped, digit runs cut, lost blanks placed),
keeps the combination of readings that breaks the fewest identities, fills what the identities
then force, and flags what stays doubtful.  Numbers the agency printed are kept as printed even
where its arithmetic is wrong; the identities they break are named on every cell involved.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from .. import schema
from ..cells import PRINTED, UNKNOWN, AssignedRow, CellResult
from .cut import keeps_its_cells, settle_cut_row
from .identities import check, choose, infer, repair_ocr
from .readings import readings_of

# Below this probability a classified row is flagged; below the second, it is flagged too where
# its printed label does not read as the row's official one (an extra row an agency added, taken
# for a standard row whose own line is missing).
LOW_ROW_PROBABILITY = 0.6
UNSURE_ROW_PROBABILITY = 0.9
LABEL_LIKENESS = 0.5


def reconcile(template: str, rows: list[AssignedRow], stated: dict[str, int] | None = None) -> dict[str, CellResult]:
    """Fill the template's matrix from classified rows.  ``stated`` figures (from the report's
    prose) only choose between readings the identities leave equally possible."""
    cells = {key: CellResult() for key in schema.cell_keys(template)}
    identities = schema.identities(template)
    groups = [row.key for row in rows if row.key in schema.GROUP_ROWS.get(template, {})]
    for key in groups:  # a hybrid form's group row: its cells join the identities, not the matrix
        cells.update({c: CellResult() for c in schema.printed_cells(template, key)})
        identities += schema.group_identities(template, key)
    options = {row.key: readings_of(template, row) for row in rows}
    chosen, doubtful = choose(template, options, identities, stated or {})
    settled = _printed_alike(template, options)

    for row in rows:
        reading = chosen[row.key]
        runs_on = _label_names_next_row(template, row)
        # an OCR'd row the form's order places, its label reading as the row's but for what the
        # scan lost: two signs that agree
        placed = row.placed and _label_reads_as_row(template, row)
        for i, key in enumerate(schema.printed_cells(template, row.key)):
            cell = cells[key]
            r = reading.values[i]
            if r is not None:
                cell.source = r.source
            if key in doubtful:
                reason, cell.alternatives = doubtful[key]
                cell.flag(reason)
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
            cell.confidence = _printed_confidence(max(row.probability, UNSURE_ROW_PROBABILITY) if placed
                                                  else row.probability, cell.flags)
            if len(options[row.key]) > 1:  # one reading chosen among several: by identities or prose
                cell.confidence *= 0.9
            if not placed and (row.probability < LOW_ROW_PROBABILITY or
                               row.probability < UNSURE_ROW_PROBABILITY and not _label_reads_as_row(template, row)):
                cell.flag("row_low_confidence")
            if row.contested:
                cell.flag("row_contested")
                cell.confidence = min(cell.confidence, 0.6)
            if runs_on:
                cell.flag("label_names_next_row")
                cell.confidence = min(cell.confidence, 0.6)

    _mark_missing(template, rows, cells)
    for row in rows:
        if chosen[row.key].how == "prefix" and not row.contested:
            keeps_cells = keeps_its_cells(template, row, rows, options)
            for key in settle_cut_row(template, row, chosen[row.key], identities, cells, keeps_cells):
                cells[key].confidence = _printed_confidence(row.probability, cells[key].flags)
    # OCR'd digits are repaired before the cells left unknown are worked out from them (an
    # unknown worked out from a misread total would break the identities the repair needs), and
    # again once they are
    repair_ocr(identities, cells)
    infer(identities, cells)
    repair_ocr(identities, cells)
    check(identities, cells, settled)
    _weigh_narrative(cells, stated or {})
    return {key: cells[key] for key in schema.cell_keys(template)}


def _weigh_narrative(cells: dict[str, CellResult], stated: dict[str, int]) -> None:
    """A figure the prose states for a cell confirms it where they agree; where they disagree the
    table's value is kept, less trusted, and the cell says so."""
    for key, figure in stated.items():
        cell = cells.get(key)
        if cell is None or cell.value is None:
            continue
        if cell.value == figure:
            cell.confidence = round(1 - (1 - cell.confidence) * 0.5, 4)
        else:
            cell.flag("narrative_disagrees")
            cell.confidence = min(cell.confidence, 0.9)


def _printed_alike(template: str, options: dict) -> set[str]:
    """The cells every reading of their row gives the same value."""
    out = set()
    for key, readings in options.items():
        for i, cell in enumerate(schema.printed_cells(template, key)):
            seen = {r.values[i].value if r.values[i] else None for r in readings}
            if len(seen) == 1 and None not in seen:
                out.add(cell)
    return out


def _label_reads_as_row(template: str, row: AssignedRow) -> bool:
    """Whether the printed label is close to the row's official label or one of its aliases
    (numbering and brackets aside).  A row printed without a label of its own says nothing."""
    printed = _wording(row.candidate.own_label)
    if not printed or row.key == schema.APPEALS_AS_ONE_ROW:
        return True
    official = schema.row(template, row.key)
    return max(SequenceMatcher(None, printed, _wording(label)).ratio()
               for label in (official.label, *official.aliases)) >= LABEL_LIKENESS


def _label_names_next_row(template: str, row: AssignedRow) -> bool:
    """Whether a first-table row's printed label names another row of the table after its own
    ("行政许可第二十条第（六）项信息内容本年处理决定数量行政处罚141", "规章行政规范性文件417"): the
    number printed after the label is then most likely that other row's."""
    table = row.key.split("/")[0]
    if table != "active":  # the request rows' labels hold their group headings by design
        return False
    label = "".join(row.candidate.labels).replace(" ", "")
    last = (-1, 0, row.key)  # where a row name ends, its length, its row
    for other in schema.rows(template, table):
        for name in (other.label, *other.aliases):
            end = label.rfind(name)
            if end >= 0:
                last = max(last, (end + len(name), len(name), other.key))
    return last[0] >= 0 and last[2] != row.key


def _wording(label: str) -> str:
    return re.sub(r"^[\d一二三四五六七八九十()（）、.\s]+", "", label.replace(" ", ""))


def _printed_confidence(probability: float, flags: list[str]) -> float:
    confidence = min(probability, 0.995)
    if flags:
        confidence *= 0.8
    return confidence


def _mark_missing(template: str, rows: list[AssignedRow], cells: dict[str, CellResult]) -> None:
    """Tables with no row found are missing; rows past a document's cut are truncated."""
    present = {row.key.split("/")[0] for row in rows}
    order = schema.row_keys(template)
    groups = schema.GROUP_ROWS.get(template, {})
    last_printed = max((order.index(groups.get(r.key, (r.key,))[-1]) for r in rows), default=-1)
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


