"""Labelling generated reports by what the generator printed: each report is read as any input
would be, and its row candidates get the rows the generator printed, matched in order by label
text and printed numbers.  ``recover synth --rows`` writes the result as a training file for
reports printed as text; ``recover render --synthetic N --rows`` for reports printed as PDFs,
scanned (and photographed, stamped, faxed) and read back by OCR, so the classifier learns labels
as the scan reader reads them."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from .. import readers, schema
from ..candidates import RowCandidate, find_candidates
from ..scoring import describe
from ..training import LabelledRow, printed_values
from ..values import normalize
from .synth import SyntheticReport, Table, TRow, _grid, generate_blocks


def _squash(text: str) -> str:
    return normalize(text).replace(" ", "").replace(",", "")


def label_synthetic(report: SyntheticReport) -> list[LabelledRow]:
    """Extract a generated report as any input would be, then label its candidates with the
    rows the generator printed, matched in order by label text and printed numbers."""
    candidates = find_candidates(readers.read(report.content.encode("utf-8"))[0])
    keys = _match_printed(candidates, report.printed)
    return [LabelledRow(report.name, i, key, d, report.template, printed_label=c.printed_label,
                        printed_values=printed_values(c))
            for i, (c, key, d) in enumerate(zip(candidates, keys, describe(candidates)))]


def _match_printed(candidates: list[RowCandidate], printed: list[TRow]) -> list[str]:
    keys = [schema.NOT_A_ROW] * len(candidates)
    start = 0
    for row in printed:
        digits = _squash("".join(c.text for c in row.cells if c.is_value))
        if not digits:
            continue  # printed blank: no candidate carries it
        label = _squash(row.own_label)
        for i in range(start, min(start + 40, len(candidates))):
            c = candidates[i]
            found = _squash("".join(v.text for v in c.filled))
            labels = _squash("".join(c.labels))
            last = _squash(c.labels[-1]) if c.labels else ""
            # A wrapped label may leave only a fragment of itself beside the numbers.
            label_ok = (not label or label in labels or label[:8] in labels
                        or (len(c.own_label) >= 2 and _squash(c.own_label) in label)
                        or (len(last) >= 4 and last in label))
            if label_ok and found and digits.startswith(found):
                keys[i] = row.key
                start = i + 1
                break
    return keys


# --- reports rendered as scans and read back by OCR -----------------------------------------------

# A candidate and a printed row are taken as the same row where their similarity (label text and
# numbers, 0–1) reaches this; below it the OCR'd row is too far from anything printed to say.
SAME_ROW = 0.7
# ...and where no other printed row the alignment left unused comes within this of it: a row that
# could as well be another is left out of the training file rather than guessed.
CLEAR_MARGIN = 0.1
# A candidate outside every printed table row is prose (a ``none`` row) where this share of its
# label is found in the report's paragraphs.
IN_PROSE = 0.8


def scanned_rows(seed: int, count: int, kinds: Sequence[str], dpi: int = 200) -> Iterator[LabelledRow]:
    """The labelled row candidates of ``count`` generated reports (``seed``), each rendered in each
    scan kind and read by the product's scan reader."""
    from .render import render

    for name, template, blocks, _ in generate_blocks(seed, count):
        for kind in kinds:
            for rendered in render(name, blocks, kind, dpi=dpi, seed=seed):
                yield from label_scanned(rendered.name, template, blocks, rendered.data)


def label_scanned(document: str, template: str, blocks: list, data: bytes) -> list[LabelledRow]:
    """A rendered report read by OCR, its candidates labelled by the rows the generator printed.
    Candidates the alignment cannot place with confidence are left out (their index skipped)."""
    candidates = find_candidates(readers.read(data)[0])
    keys = align_printed(candidates, blocks)
    return [LabelledRow(document, i, key, d, template, printed_label=c.printed_label,
                        printed_values=printed_values(c))
            for i, (c, key, d) in enumerate(zip(candidates, keys, describe(candidates))) if key is not None]


