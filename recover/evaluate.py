"""Scoring a batch's cells.csv against ground truth.

Truth files are JSON, one per document: ``document``, ``template`` and ``cells`` (cell key →
value); only the cells listed are scored, and only for the documents of the batch (a truth file
of a document the batch did not hold is listed as missing, not scored).  A document of the batch
that failed is scored with no cell right.  A cell is *in doubt* (a cell to check) when its status
is unknown or it carries a flag that marks doubt (flags that only inform, like ``unit_converted``,
do not); a *silent error* is a wrong cell not in doubt; a cell is *settled* when it is right and
not in doubt.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the classifier (and scikit-learn) only when comparing models, at run time
    from .classify import RowClassifier

from .cells import FLAG_NAMES, doubts
from .schema import CSV_COLUMNS


# Confidence bins of the reliability table; cells at or above CONFIDENT should be right ≥ 99.9 %.
RELIABILITY_BINS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0)
CONFIDENT = 0.99


def reliability(judged: list[tuple[float, bool]]) -> list[tuple[float, float, int, float, float]]:
    """Confidence bins against what happened: (low, high, count, mean confidence, share right)."""
    table = []
    for low, high in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:]):
        inside = [(c, r) for c, r in judged if low <= c < high or (high == 1.0 and c == 1.0)]
        if inside:
            table.append((low, high, len(inside), sum(c for c, _ in inside) / len(inside),
                          sum(r for _, r in inside) / len(inside)))
    return table


def calibration_error(judged: list[tuple[float, bool]]) -> float:
    """The expected calibration error: the mean gap between confidence and the share right, bin by bin."""
    table = reliability(judged)
    return sum(n * abs(conf - right) for _, _, n, conf, right in table) / max(sum(row[2] for row in table), 1)


def confident_accuracy(judged: list[tuple[float, bool]]) -> float | None:
    """The share right of those with confidence ≥ CONFIDENT (None where there are none)."""
    sure = [r for c, r in judged if c >= CONFIDENT]
    return sum(sure) / len(sure) if sure else None


def calibration(judged: list[tuple[float, bool]]) -> dict:
    """Confidences against what happened, as the summaries and the model card give them."""
    confident = confident_accuracy(judged)
    return {"ece": round(calibration_error(judged), 4),
            "confident": sum(c >= CONFIDENT for c, _ in judged),
            "confident_accuracy": None if confident is None else round(confident, 5),
            "reliability": [{"confidence": f"{low:g}–{high:g}", "cells": n, "mean_confidence": round(conf, 4),
                             "right": round(right, 4)} for low, high, n, conf, right in reliability(judged)]}


@dataclass
class DocumentScore:
    document: str
    template_right: bool | None
    cells: int = 0
    right: int = 0
    silent: int = 0
    flagged_wrong: int = 0  # wrong and in doubt
    flagged_right: int = 0  # right, yet in doubt
    missing: bool = False  # no cells for the document at all
    wrong_cells: list[str] = field(default_factory=list)
    judged: list[tuple[float, bool]] = field(default_factory=list)  # each cell's confidence, and whether right

    @property
    def to_check(self) -> int:
        return self.flagged_right + self.flagged_wrong

    @property
    def settled(self) -> int:
        return self.right - self.flagged_right


@dataclass
class Scores:
    documents: list[DocumentScore]
    not_in_batch: list[str] = field(default_factory=list)  # documents with truth the batch did not hold

    def _sum(self, name: str) -> int:  # a field or property of every document
        return sum(getattr(d, name) for d in self.documents)

    @property
    def cell_accuracy(self) -> float:
        return self._sum("right") / max(self._sum("cells"), 1)

    @property
    def document_exact(self) -> float:
        return sum(d.right == d.cells and not d.missing for d in self.documents) / max(len(self.documents), 1)

    @property
    def template_accuracy(self) -> float:
        return sum(bool(d.template_right) for d in self.documents) / max(len(self.documents), 1)

    @property
    def silent_errors(self) -> int:
        return self._sum("silent")

    @property
    def flag_recall(self) -> float:
        wrong = self._sum("cells") - self._sum("right")
        return self._sum("flagged_wrong") / wrong if wrong else 1.0

    @property
    def false_flag_rate(self) -> float:
        return self._sum("flagged_right") / max(self._sum("right"), 1)

    @property
    def settled_rate(self) -> float:
        return self._sum("settled") / max(self._sum("cells"), 1)

    @property
    def judged(self) -> list[tuple[float, bool]]:
        """Every cell's confidence, and whether it was right."""
        return [j for d in self.documents for j in d.judged]

    def reliability(self) -> list[tuple[float, float, int, float, float]]:
        return reliability(self.judged)

    @property
    def expected_calibration_error(self) -> float:
        return calibration_error(self.judged)

    @property
    def confident_accuracy(self) -> float | None:
        return confident_accuracy(self.judged)

    def summary(self) -> dict:
        return {
            "documents": len(self.documents),
            "cells": self._sum("cells"),
            "cell_accuracy": round(self.cell_accuracy, 4),
            "document_exact": round(self.document_exact, 4),
            "template_accuracy": round(self.template_accuracy, 4),
            "silent_errors": self.silent_errors,
            "flag_recall": round(self.flag_recall, 4),
            "false_flag_rate": round(self.false_flag_rate, 4),
            "not_in_batch": self.not_in_batch,
            "cells_to_check": self._sum("to_check"),
            "settled": round(self.settled_rate, 4),
            **calibration(self.judged),
        }


