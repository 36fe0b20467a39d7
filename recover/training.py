"""Training data for the row classifier: plain labelled files, and how they are made.

A training file is a tab-separated table, one row candidate a line: the document it came from,
its index there, the model's guess, its probability and the row ID the tool suggests (when a person
is labelling), the correct row ID in ``row``, the row's ``label`` and ``values`` as printed (spaces
kept, the numbers themselves, `` | `` between cells: for the person; the model does not read them),
then the fields :func:`recover.classify.describe` gives, the model's inputs (``own_label``: the
label without spaces; ``value_count`` and ``filled``: how many numbers and how many non-blank ones;
…).  Files under ``training_data/real`` hold hand-checked rows of real reports;
``training_data/synthetic`` holds rows of generated reports, labelled by the generator that
printed them.
"""
from __future__ import annotations

import csv
import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import schema
from .candidates import RowCandidate
from .classify import FIELDS, RowClassifier
from .model import save_model, sha256
from . import readers

# The model's inputs `label` and `values` are written as own_label and value_count: in the file a
# person reads `label` and `values` as printed.
FILE_COLUMN = {"label": "own_label", "values": "value_count"}
COLUMNS = ("document", "index", "template", "predicted", "probability", "suggested", "row", "label",
           "values") + tuple(FILE_COLUMN.get(f, f) for f in FIELDS)
_INT_FIELDS = ("position", "values", "filled")
VALUE_SEPARATOR = " | "  # between the printed numbers of a row: a blank cell stays visible


@dataclass
class LabelledRow:
    document: str
    index: int
    row: str
    description: dict
    template: str = ""
    predicted: str = ""
    probability: str = ""
    suggested: str = ""  # the row ID the tool suggests: the prediction, or what mends a broken identity
    source: str = ""  # file:line, for messages
    printed_label: str = ""  # the label as printed, spaces kept
    printed_values: str = ""  # the numbers as printed, VALUE_SEPARATOR between cells

    @property
    def source_kind(self) -> str:
        """"synthetic" for rows a generator labelled, "hand" for rows a person labelled."""
        return "synthetic" if self.document.startswith("synthetic_") else "hand"

    def as_record(self) -> dict:
        return {"document": self.document, "index": self.index, "template": self.template,
                "predicted": self.predicted, "probability": self.probability, "suggested": self.suggested,
                "row": self.row, "label": self.printed_label, "values": self.printed_values,
                **{FILE_COLUMN.get(k, k): v for k, v in self.description.items()}}

    @property
    def key(self) -> tuple:
        """What makes two lines the same row: its document, its place there, what it shows."""
        return self.document, self.index, tuple(sorted(self.description.items()))


class LabelError(ValueError):
    """A training file line whose label is not a row ID of its template."""


