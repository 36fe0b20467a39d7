"""Scoring a batch's cells.csv against ground truth.

Truth files are JSON, one per document: ``document``, ``template`` and ``cells`` (cell key →
value); only the cells listed are scored.  A cell is *flagged* when its status is unknown or
it carries a flag; a *silent error* is a wrong cell that is not flagged.
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


@dataclass
class DocumentScore:
    document: str
    template_right: bool | None
    cells: int = 0
    right: int = 0
    silent: int = 0
    flagged_wrong: int = 0
    flagged_right: int = 0
    missing: bool = False  # no cells for the document at all
    wrong_cells: list[str] = field(default_factory=list)


@dataclass
class Scores:
    documents: list[DocumentScore]

    def _sum(self, name: str) -> int:
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
        }


def load_truth(directory: Path) -> dict[str, dict]:
    truth = {}
    for path in sorted(Path(directory).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        truth[record["document"]] = record
    return truth


def load_cells(path: Path) -> dict[str, dict[str, dict]]:
    with open(path, encoding="utf-8", newline="") as f:
        return cells_by_document(csv.DictReader(f))


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


def score(truth: dict[str, dict], cells: dict[str, dict[str, dict]]) -> Scores:
    documents = []
    for name, record in truth.items():
        found = cells.get(name, {})
        templates = {row["template"] for row in found.values()}
        d = DocumentScore(name, template_right=record.get("template") in templates if found else False,
                          missing=not found)
        for key, expected in record["cells"].items():
            d.cells += 1
            row = found.get(key)
            right = row is not None and same_value(expected, row["value"])
            flagged = row is None or row["status"] == "unknown" or bool(row["flags"])
            if right:
                d.right += 1
                d.flagged_right += flagged
            else:
                d.wrong_cells.append(key)
                d.flagged_wrong += flagged
                d.silent += not flagged
        documents.append(d)
    return Scores(documents)


def report_lines(scores: Scores) -> list[str]:
    lines = []
    for d in scores.documents:
        lines.append(f"{d.document}: {d.right}/{d.cells} right"
                     + (", template wrong" if not d.template_right else "")
                     + (f", {d.silent} silent" if d.silent else "")
                     + (", no cells in the batch" if d.missing else "")
                     + (f"; wrong: {', '.join(d.wrong_cells[:6])}" + (" …" if len(d.wrong_cells) > 6 else "")
                        if d.wrong_cells else ""))
    s = scores.summary()
    lines += [
        f"documents:          {s['documents']} ({s['cells']} cells)",
        f"cell accuracy:      {s['cell_accuracy']:.2%}",
        f"document exact:     {s['document_exact']:.2%}",
        f"template accuracy:  {s['template_accuracy']:.2%}",
        f"silent errors:      {s['silent_errors']} (wrong and not flagged)",
        f"flag recall:        {s['flag_recall']:.2%} (wrong cells that are flagged)",
        f"false-flag rate:    {s['false_flag_rate']:.2%} (right cells that are flagged)",
    ]
    return lines


# --- two models on the same documents ----------------------------------------------------------


@dataclass
class ModelComparison:
    """What changes between two models' readings of the same documents."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # document, label, row by A, row by B
    cells: list[tuple[str, str, str, str]] = field(default_factory=list)  # document, cell, value by A, by B
    failed: list[tuple[str, str]] = field(default_factory=list)  # document, reason
    scores: dict[str, Scores] = field(default_factory=dict)  # model name → scores, where truth is given


def compare_models(paths: list[Path], models: dict[str, RowClassifier], truth: dict[str, dict] | None = None
                   ) -> ModelComparison:
    """Recover every document with each of two models; list the rows classified differently and
    the cells whose value or status changed, and score each model where there is truth."""
    from .batch import find_inputs
    from .errors import UnreadableDocumentError
    from .pipeline import recover_file

    (name_a, model_a), (name_b, model_b) = models.items()
    out = ModelComparison()
    cells_by_model: dict[str, dict[str, dict[str, dict]]] = {name_a: {}, name_b: {}}
    for item in find_inputs(paths):
        try:
            a, b = recover_file(item.path, model_a), recover_file(item.path, model_b)
        except UnreadableDocumentError as e:
            out.failed.append((item.name, str(e)))
            continue
        a.document = b.document = item.name  # named as a batch names it
        rows_a = {(r.line, r.label): r.key for r in a.rows}
        rows_b = {(r.line, r.label): r.key for r in b.rows}
        for spot in sorted(set(rows_a) | set(rows_b)):
            if rows_a.get(spot) != rows_b.get(spot):
                out.rows.append((item.name, spot[1], rows_a.get(spot, "none"), rows_b.get(spot, "none")))
        for key in a.cells.keys() | b.cells.keys():
            ca, cb = a.cells.get(key), b.cells.get(key)
            shown_a = f"{ca.value} ({ca.status})" if ca else "-"
            shown_b = f"{cb.value} ({cb.status})" if cb else "-"
            if shown_a != shown_b:
                out.cells.append((item.name, key, shown_a, shown_b))
        for name, report in ((name_a, a), (name_b, b)):
            cells_by_model[name].update(cells_by_document(report.records()))
    if truth:
        for name, cells in cells_by_model.items():
            out.scores[name] = score({d: t for d, t in truth.items() if d in cells}, cells)
    out.cells.sort()
    return out
