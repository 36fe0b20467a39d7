"""What recovering one document gives: every cell of the standard matrix with its status,
confidence and flags, plus the document's outcome."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .cells import UNKNOWN, CellResult
from .schema import CSV_COLUMNS
from .values import format_value, parse_value
OK, FLAGGED, FAILED = "ok", "flagged", "failed"


@dataclass
class RowMatch:
    """A printed row and the canonical row the classifier gave it, for inspection."""

    key: str
    label: str
    probability: float
    values: list[str]
    line: int


@dataclass
class Report:
    document: str
    template: str | None = None
    cells: dict[str, CellResult] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # about the whole document
    error: str = ""
    kind: str = ""
    encoding: str = ""
    notes: list[str] = field(default_factory=list)  # how it was read (pages OCR'd, readings used)
    rows: list[RowMatch] = field(default_factory=list)
    agency: str = ""  # as the report names itself (or a manifest says)
    year: int | None = None  # the year reported on

    @property
    def outcome(self) -> str:
        if self.error or not self.cells:
            return FAILED
        return FLAGGED if self.flagged_cells or self.flags else OK

    @property
    def flagged_cells(self) -> int:
        return sum(1 for c in self.cells.values() if c.flags or c.status == UNKNOWN)

    def value(self, key: str):
        """The recovered value of ``table/row/col`` (None where unknown)."""
        return self.cells[key].value

    def records(self) -> list[dict]:
        """One dict per cell with cells.csv's columns."""
        out = []
        for key, cell in self.cells.items():
            table, row, col = key.split("/")
            out.append({
                "document": self.document, "template": self.template, "table": table, "row": row, "col": col,
                "value": format_value(cell.value), "status": cell.status,
                "confidence": f"{cell.confidence:.3f}", "flags": ";".join(cell.flags),
            })
        return out

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
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "kind": self.kind,
            "encoding": self.encoding,
            "notes": self.notes,
            "flags": self.flags,
            "cells": {key: {"value": format_value(c.value) or None, "status": c.status,
                            "confidence": round(c.confidence, 3), "flags": c.flags, "printed": c.printed}
                      for key, c in self.cells.items()},
            "rows": [vars(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        """The report :meth:`to_dict` wrote (a batch reads its finished documents back this way)."""
        cells = {key: CellResult(parse_value(c["value"] or "", amount=True).value if c["value"] is not None else None,
                                 c["status"], c["confidence"], list(c["flags"]), c.get("printed", ""))
                 for key, c in data.get("cells", {}).items()}
        for key, cell in cells.items():  # counts come back as int, amounts as Decimal
            if isinstance(cell.value, Decimal) and not key.endswith("/amount"):
                cell.value = int(cell.value)
        return cls(document=data["document"], template=data.get("template"), cells=cells,
                   flags=list(data.get("flags", [])), error=data.get("error", ""), kind=data.get("kind", ""),
                   encoding=data.get("encoding", ""), notes=list(data.get("notes", [])),
                   rows=[RowMatch(**r) for r in data.get("rows", [])], agency=data.get("agency", ""),
                   year=data.get("year"))

    def table(self, table: str) -> dict[str, dict[str, object]]:
        """One table as {row: {col: value}}, for a quick look."""
        out: dict[str, dict[str, object]] = {}
        for key, cell in self.cells.items():
            t, row, col = key.split("/")
            if t == table:
                out.setdefault(row, {})[col] = cell.value
        return out