def write_rows(path: Path, rows: list[LabelledRow]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow(r.as_record())


def read_rows(path: Path, unlabelled: Counter | None = None) -> list[LabelledRow]:
    """Read one training file; refuse a label that is not a row ID of the line's template (any
    template where the line states none), naming the file and line.  Lines with no label yet are
    left out (and counted in ``unlabelled``, by file, where given).  A file written before the label
    and values were shown as printed (the model's inputs under their own names, ``printed`` and
    ``numbers`` beside them) reads too."""
    valid = {t: set(schema.row_keys(t)) | {schema.NOT_A_ROW} for t in schema.TEMPLATES}
    anywhere = set(schema.all_row_keys())
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        names = set(reader.fieldnames or [])
        older = "own_label" not in names and "label" in names
        column = {k: k if older else FILE_COLUMN.get(k, k) for k in FIELDS}
        printed_label, printed_values = ("printed", "numbers") if older else ("label", "values")
        missing = {"row", column["label"]} - names
        if missing:
            raise LabelError(f"{path}: not a training file (no column {', '.join(sorted(missing))})")
        for line, record in enumerate(reader, start=2):
            label = (record.get("row") or "").strip()
            if not label:
                if unlabelled is not None:
                    unlabelled[os.path.relpath(path)] += 1
                continue
            template = (record.get("template") or "").strip()
            if template and template not in valid:
                raise LabelError(f"{path}:{line}: template {template!r} is not one of {', '.join(schema.TEMPLATES)}")
            if label not in (valid[template] if template else anywhere):
                raise LabelError(f"{path}:{line}: {label!r} is not a row ID of template {template or '2019 or 2021'} "
                                 f"(row IDs look like requests/new, active/fees, appeals/*; '{schema.NOT_A_ROW}' "
                                 "for a line that is not a data row)")
            description = {k: record.get(column[k]) or "" for k in FIELDS}
            try:
                for k in _INT_FIELDS:
                    description[k] = int(description[k] or 0)
                index = int(record.get("index") or 0)
            except ValueError as e:
                raise LabelError(f"{path}:{line}: {e}") from e
            suggested = (record.get("suggested") or "").strip()
            if suggested not in anywhere:
                suggested = ""  # not a row ID: older files put the line's own place there
            rows.append(LabelledRow(record.get("document", ""), index, label, description, template,
                                    record.get("predicted", ""), record.get("probability", ""),
                                    suggested, f"{path}:{line}", record.get(printed_label, ""),
                                    record.get(printed_values, "")))
    return rows


def read_dir(*paths: Path, unlabelled: Counter | None = None) -> list[LabelledRow]:
    """Every labelled row under the given files and directories, each row once: where two lines
    are the same row, the one read later (a label file given after training_data/) wins."""
    rows: dict[tuple, LabelledRow] = {}
    for path in paths:
        files = sorted(Path(path).rglob("*.tsv")) if Path(path).is_dir() else [Path(path)]
        for file in files:
            for row in read_rows(file, unlabelled):
                rows.pop(row.key, None)  # re-inserted last: the later file's label, in its order
                rows[row.key] = row
    return list(rows.values())


# --- fitting and measuring ------------------------------------------------------------------


# A row labelled by hand counts this many times a generated one: there are few of them, and they
# are what the model has to get right (a new layout is learnt from a few dozen rows).
HAND_LABEL_WEIGHT = 20.0


def fit(rows: list[LabelledRow], seed: int = 0) -> RowClassifier:
    weights = [1.0 if r.source_kind == "synthetic" else HAND_LABEL_WEIGHT for r in rows]
    return RowClassifier(random_state=seed).fit([r.description for r in rows], [r.row for r in rows], weights)


@dataclass
class RowMetrics:
    accuracy: float
    per_row: dict[str, dict[str, float]]  # row ID → {"rows": n, "accuracy": a}
    confusions: list[tuple[str, str, int]]  # (true, predicted, count), most frequent first

    def as_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "per_row": self.per_row,
                "confusions": [{"true": t, "predicted": p, "count": n} for t, p, n in self.confusions]}


def measure(truth: list[str], predicted: list[str]) -> RowMetrics:
    per_row: dict[str, list[int]] = {}
    confusions: Counter = Counter()
    for t, p in zip(truth, predicted):
        stats = per_row.setdefault(t, [0, 0])
        stats[0] += 1
        stats[1] += t == p
        if t != p:
            confusions[(t, p)] += 1
    right = sum(s[1] for s in per_row.values())
    return RowMetrics(right / max(len(truth), 1),
                      {k: {"rows": s[0], "accuracy": round(s[1] / s[0], 4)} for k, s in sorted(per_row.items())},
                      [(t, p, n) for (t, p), n in confusions.most_common()])


def cross_validate(rows: list[LabelledRow], folds: int = 5, seed: int = 0) -> RowMetrics:
    """Accuracy on rows of documents held out of training, fold by fold (grouped by document)."""
    documents = sorted({r.document for r in rows})
    random.Random(seed).shuffle(documents)
    fold_of = {d: i % folds for i, d in enumerate(documents)}
    truth, predicted = [], []
    for k in range(folds):
        train_rows = [r for r in rows if fold_of[r.document] != k]
        test_rows = [r for r in rows if fold_of[r.document] == k]
        if not test_rows or not train_rows:
            continue
        model = fit(train_rows, seed)
        truth += [r.row for r in test_rows]
        predicted += list(model.predict([r.description for r in test_rows]))
    return measure(truth, predicted)