@dataclass
class _Printed:
    """A table row as the generator printed it: its row ID (``none`` for rows not of the form),
    its label cells' text (spanning cells included) and its own label, its numbers."""

    key: str
    label: str
    own: str
    digits: str


def align_printed(candidates: list[RowCandidate], blocks: list) -> list[str | None]:
    """Each candidate's row ID, ``none``, or None where it cannot be told.  The candidates and the
    printed table rows are aligned in order (both read top to bottom, table by table) by a
    dynamic programme that keeps the pairs most alike; a pair counts where it is alike enough
    (:data:`SAME_ROW`) and no printed row left unpaired is about as alike (:data:`CLEAR_MARGIN`).
    A candidate paired with nothing is ``none`` where its text is the report's prose, else left out."""
    printed = [row for block in blocks if isinstance(block, Table) for row in _printed_rows(block)]
    score = [[_alike(c, p) for p in printed] for c in candidates]
    pairs = _best_pairs(score, SAME_ROW)
    paired = {j for j in pairs.values()}
    prose = _squash("".join(b for b in blocks if isinstance(b, str)))
    keys: list[str | None] = []
    for i, c in enumerate(candidates):
        j = pairs.get(i)
        if j is not None:
            rivals = [s for k, s in enumerate(score[i]) if k != j and k not in paired and printed[k].key != printed[j].key]
            keys.append(printed[j].key if max(rivals, default=0) < score[i][j] - CLEAR_MARGIN else None)
        elif max(score[i], default=0) < SAME_ROW - CLEAR_MARGIN and _share_found(_label_text(c), prose) >= IN_PROSE:
            keys.append(schema.NOT_A_ROW)
        else:
            keys.append(None)
    return keys


def _printed_rows(table: Table) -> list[_Printed]:
    out = []
    for row, slots in zip(table.rows, _grid(table)):
        values = [cell for cell, _ in slots if cell.is_value]
        if not any(v.text.strip() for v in values):
            continue  # a header: no candidate carries it
        label = "".join(cell.text for cell, _ in slots if not cell.is_value)
        out.append(_Printed(row.key, _squash(label), _squash(row.own_label or label),
                            _squash("".join(v.text for v in values))))
    return out


def _label_text(c: RowCandidate) -> str:
    return _squash("".join(c.labels))


def _alike(c: RowCandidate, p: _Printed) -> float:
    """How alike a candidate and a printed row are, 0–1: their labels (the whole, or the own label
    where OCR lost the context cells) weighing three times their numbers; numbers alone for a
    row printed with no label (the appeals table's one row of numbers)."""
    digits = SequenceMatcher(None, _squash("".join(v.text for v in c.filled)), p.digits, autojunk=False).ratio()
    label = _label_text(c)
    if not p.label:
        return digits if len(label) <= 2 else 0.0
    text = max(SequenceMatcher(None, label, p.label, autojunk=False).ratio(),
               SequenceMatcher(None, _squash(c.own_label), p.own, autojunk=False).ratio())
    return 0.75 * text + 0.25 * digits


def _best_pairs(score: list[list[float]], floor: float) -> dict[int, int]:
    """Candidate index → printed row index: the pairs, in order on both sides, each at least
    ``floor`` alike, whose likeness above the floor adds up to the most."""
    n, m = len(score), len(score[0]) if score else 0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = score[i][j] - floor + best[i + 1][j + 1] if score[i][j] >= floor else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs, i, j = {}, 0, 0
    while i < n and j < m:
        if score[i][j] >= floor and best[i][j] == score[i][j] - floor + best[i + 1][j + 1]:
            pairs[i] = j
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _share_found(text: str, within: str) -> float:
    """The share of ``text``'s characters found, in order, in ``within``."""
    if not text:
        return 0.0
    blocks = SequenceMatcher(None, text, within, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(text)
