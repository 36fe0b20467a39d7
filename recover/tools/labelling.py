"""Labelling generated reports by what the generator printed: each report is read as any input
would be, and its row candidates get the rows the generator printed, matched in order by label
text and printed numbers.  ``recover synth --rows`` writes the result as a training file."""
from __future__ import annotations

from .. import readers, schema
from ..candidates import RowCandidate, find_candidates
from ..scoring import describe
from ..training import LabelledRow, printed_values
from ..values import normalize
from .synth import SyntheticReport, TRow


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