def held_out(rows: list[LabelledRow], seed: int = 0, documents: Sequence[Path] = ()) -> dict | None:
    """Confidence against what happened on documents never trained on: leave-one-document-out over
    the documents with hand-labelled rows.  Each is held out in turn and the model fitted on every
    other row; its rows are decoded as a report is (each row's probability against its label) and,
    where the document and its truth are in one of ``documents`` (folders with truth/ inside), it
    is recovered (each cell's confidence against the truth)."""
    from .errors import UnreadableDocumentError
    from .evaluate import Scores, calibration, cells_by_document, load_truth, score
    from .pipeline import recover_file

    hand = sorted({r.document for r in rows if r.source_kind == "hand"})
    if len(hand) < 2:
        return None
    readable: dict[str, tuple[Path, dict]] = {}  # document → its file and its truth
    for directory in map(Path, documents):
        for name, record in (load_truth(directory / "truth") if (directory / "truth").is_dir() else {}).items():
            if (directory / name).is_file():
                readable[name] = (directory / name, record)
    judged_rows, cell_scores, unmeasured = [], [], {}
    for document in hand:
        try:
            model = fit([r for r in rows if r.document != document], seed)
        except ValueError as e:  # the other rows alone cannot be fitted (a few lines, no label text)
            unmeasured[document] = f"the other rows cannot be fitted alone: {e}"
            continue
        own = sorted((r for r in rows if r.document == document), key=lambda r: r.index)
        decoding = model.decode([r.description for r in own], own[0].template or schema.TEMPLATES[0])
        judged_rows += [(p, key == r.row) for key, p, r in zip(decoding.keys, decoding.probabilities, own)]
        if document in readable:
            path, truth = readable[document]
            try:
                report = recover_file(path, model)
                report.document = document
                cells = cells_by_document(report.records())
            except UnreadableDocumentError:
                cells = {}
            cell_scores += score({document: truth}, {document: cells.get(document, {})}).documents
    if not judged_rows:
        return None
    cells_held_out = Scores(cell_scores)
    return {
        "method": f"leave-one-document-out over the {len(hand)} documents with hand-labelled rows: each held out "
                  "in turn, the model fitted on every other row",
        "unmeasured": unmeasured,
        "rows": {"documents": len(hand) - len(unmeasured), "rows": len(judged_rows),
                 "accuracy": round(sum(r for _, r in judged_rows) / len(judged_rows), 4), **calibration(judged_rows)},
        "cells": {"documents": len(cell_scores), "cells": sum(d.cells for d in cell_scores),
                  "accuracy": round(cells_held_out.cell_accuracy, 4), "silent_errors": cells_held_out.silent_errors,
                  "to_check": sum(d.to_check for d in cell_scores), **calibration(cells_held_out.judged)}
        if cell_scores else None,
    }


def train_and_save(data: list[Path], out: Path, seed: int = 0, folds: int = 5, documents: Sequence[Path] = (),
                   measure_held_out: bool = True) -> dict:
    """Fit on every labelled row under ``data``, measure by cross-validation and, where
    ``measure_held_out``, the confidence on documents held out (see :func:`held_out`; cells where
    ``documents`` hold the documents and their truth), and write the model with its card (JSON and
    Markdown)."""
    unlabelled: Counter = Counter()
    rows = read_dir(*data, unlabelled=unlabelled)
    if not rows:
        raise LabelError(f"no labelled rows under {', '.join(map(str, data))}"
                         + (f" ({sum(unlabelled.values())} lines have no label in the row column yet)"
                            if unlabelled else ""))
    metrics = cross_validate(rows, folds, seed) if folds > 1 else None
    calibrated = held_out(rows, seed, documents) if measure_held_out else None
    model = fit(rows, seed)
    files = sorted({p for d in data for p in (Path(d).rglob("*.tsv") if Path(d).is_dir() else [Path(d)])})
    card = {
        "model": "recover row classifier (character n-grams + layout features → logistic regression, "
                 "decoded jointly by dynamic programming)",
        "trained": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "parameters": model.get_params(),
        "templates": list(schema.TEMPLATES),
        # relative to where training ran: a card names no folder of the machine it was made on
        "training_files": [{"path": os.path.relpath(p), "sha256": sha256(p), "rows": len(read_rows(p))}
                           for p in files],
        "rows": len(rows),
        "documents": len({r.document for r in rows}),
        "rows_per_id": dict(sorted(Counter(r.row for r in rows).items())),
        "unlabelled": dict(sorted(unlabelled.items())),  # lines left out: no label yet
        "cross_validation": {"folds": folds, **metrics.as_dict()} if metrics else None,
        "held_out": calibrated,
    }
    card = save_model(model, out, card)
    out.with_suffix(".card.md").write_text(card_markdown(card), encoding="utf-8")
    return card


