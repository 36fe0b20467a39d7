"""One document through the three stages: extract → classify → reconcile."""
from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .agency import agency_and_year
from typing import TYPE_CHECKING

from .errors import UnreadableDocumentError
from . import readers
from .candidates import RowCandidate, find_candidates
from .cells import FLAGS, AssignedRow
from .layout import Layout
from .model import scorer_of
from .narrative import stated_figures
from .reconcile import reconcile
from .reconcile.readings import readings_of
from .report import Report, RowMatch
from .template import TemplateChoice, choose

if TYPE_CHECKING:
    from .classify import RowClassifier
    from .scoring import Decoding, RowScorer

# The largest file read at all: a scanned report of many pages can reach a few hundred MB.
MAX_FILE_BYTES = 500_000_000
# A document counts as a report once it prints this many consecutive rows of one standard table,
# each recognised with this probability and printing a cell for each of its columns, or MIN_RUN
# consecutive rows however few numbers each prints.
MIN_ROWS, MIN_RUN, MIN_PROBABILITY = 2, 5, 0.5
# A row recognised with this probability is sure enough to place the OCR'd rows between two such.
PLACING_PROBABILITY = 0.9


def recover_file(path: str | Path, model: RowClassifier | RowScorer | None = None) -> Report:
    """Recover the tables of the report at ``path`` (text, HTML, PDF, DOCX or image), with the
    shipped model or ``model`` (a :class:`~recover.classify.RowClassifier`, or its scorer).

    Raises :class:`FileNotFoundError` if there is no file at ``path``, and
    :class:`UnreadableDocumentError` (with its ``reason``) if it cannot be read as a report.
    """
    return recover_bytes(read_document(path), Path(path).name, model)


def read_document(path: str | Path) -> bytes:
    """A document's bytes, refusing what is not a regular file or too large to be one report."""
    path = Path(path)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a pipe or device would block or never end
            raise UnreadableDocumentError(f"{path} is not a regular file (a folder, named pipe or device)",
                                          reason="not_a_file")
        if status.st_size > MAX_FILE_BYTES:
            raise UnreadableDocumentError(f"{status.st_size / 1e6:.0f} MB is too large to be one report "
                                          f"(the limit is {MAX_FILE_BYTES // 1_000_000} MB)", reason="too_large")
        return path.read_bytes()
    except FileNotFoundError:
        raise  # it names the path; a caller checks for a missing file as for any other
    except OSError as e:
        raise UnreadableDocumentError(f"cannot read {path}: {e.strerror or e}", reason="unreadable_file") from e


def recover_text(text: str, name: str = "text", model: RowClassifier | RowScorer | None = None) -> Report:
    """Recover the tables from a report's text (plain text or HTML)."""
    return recover_bytes(text.encode("utf-8"), name, model)


def recover_bytes(data: bytes, name: str = "document", model: RowClassifier | RowScorer | None = None) -> Report:
    """Recover the readings of a document one by one (a PDF has several, best first) until the
    tables are read without doubt; for one still in doubt, ask for a second opinion."""
    layouts = readers.read(data)
    reports: list[Report] = []
    report = None
    for layout in layouts:
        reports += _recover_each([layout], name, model, required=False)
        if reports:
            report = merge_readings(reports, name)
            if not _in_doubt(report):
                return report
    if report is None:  # no reading holds the tables: this raises the first reading's reason
        report = merge_readings(_recover_each(layouts, name, model), name)
    extra = _recover_each(readers.second_opinion(data, report.kind), name, model, required=False)
    if extra:
        report = merge_readings(reports + extra, name)
    return report


def _recover_each(layouts: list[Layout], name: str, model: RowClassifier | RowScorer | None,
                  required: bool = True) -> list[Report]:
    reports, errors = [], []
    for layout in layouts:
        try:
            reports.append(recover_layout(layout, name, model))
        except UnreadableDocumentError as e:
            errors.append(e)
    if not reports and required:
        raise errors[0]
    return reports


