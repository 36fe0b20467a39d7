"""What recovering one document gives: every cell of the standard matrix with its status,
confidence and flags, plus the document's outcome."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import schema
from .cells import STATUSES, UNKNOWN, CellResult, doubts, flag
from .schema import CSV_COLUMNS
from .values import format_value, parse_value
OK, FLAGGED, FAILED, NOT_A_REPORT = "ok", "flagged", "failed", "not_a_report"
OUTCOMES = {
    OK: "every cell printed or inferred, nothing in doubt",
    FLAGGED: "read, with some cells unknown or flagged (main_doubt says the chief reason)",
    FAILED: "a report that could not be read (error says why)",
    NOT_A_REPORT: "a readable document that holds none of the standard tables",
}


@dataclass
class RowMatch:
    """A printed row and the canonical row the classifier gave it, for inspection."""

    key: str
    label: str
    probability: float
    values: list[str]
    line: int
    index: int | None = None  # the candidate's place among the document's row candidates


@dataclass(frozen=True)
class Doubt:
    """A cell in doubt: its value and status, its flags and, in words, why it is in doubt."""

    key: str
    value: int | Decimal | None
    status: str
    flags: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(repr=False)
class Report:
    """One document's three tables, recovered cell by cell.

    ``cells`` maps every cell of the template (``table/row/col``, as SCHEMA.md names them) to a
    :class:`~recover.cells.CellResult` (value, status, confidence, flags, the text printed).
    ``outcome`` is ``ok``, ``flagged``, ``failed`` or ``not_a_report`` (see :data:`OUTCOMES`);
    :meth:`cells_in_doubt` lists the doubtful cells with their reasons in words and
    :attr:`main_doubt` sums them up in a phrase.  :meth:`to_frame`, :meth:`to_dict`,
    :meth:`to_json` and :meth:`to_excel` export it; :meth:`value` reads one cell.
    """

    document: str
    template: str | None = None
    cells: dict[str, CellResult] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # about the whole document
    error: str = ""
    error_reason: str = ""  # recover.errors.REASONS' key for a document not read
    kind: str = ""
    encoding: str = ""
    notes: list[str] = field(default_factory=list)  # how it was read (pages OCR'd, readings used)
    rows: list[RowMatch] = field(default_factory=list)
    agency: str = ""  # as the report names itself (or a manifest says)
    year: int | None = None  # the year reported on

    def __repr__(self) -> str:
        if self.error:
            return f"<Report {self.document}: {self.outcome}: {self.error}>"
        return (f"<Report {self.document}: template {self.template}, {self.outcome}, {len(self.cells)} cells, "
                f"{self.flagged_cells} in doubt>")

    @property
    def outcome(self) -> str:
        if self.error_reason == "not_a_report":
            return NOT_A_REPORT
        if self.error or not self.cells:
            return FAILED
        return FLAGGED if self.flagged_cells or self.flags else OK

    @property
    def flagged_cells(self) -> int:
        """How many cells are in doubt (unknown, or with a flag that marks doubt): the cells to
        check; :meth:`cells_in_doubt` lists them."""
        return sum(1 for c in self.cells.values() if c.status == UNKNOWN or c.flags and doubts(c.flags))

    def cells_in_doubt(self) -> list[Doubt]:
        """Every cell that is unknown or has a flag that marks doubt, in printed order, with the
        reasons in words."""
        out = []
        for key, cell in self.cells.items():
            if doubts(cell.flags) or cell.status == UNKNOWN:
                out.append(Doubt(key, cell.value, cell.status, tuple(cell.flags), tuple(reasons_in_words(cell))))
        return out

    @property
    def main_doubt(self) -> str:
        """The chief reason the document is flagged, in a phrase ("cut off after 行政许可",
        "published totals do not add up: …"); empty for a document that is ok or not read."""
        if self.outcome != FLAGGED:
            return ""
        keys = list(self.cells)
        cut = [k for k in keys if "truncated" in self.cells[k].flags or "row_cut_off" in self.cells[k].flags]
        if cut:
            read = [k for k in keys[:keys.index(cut[0])] if self.cells[k].status != UNKNOWN]
            after = schema.row(self.template, read[-1].rsplit("/", 1)[0]).label if read else "its title"
            unread = sum(1 for c in self.cells.values() if c.status == UNKNOWN)
            return f"cut off after {after}: {unread} cells not printed"
        missing = list(dict.fromkeys(k.split("/")[0] for k in keys if "table_missing" in self.cells[k].flags))
        if missing:
            return "no table " + ", ".join(schema.TABLE_TITLES[t] for t in missing)
        broken = Counter(f for c in self.cells.values() for f in c.flags if f.startswith("identity_broken:"))
        if broken:
            kind, count = broken.most_common(1)[0]
            return (f"published totals do not add up (identity {schema.IDENTITY_KINDS[kind.split(':', 1)[1]]}): "
                    f"{count} cells")
        reasons = Counter(f for c in self.cells.values() for f in doubts(c.flags))
        if reasons:
            name, count = reasons.most_common(1)[0]
            return f"{count} {'cell' if count == 1 else 'cells'}: {flag(name).meaning}"
        if self.flags:
            return flag(self.flags[0]).meaning
        unknown = sum(1 for c in self.cells.values() if c.status == UNKNOWN)
        return f"{unknown} {'cell' if unknown == 1 else 'cells'}: {STATUSES[UNKNOWN]}"

    def value(self, key: str):
        """The recovered value of ``table/row/col`` (None where unknown)."""
        return self.cells[key].value

    def records(self) -> list[dict]:
        """One dict per cell with cells.csv's columns."""
        return [dict(zip(CSV_COLUMNS, row)) for row in self.csv_rows()]

    def csv_rows(self) -> list[tuple]:
        """One row per cell with cells.csv's columns, in their order."""
        return [(self.document, self.template, *key.split("/"), format_value(cell.value), cell.status,
                 f"{cell.confidence:.3f}", ";".join(cell.flags))
                for key, cell in self.cells.items()]

    def to_frame(self):
        """The cells as a pandas DataFrame (value as a number, NaN where unknown)."""
        import pandas as pd

        frame = pd.DataFrame(self.records(), columns=CSV_COLUMNS)
        frame["value"] = pd.to_numeric(frame["value"].replace("", None))
        frame["confidence"] = frame["confidence"].astype(float)
        return frame

    def to_dict(self) -> dict:
        """Everything, JSON-ready: the outcome, the cells and the rows as classified."""
        return {
            "document": self.document,
            "outcome": self.outcome,
            "error": self.error,
            "error_reason": self.error_reason,
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "kind": self.kind,
            "encoding": self.encoding,
            "notes": self.notes,
            "flags": self.flags,
            "cells": {key: {"value": _json_value(c.value), "status": c.status,
                            "confidence": round(c.confidence, 3), "flags": c.flags, "printed": c.printed,
                            "source": c.source, "alternatives": c.alternatives}
                      for key, c in self.cells.items()},
            "rows": [vars(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        """The report :meth:`to_dict` wrote (a batch reads its finished documents back this way);
        files written before values were typed (numbers as strings) are read too."""
        cells = {key: CellResult(_parsed_value(key, c["value"]), c["status"], c["confidence"], list(c["flags"]),
                                 c.get("printed", ""), source=c.get("source"),
                                 alternatives=list(c.get("alternatives", [])))
                 for key, c in data.get("cells", {}).items()}
        return cls(document=data["document"], template=data.get("template"), cells=cells,
                   flags=list(data.get("flags", [])), error=data.get("error", ""),
                   error_reason=data.get("error_reason", ""), kind=data.get("kind", ""),
                   encoding=data.get("encoding", ""), notes=list(data.get("notes", [])),
                   rows=[RowMatch(**r) for r in data.get("rows", [])], agency=data.get("agency", ""),
                   year=data.get("year"))

    def to_json(self, path: str | Path) -> None:
        """Write :meth:`to_dict` as a UTF-8 JSON file."""
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def to_excel(self, path: str | Path) -> None:
        """Write the three tables as printed to an .xlsx workbook, one sheet each: doubtful cells
        yellow, unknown ones red, inferred ones blue, the reasons in words in a note."""
        from .excel import workbook

        Path(path).write_bytes(workbook(self))

    def table(self, table: str) -> dict[str, dict[str, object]]:
        """One table as {row: {col: value}}, for a quick look."""
        out: dict[str, dict[str, object]] = {}
        for key, cell in self.cells.items():
            t, row, col = key.split("/")
            if t == table:
                out.setdefault(row, {})[col] = cell.value
        return out



def reasons_in_words(cell: CellResult) -> list[str]:
    """Why a cell is in doubt, one phrase a flag (from the flag table), for a person to read."""
    reasons = [f"{flag(f).meaning} ({f})" for f in cell.flags]
    if cell.status == UNKNOWN and not cell.flags:
        reasons.append(STATUSES[UNKNOWN])
    return reasons


def _json_value(value: int | Decimal | None) -> int | float | None:
    """A value as a JSON number: a count as an integer, an amount (万元) as a decimal number."""
    if value is None or isinstance(value, int):
        return value
    return float(format_value(value))


def _parsed_value(key: str, value) -> int | Decimal | None:
    """A value read back from JSON: counts as int, amounts as Decimal (exactly as written);
    a string is a value from a file written before values were typed."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = parse_value(value, amount=True).value
    elif isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value) if schema.is_amount(key) else int(value)
