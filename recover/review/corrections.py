"""A person's decisions on a batch's cells: appended to ``OUT_DIR/corrections.csv`` one line at
a time, and applied to the batch's outputs by :func:`apply`.

The file is append-only and every line is flushed and synced to disk before the decision is
acknowledged, so a browser or server killed at any point loses nothing that was confirmed.  The
last decision on a cell is the one that counts; earlier ones stay as the record of the review.

A decision names a cell ``table/row/col``, or a whole printed row ``table/row/*`` with the value
``candidate:N`` (``appeals/*/*`` for the appeals table printed as one row, ``none/*`` for a
printed line that is no row of the tables): "the document's row
candidate N (its JSON's ``rows[].index``) is this canonical row" (a row the classifier named wrong).
Such a decision is applied by reading the document again with that row named as the reviewer
said, and it becomes a labelled row for ``recover train`` (see :func:`write_labels`).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import schema
from ..cells import INFERRED, PRINTED, REVIEWED, UNKNOWN

FILE_NAME = "corrections.csv"
LABELS_NAME = "corrections.tsv"
COLUMNS = ("document", "cell", "value", "decision", "note", "time")
ACCEPTED, CORRECTED, CANNOT_TELL = "accepted", "corrected", "cannot_tell"
DECISIONS = (ACCEPTED, CORRECTED, CANNOT_TELL)
_ROW_VALUE = re.compile(r"candidate:(\d+)")


class CorrectionError(ValueError):
    """A decision that does not name a cell of the document, or a value that cannot be one."""


@dataclass(frozen=True)
class Decision:
    document: str
    cell: str  # table/row/col, or table/row/* for a printed row mapped to another canonical row
    value: str  # the value accepted or typed; "candidate:N" for a row mapping; empty for cannot_tell
    decision: str
    note: str = ""
    time: str = ""

    @property
    def is_row(self) -> bool:
        return self.cell.endswith("/*")

    @property
    def subject(self) -> str:
        """What the decision is on: the cell, or for a row mapping the printed row."""
        return self.value if self.is_row else self.cell

    @property
    def row_key(self) -> str:
        """For a row mapping: the canonical row (``table/row``; ``appeals/*`` for the appeals
        table printed as one row, written ``appeals/*/*``)."""
        return self.cell[:-2]

    @property
    def candidate(self) -> int:
        """For a row mapping: the printed row's index among the document's row candidates."""
        found = _ROW_VALUE.fullmatch(self.value)
        if found is None:
            raise CorrectionError(f"a row mapping names its printed row candidate:N, not {self.value!r}")
        return int(found.group(1))


def check(decision: Decision, template: str) -> None:
    """Refuse a decision that cannot be applied to a document of this template."""
    if decision.decision not in DECISIONS:
        raise CorrectionError(f"decision must be one of {', '.join(DECISIONS)}, not {decision.decision!r}")
    if decision.is_row:
        if decision.row_key not in schema.row_keys(template) and decision.row_key != schema.NOT_A_ROW:
            raise CorrectionError(f"{decision.row_key} is not a row of template {template}")
        if decision.decision != CORRECTED or not _ROW_VALUE.fullmatch(decision.value):
            raise CorrectionError("a row mapping is a 'corrected' decision with the value candidate:N")
        return
    if decision.cell not in schema.cell_keys(template):
        raise CorrectionError(f"{decision.cell} is not a cell of template {template}")
    if decision.decision != CANNOT_TELL:
        value_of(decision)


def value_of(decision: Decision):
    """The decided value as the cell holds it: an int, or a Decimal for an amount."""
    from ..values import parse_value

    reading = parse_value(decision.value, amount=schema.is_amount(decision.cell))
    if reading.value is None or reading.kind != "number" and reading.kind != "zero_mark":
        raise CorrectionError(f"{decision.value!r} is not a number")
    if reading.value < 0 and not schema.may_be_negative(decision.cell):
        raise CorrectionError(f"{decision.cell} cannot be negative")
    return reading.value


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(out_dir: Path, decision: Decision) -> Decision:
    """Append one decision (stamped with the time if it has none) and make it durable: written,
    flushed and synced before this returns.  The header is written with the first line."""
    if not decision.time:
        decision = Decision(**{**vars(decision), "time": now()})
    path = Path(out_dir) / FILE_NAME
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\n")
    # O_APPEND: each line lands whole at the end, even if two servers share a batch.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.fstat(fd).st_size == 0:
            writer.writerow(COLUMNS)
        elif not _ends_with_newline(path):  # a line cut off by a crash: end it, the next stays whole
            line.write("\n")
        writer.writerow([getattr(decision, c) for c in COLUMNS])
        os.write(fd, line.getvalue().encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return decision


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def read(out_dir: Path) -> list[Decision]:
    """Every decision of the batch, in the order made."""
    return _read_file(Path(out_dir) / FILE_NAME)


def _read_file(path: Path) -> list[Decision]:
    """A last line cut off by a crash (fewer fields than the header) is not a decision: skipped."""
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [Decision(**{c: row[c] for c in COLUMNS}) for row in csv.DictReader(f)
                if all(row.get(c) is not None for c in COLUMNS)]


def latest(decisions: list[Decision]) -> dict[str, dict[str, Decision]]:
    """document → cell (or ``candidate:N`` for a row mapping) → the last decision on it."""
    out: dict[str, dict[str, Decision]] = {}
    for d in decisions:
        out.setdefault(d.document, {})[d.subject] = d
    return out


# --- applying the decisions to the batch's outputs ----------------------------------------------

# A reviewer looked at the cell and could not tell its value: it stays in doubt, and says why.
CANNOT_TELL_FLAG = "review_cannot_tell"
_BROKEN = "identity_broken:"


def apply_to_report(report, decisions: dict[str, Decision]) -> None:
    """Put a document's last decisions into its cells, then check the identities again: cells
    worked out from others are worked out again from the reviewed values, and every broken
    identity is named again.  A reviewed cell carries no doubt; an identity that stays broken
    over reviewed cells (the agency's own arithmetic) is named in the document's flags."""
    from ..reconcile.identities import check as check_identities, infer

    cells = report.cells
    for key, d in decisions.items():
        if d.is_row or key not in cells:
            continue
        cell = cells[key]
        if d.decision == CANNOT_TELL:
            cell.flag(CANNOT_TELL_FLAG)
            continue
        cell.value, cell.status, cell.confidence, cell.flags, cell.basis = value_of(d), REVIEWED, 1.0, [], ""
    identities = schema.identities(report.template)
    rechecked = {f"{_BROKEN}{i.kind}" for i in identities}  # 1-4 here; 5-6 across the batch, by apply
    for cell in cells.values():
        cell.flags = [f for f in cell.flags if f not in rechecked]
        if cell.status == INFERRED:  # worked out again below, from the values as reviewed
            cell.value, cell.status, cell.source = None, UNKNOWN, None
            cell.flags = [f for f in cell.flags if f not in ("inferred_from_doubtful", "ocr_unconfirmed")]
    before = {key: cell.confidence for key, cell in cells.items()}
    infer(identities, cells)
    check_identities(identities, cells)
    for key, cell in cells.items():  # the batch already raised what identities confirm: not twice
        if cell.status == PRINTED:
            cell.confidence = min(cell.confidence, before[key])
    settle_reviewed(report, rechecked)


def settle_reviewed(report, checked: set[str] | tuple[str, ...]) -> None:
    """Move the broken identities named on reviewed cells into the document's flags, where
    those of the ``checked`` kinds are named anew."""
    broken = [f for c in report.cells.values() if c.status == REVIEWED for f in c.flags if f.startswith(_BROKEN)]
    for cell in report.cells.values():
        if cell.status == REVIEWED:
            cell.flags, cell.confidence = [], 1.0
    report.flags = [f for f in report.flags if f not in checked and f not in broken] + sorted(set(broken))


@dataclass
class Applied:
    documents: int  # documents whose cells a decision changed
    cells: int  # cells now reviewed
    cannot_tell: int
    labelled_rows: int  # row mappings written for `recover train`


def apply(out_dir: Path, corrections: Path | None = None, model_path: str | None = None,
          trust_model: bool = False) -> Applied:
    """Rewrite a batch's outputs (json/, cells.csv, summary.csv and the other formats it has)
    with the decisions in ``corrections`` (default: the batch's own corrections.csv), each file
    replaced atomically; identity 5 is checked again across the batch.  Row mappings are written
    to ``corrections.tsv``, a label file ``recover train --data`` reads."""
    from ..batch.outputs import write_outputs
    from ..reconcile.identities import CROSS_YEAR_FLAGS, check_across_years
    from ..report import Report

    out_dir = Path(out_dir)
    decided = latest(_read_file(corrections or out_dir / FILE_NAME))
    paths, reports = [], []
    for row in summary_rows(out_dir):
        data = json.loads((out_dir / "json" / f"{row['document']}.json").read_text(encoding="utf-8"))
        report = Report.from_dict(data)
        for cell in report.cells.values():  # identity 5 is checked again below, over the batch
            cell.flags = [f for f in cell.flags if f not in CROSS_YEAR_FLAGS]
        if report.cells and report.template:
            for d in decided.get(report.document, {}).values():
                if not d.is_row:
                    check(d, report.template)
            apply_to_report(report, decided.get(report.document, {}))
        paths.append(row["path"])
        reports.append(report)
    check_across_years(reports)
    for report in reports:
        settle_reviewed(report, CROSS_YEAR_FLAGS)
    write_outputs(reports, paths, out_dir, batch_formats(out_dir))
    rows = [d for ds in decided.values() for d in ds.values() if d.is_row]
    labelled = write_labels(out_dir, rows, {r.document: Path(p) for r, p in zip(reports, paths)}, model_path,
                            trust_model)
    cells = [d for ds in decided.values() for d in ds.values() if not d.is_row]
    return Applied(len({d.document for d in cells}), sum(d.decision != CANNOT_TELL for d in cells),
                   sum(d.decision == CANNOT_TELL for d in cells), labelled)


def summary_rows(out_dir: Path) -> list[dict]:
    """The batch's documents, in its order, as summary.csv lists them."""
    with open(Path(out_dir) / "summary.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def batch_formats(out_dir: Path) -> set[str]:
    """The formats the batch was written in, read from the files it has."""
    present = {"parquet": "cells.parquet", "wide": "wide.csv", "xlsx": "xlsx"}
    return {"csv"} | {f for f, name in present.items() if (Path(out_dir) / name).exists()}


def write_labels(out_dir: Path, rows: list[Decision], paths: dict[str, Path], model_path: str | None,
                 trust_model: bool) -> int:
    """Each row mapping as a labelled row in ``recover label``'s format: the document's row
    candidates are listed again and the one the decision names gets the reviewer's row ID."""
    from ..model import load_model
    from ..training import candidate_rows, write_rows

    if not rows:
        return 0
    model = load_model(model_path, trust=trust_model)
    labelled = []
    for document in sorted({d.document for d in rows}):
        named = {d.candidate: d.row_key for d in rows if d.document == document}
        for row in candidate_rows(paths[document], model):
            if row.index in named:
                row.row = named[row.index]
                labelled.append(row)
    write_rows(Path(out_dir) / LABELS_NAME, labelled)
    return len(labelled)