def merge_readings(reports: list[Report], name: str) -> Report:
    """One report from several readings of a document: each table from the reading that reads it
    best (cells with values, fewest in doubt), all readings agreeing on the template."""
    if len(reports) == 1:
        return reports[0]
    best = max(reports, key=lambda r: sum(_table_score(r, t) for t in schema.TABLES))
    same = [r for r in reports if r.template == best.template]
    merged = Report(document=name, template=best.template, flags=best.flags, kind=best.kind,
                    encoding=best.encoding, agency=best.agency, year=best.year)
    for table in schema.TABLES:
        source = max(same, key=lambda r: _table_score(r, table))
        merged.cells.update({k: c for k, c in source.cells.items() if k.startswith(table + "/")})
        merged.rows += [r for r in source.rows if r.key.startswith(table + "/")]
        merged.notes.append(f"{table}: {', '.join(source.notes) or source.kind} reading")
    merged.cells = {k: merged.cells[k] for k in best.cells}  # the template's printed order
    return merged


# Flags that say a reading could not place the printed numbers (rather than that the document
# lacks something): where one remains, another reading of the document is worth a try.
READING_DOUBTS = frozenset(f.name for f in FLAGS if f.reading)


def _in_doubt(report: Report) -> bool:
    return any(f in READING_DOUBTS for c in report.cells.values() for f in c.flags)


def _table_score(report: Report, table: str) -> float:
    """How well a reading reads one table: cells with a value, less those in doubt."""
    score = 0.0
    for key, cell in report.cells.items():
        if key.startswith(table + "/"):
            score += (cell.value is not None) - 0.5 * bool(cell.flags) \
                - sum(f.startswith("identity_broken") for f in cell.flags)
    return score


@dataclass
class Classified:
    """A document's row candidates, the template chosen, and the row each candidate got."""

    candidates: list[RowCandidate]
    descriptions: list[dict]
    choice: TemplateChoice
    decoding: Decoding
    proba: object = None  # the classifier's probabilities, candidates × classes
    classes: tuple = ()
    text: str = ""  # the layout's words (Layout.text), which the later stages read too

    @property
    def rows(self) -> list[AssignedRow]:
        placed = self.placed()
        contested = self.contested(placed)
        out: list[AssignedRow] = []
        for i, (c, key, p) in enumerate(zip(self.candidates, self.decoding.keys, self.decoding.probabilities)):
            if key != schema.NOT_A_ROW:
                key, p = self._as_group(i, key, p, {r.key for r in out})
                out.append(AssignedRow(key, c, p, key in contested, i in placed))
        return out

    def placed(self) -> set[int]:
        """The OCR'd candidates the form's order places: between two rows recognised surely, the
        form has as many rows as the candidates the joint reading gave them, and no candidate left
        between prints as many numbers as one of those rows has cells.  A scan may have lost a
        label's numbering or its thin strokes (a fax's (一) reads "()"); where it sits in the table
        still says which row it is.  A printed text's label is what the agency printed."""
        keys, order = self.decoding.keys, schema.row_keys(self.choice.template)
        named = [i for i, key in enumerate(keys) if key != schema.NOT_A_ROW]
        sure = [i for i in named if self.decoding.probabilities[i] >= PLACING_PROBABILITY]
        out: set[int] = set()
        for before, after in zip(sure, sure[1:]):
            between = [i for i in named if before < i < after]
            slots = order[order.index(keys[before]) + 1:order.index(keys[after])]
            if not between or len(between) != len(slots):
                continue
            fewest = min(len(schema.printed_cells(self.choice.template, key)) for key in slots)
            if any(len(self.candidates[i].values) >= fewest for i in range(before + 1, after) if i not in between):
                continue
            out |= {i for i in between if any(v.ocr for v in self.candidates[i].values)}
        return out

    def _as_group(self, i: int, key: str, probability: float, taken: set[str]) -> tuple[str, float]:
        """A sub-row of the template that is printed as the other template's one group row
        (a hybrid form's （六）其他处理) becomes that group row."""
        for group, subs in schema.GROUP_ROWS.get(self.choice.template, {}).items():
            if key in subs and group in self.classes and group not in taken and self.candidates[i].values \
                    and self.proba is not None:
                from numpy import asarray  # loaded already: the scorer made these probabilities

                p = float(asarray(self.proba)[i, self.classes.index(group)])
                if p > max(probability, MIN_PROBABILITY):
                    return group, p
        return key, probability

    def contested(self, placed: set[int] | frozenset[int] = frozenset()) -> set[str]:
        """The canonical rows whose reading is in doubt because two candidates wanted them —
        unless both print the same numbers (a table repeated), when either reading gives the same,
        or the form's order places both (``placed``)."""
        keys = self.decoding.keys
        holder = {key: i for i, key in enumerate(keys) if key != schema.NOT_A_ROW}
        out: set[str] = set()
        for i, wanted in self.decoding.contests:
            if _numbers(self.candidates[i]) == _numbers(self.candidates[holder[wanted]]) or \
                    {i, holder[wanted]} <= placed:
                continue
            out |= {wanted, keys[i]} - {schema.NOT_A_ROW}
        return out