class EvaluationError(ValueError):
    """Truth or cells that cannot be scored: an empty truth folder, a file that is not cells.csv."""


def load_truth(directory: Path) -> dict[str, dict]:
    directory = Path(directory)
    truth = {}
    for path in sorted(directory.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        truth[record["document"]] = record
    if not truth:
        hint = f"; did you mean {directory / 'truth'}?" if (directory / "truth").is_dir() else ""
        raise EvaluationError(f"no truth files (*.json) in {directory}{hint}")
    return truth


def load_cells(path: Path) -> dict[str, dict[str, dict]]:
    """A batch's cells.csv as document → cell → row, with an entry (maybe empty) for every
    document of the batch where its summary.csv lies beside it (a failed document has no cells)."""
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if not set(CSV_COLUMNS) <= set(reader.fieldnames or ()):
            raise EvaluationError(f"{path} is not a batch's cells.csv: its columns are "
                                  f"{', '.join(reader.fieldnames or ())}, not {', '.join(CSV_COLUMNS)}")
        cells = cells_by_document(reader)
    summary = path.with_name("summary.csv")
    if summary.is_file():
        with open(summary, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                cells.setdefault(row["document"], {})
    return cells


def cells_by_document(records: Iterable[dict]) -> dict[str, dict[str, dict]]:
    """cells.csv's rows as document → ``table/row/col`` → row."""
    by_document: dict[str, dict[str, dict]] = {}
    for row in records:
        by_document.setdefault(row["document"], {})[f"{row['table']}/{row['row']}/{row['col']}"] = row
    return by_document


def same_value(expected, got: str) -> bool:
    if got in ("", None):
        return False
    try:
        return Decimal(str(expected)) == Decimal(got)
    except InvalidOperation:
        return False


def in_doubt(row: dict) -> bool:
    """A cells.csv row a person should check: unknown, or carrying a flag that marks doubt
    (a flag this version does not know counts as doubt)."""
    flags = [f for f in row["flags"].split(";") if f]
    return row["status"] == "unknown" or bool(doubts([f for f in flags if f in FLAG_NAMES])) \
        or any(f not in FLAG_NAMES for f in flags)


def score(truth: dict[str, dict], cells: dict[str, dict[str, dict]]) -> Scores:
    """Score the documents of ``cells`` (document → cell → cells.csv row; an empty entry for a
    document that failed) that have truth; list the truth's other documents as not in the batch."""
    documents = []
    for name, record in truth.items():
        if name not in cells:
            continue
        found = cells[name]
        templates = {row["template"] for row in found.values()}
        d = DocumentScore(name, template_right=record.get("template") in templates if found else False,
                          missing=not found)
        for key, expected in record["cells"].items():
            d.cells += 1
            row = found.get(key)
            right = row is not None and same_value(expected, row["value"])
            flagged = row is None or in_doubt(row)
            d.judged.append((float(row["confidence"]) if row is not None else 0.0, right))
            if right:
                d.right += 1
                d.flagged_right += flagged
            else:
                d.wrong_cells.append(key)
                d.flagged_wrong += flagged
                d.silent += not flagged
        documents.append(d)
    return Scores(documents, sorted(set(truth) - set(cells)))


def report_lines(scores: Scores) -> list[str]:
    lines = []
    for d in scores.documents:
        lines.append(f"{d.document}: {d.right}/{d.cells} right, {d.to_check} to check, {d.settled} settled"
                     + (", template wrong" if not d.template_right else "")
                     + (f", {d.silent} silent" if d.silent else "")
                     + (", failed: no cells" if d.missing else "")
                     + (f"; wrong: {', '.join(d.wrong_cells[:6])}" + (" …" if len(d.wrong_cells) > 6 else "")
                        if d.wrong_cells else ""))
    s = scores.summary()
    lines += [
        f"documents:          {s['documents']} ({s['cells']} cells)",
        f"cell accuracy:      {s['cell_accuracy']:.2%}",
        f"document exact:     {s['document_exact']:.2%}",
        f"template accuracy:  {s['template_accuracy']:.2%}",
        f"silent errors:      {s['silent_errors']} (wrong and not in doubt)",
        f"flag recall:        {s['flag_recall']:.2%} (wrong cells in doubt)",
        f"false-flag rate:    {s['false_flag_rate']:.2%} (right cells in doubt)",
        f"cells to check:     {s['cells_to_check']} (unknown or with a doubt flag)",
        f"settled:            {s['settled']:.2%} (right and not in doubt)",
        f"calibration error:  {s['ece']:.4f} (ECE over the bins below)",
        "confidence ≥ 0.99:  " + ("no cells" if s["confident_accuracy"] is None else
                                  f"{s['confident_accuracy']:.3%} right"),
        "reliability:        confidence  cells  mean conf  right",
    ]
    lines += [f"                    {b['confidence']:<10} {b['cells']:>6}  {b['mean_confidence']:.4f}     "
              f"{b['right']:.4f}" for b in s["reliability"]]
    if scores.not_in_batch:
        lines.append(f"not in the batch:   {len(scores.not_in_batch)} documents with truth, not scored: "
                     + ", ".join(scores.not_in_batch))
    return lines


# --- two models on the same documents ----------------------------------------------------------


@dataclass
class ModelComparison:
    """What changes between two models' readings of the same documents."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # document, label, row by A, row by B
    cells: list[tuple[str, str, str, str]] = field(default_factory=list)  # document, cell, value by A, by B
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # model (A or B), document, reason
    not_reports: list[str] = field(default_factory=list)  # files neither model reads as a report: left out
    scores: dict[str, Scores] = field(default_factory=dict)  # A or B → scores, where truth is given


def compare_models(paths: list[Path], model_a: RowClassifier, model_b: RowClassifier,
                   truth: dict[str, dict] | None = None) -> ModelComparison:
    """Recover every document with model A and with model B (which may be the same); list the rows
    classified differently and the cells whose value or status changed — a document one model
    fails on changes every cell the other reads — and score each model on the documents with truth
    (a document it fails on scores no cell right)."""
    from .batch import find_inputs
    from .errors import UnreadableDocumentError
    from .pipeline import recover_file

    out = ModelComparison()
    cells_by_model: dict[str, dict[str, dict[str, dict]]] = {"A": {}, "B": {}}
    for item in find_inputs(paths):
        reports, errors = {}, {}
        for name, model in (("A", model_a), ("B", model_b)):
            try:
                reports[name] = recover_file(item.path, model)
                reports[name].document = item.name  # named as a batch names it
            except UnreadableDocumentError as e:
                errors[name] = e
        if len(errors) == 2 and all(e.reason == "not_a_report" for e in errors.values()) \
                and item.name not in (truth or {}):
            out.not_reports.append(item.name)  # a file beside the reports (a truth file, a notice)
            continue
        out.failed += [(name, item.name, str(error)) for name, error in errors.items()]
        for name in ("A", "B"):
            report = reports.get(name)
            cells_by_model[name][item.name] = cells_by_document(report.records()).get(item.name, {}) if report else {}
        a, b = reports.get("A"), reports.get("B")
        if not (a or b):
            continue
        rows_a = {(r.line, r.label): r.key for r in a.rows} if a else {}
        rows_b = {(r.line, r.label): r.key for r in b.rows} if b else {}
        for spot in sorted(set(rows_a) | set(rows_b)):
            if rows_a.get(spot) != rows_b.get(spot):
                out.rows.append((item.name, spot[1], rows_a.get(spot, "none"), rows_b.get(spot, "none")))
        cells_a, cells_b = (a.cells if a else {}), (b.cells if b else {})
        for key in cells_a.keys() | cells_b.keys():
            shown_a, shown_b = _shown(cells_a.get(key), a is None), _shown(cells_b.get(key), b is None)
            if shown_a != shown_b:
                out.cells.append((item.name, key, shown_a, shown_b))
    if truth:
        for name, cells in cells_by_model.items():
            out.scores[name] = score(truth, cells)
    out.cells.sort()
    return out


def _shown(cell, failed: bool) -> str:
    if failed:
        return "failed"
    return f"{cell.value} ({cell.status})" if cell else "-"