def card_markdown(card: dict) -> str:
    cv = card.get("cross_validation") or {}
    lines = [
        "# Model card: recover row classifier", "",
        f"- Model: {card['model']}",
        f"- File: `{card['model_file']}` (sha256 `{card['sha256']}`)",
        f"- Trained: {card['trained']} with scikit-learn {card['scikit_learn']}, seed {card['seed']}",
        f"- Templates: {', '.join(card['templates'])}",
        f"- Training data: {card['rows']} labelled rows from {card['documents']} documents", "",
        "## Training files", "", "| file | rows | sha256 |", "|---|---|---|",
        *[f"| `{f['path']}` | {f['rows']} | `{f['sha256'][:16]}…` |" for f in card["training_files"]], "",
    ]
    if cv:
        lines += [f"## Cross-validated accuracy ({cv['folds']} folds, grouped by document): {cv['accuracy']:.2%}", "",
                  "| row ID | rows | accuracy |", "|---|---|---|",
                  *[f"| `{k}` | {v['rows']} | {v['accuracy']:.2%} |" for k, v in cv["per_row"].items()], "",
                  "## Most frequent confusions", "", "| true | predicted | count |", "|---|---|---|",
                  *[f"| `{c['true']}` | `{c['predicted']}` | {c['count']} |" for c in cv["confusions"][:20]], ""]
    held = card.get("held_out")
    if held:
        lines += ["## Confidence on documents never trained on", "", f"Measured by {held['method']}.", ""]
        for what, measured in (("rows", held["rows"]), ("cells", held["cells"])):
            if not measured:
                continue
            noun = "row" if what == "rows" else "cell"
            confident = measured["confident_accuracy"]
            lines += [f"### {noun.capitalize()}s: {measured[what]} from {measured['documents']} documents, "
                      f"{measured['accuracy']:.2%} right", "",
                      f"Expected calibration error {measured['ece']:.4f}; {measured['confident']} {noun}s with "
                      f"confidence ≥ 0.99, right: " + ("none" if confident is None else f"{confident:.3%}")
                      + (f"; silent errors {measured['silent_errors']}, cells to check {measured['to_check']}"
                         if what == "cells" else ""), "",
                      "| confidence | count | mean confidence | right |", "|---|---|---|---|",
                      *[f"| {b['confidence']} | {b['cells']} | {b['mean_confidence']:.4f} | {b['right']:.2%} |"
                        for b in measured["reliability"]], ""]
    return "\n".join(lines)


# --- labelling real documents -------------------------------------------------------------------


def candidate_rows(path: Path, model: RowClassifier, prefill: bool = False) -> list[LabelledRow]:
    """A document's row candidates with the model's guess and probability, ready for a person
    to label in the ``row`` column (already filled with the suggestion when ``prefill``).
    ``suggested`` is the row ID the tool suggests: the model's guess, or, where the identities
    prove it wrong (another row ID mends an identity it breaks), that ID."""
    from .pipeline import classify_layout

    classified = classify_layout(readers.read(Path(path).read_bytes())[0], model)
    template = classified.choice.template
    mends = identity_suggestions(classified)
    rows = []
    for i, (c, d, key, p) in enumerate(zip(classified.candidates, classified.descriptions,
                                           classified.decoding.keys, classified.decoding.probabilities)):
        suggested = mends.get(i, key)
        rows.append(LabelledRow(Path(path).name, i, suggested if prefill else "", d, template, key, f"{p:.3f}",
                                suggested, printed_label=c.printed_label, printed_values=printed_values(c)))
    return rows


def printed_values(candidate: RowCandidate) -> str:
    """A row candidate's numbers as printed, for a person reading a label file."""
    return VALUE_SEPARATOR.join(v.text.strip() for v in candidate.values)


def identity_suggestions(classified, alternatives: int = 3) -> dict[int, str]:
    """Candidate index → a row ID that, put in place of the classifier's, leaves fewer identities
    broken.  Tries each classified row of a table with identities against its next most probable
    IDs (swapping with the row that holds one, if any)."""
    from .cells import AssignedRow
    from .reconcile import reconcile
    from .reconcile.identities import broken_identities

    template = classified.choice.template
    rows = classified.rows
    broken = len(broken_identities(template, reconcile(template, rows)))
    if not broken:
        return {}
    order = set(schema.row_keys(template))
    column = {k: j for j, k in enumerate(classified.classes)}
    out: dict[int, str] = {}
    for i, row in enumerate(rows):
        table = row.key.split("/")[0]
        if table == "active":
            continue  # no identities to tell
        probabilities = classified.proba[row.candidate.index]
        options = sorted((k for k in order if k.startswith(table + "/") and k != row.key and k in column),
                         key=lambda k: -probabilities[column[k]])[:alternatives]
        for option in options:
            changed = list(rows)
            holder = next((j for j, r in enumerate(rows) if r.key == option), None)
            changed[i] = AssignedRow(option, row.candidate, float(probabilities[column[option]]))
            if holder is not None:
                changed[holder] = AssignedRow(row.key, rows[holder].candidate, rows[holder].probability)
            if len(broken_identities(template, reconcile(template, changed))) < broken:
                out[row.candidate.index] = option
                break
    return out