def _numbers(candidate: RowCandidate) -> list[str]:
    return [v.text for v in candidate.values]


def classify_layout(layout: Layout, model: RowClassifier | RowScorer | None = None) -> Classified:
    """Stages 1 and 2: find the row candidates, choose the template, name every row."""
    from .scoring import decode, describe  # numpy loads with the first document, not with the CLI

    scorer = scorer_of(model)
    candidates = find_candidates(layout)
    if not candidates:
        raise UnreadableDocumentError("no table rows found: not a 政府信息公开工作年度报告, or its tables are images",
                                      reason="not_a_report")
    descriptions = describe(candidates)
    proba = scorer.predict_proba(descriptions)  # one call for the whole document
    text = layout.text()
    choice, decoding = choose(text, lambda template: decode(scorer.classes_, proba, template))
    return Classified(candidates, descriptions, choice, decoding, proba, tuple(scorer.classes_), text)


def _prints_a_table(template: str, rows: list[AssignedRow]) -> bool:
    """Whether the document lays out a standard table: consecutive candidates recognised as rows of
    one table, MIN_ROWS of them each printing a cell for each of its columns, or MIN_RUN however
    few numbers each prints (a copy that lost its blanks).  Prose that only names the rows (a
    manifest, a notice) has them scattered, a number or a quoted run each."""
    full = run = 0
    last = None
    for row in rows:  # in the document's order
        if row.probability < MIN_PROBABILITY:
            full = run = 0
            last = None
            continue
        follows = last is not None and row.candidate.index == last.candidate.index + 1 \
            and row.key.split("/")[0] == last.key.split("/")[0]
        run = run + 1 if follows else 1
        full = (full + 1 if follows else 1) if _fills_its_columns(template, row) else 0
        last = row
        if full >= MIN_ROWS or run >= MIN_RUN:
            return True
    return False


def _fills_its_columns(template: str, row: AssignedRow) -> bool:
    """Whether the row prints a cell for each of its columns (a grid's blanks hold their places),
    or a run of digits that cuts into them one way only."""
    if len(row.candidate.values) >= len(schema.printed_cells(template, row.key)):
        return True
    readings = readings_of(template, row)
    return len(readings) == 1 and readings[0].how == "split"


def recover_layout(layout: Layout, name: str, model: RowClassifier | RowScorer | None = None) -> Report:
    classified = classify_layout(layout, model)
    choice, rows = classified.choice, classified.rows
    if not _prints_a_table(choice.template, rows):
        raise UnreadableDocumentError("none of the three standard tables was found", reason="not_a_report")
    text = classified.text
    cells = reconcile(choice.template, rows, stated_figures(text))
    for cell in cells.values():
        cell.flag(*choice.flags)
    agency, year = agency_and_year(text)
    return Report(
        document=name, template=choice.template, cells=cells, flags=list(choice.flags),
        kind=layout.kind, encoding=layout.encoding, notes=list(layout.notes), agency=agency, year=year,
        rows=[RowMatch(r.key, r.candidate.own_label, round(r.probability, 3),
                       _numbers(r.candidate), r.candidate.line, r.candidate.index) for r in rows],
    )
