"""The vocabulary every stage shares: a recovered cell, a classified row, the statuses, and the
one table of flags — each flag's name, what it means to a reader, and whether it marks doubt
or only informs.  README's flag table and ``recover flags`` are printed from :data:`FLAGS`."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from . import schema

if TYPE_CHECKING:
    from .candidates import RowCandidate

PRINTED, INFERRED, UNKNOWN, REVIEWED = "printed", "inferred", "unknown", "reviewed"
STATUSES = {
    PRINTED: "read from the document",
    INFERRED: "left blank or not printed, and forced by the identities",
    UNKNOWN: "not printed and not forced: the value is empty",
    REVIEWED: "set or confirmed by a person's correction",
}


@dataclass(frozen=True)
class Flag:
    """A reason a cell may be wrong (``doubt``), or a note on how it was read (not ``doubt``).
    ``reading`` flags say the printed numbers could not be placed with certainty: another
    reading of the same document (a PDF's) may settle them."""

    name: str
    meaning: str
    doubt: bool = True
    reading: bool = False


_IDENTITY_FLAGS = tuple(
    Flag(f"identity_broken:{kind}", f"identity {meaning} — fails on this cell, and some of the cells it "
                                    "joins were read with doubt: the reading may be wrong")
    for kind, meaning in schema.IDENTITY_KINDS.items()) + tuple(
    Flag(f"identity_broken_as_printed:{kind}", f"identity {meaning} — fails on numbers read without doubt: "
                                               "the published table's own arithmetic, kept as printed", doubt=False)
    for kind, meaning in schema.IDENTITY_KINDS.items())

FLAGS: tuple[Flag, ...] = (
    Flag("table_missing", "the document has no such table"),
    Flag("row_missing", "the table is there but this row was not found"),
    Flag("truncated", "the document ends before this cell"),
    Flag("blank", "printed blank, and no identity forces a value"),
    Flag("ocr_unconfirmed", "read by OCR and not (yet) confirmed by an identity"),
    Flag("ocr_repaired", "read by OCR as letters (O, l, S…) or a digit the identities proved wrong, and repaired"),
    Flag("value_unparsed", "the printed text is not a number", reading=True),
    Flag("value_too_long", "a run of more digits than any cell holds (many values run together): not read",
         reading=True),
    Flag("unit_converted", "printed in 元, converted to 万元", doubt=False),
    Flag("sign_garbled", "a garbled sign: `+-3` read as 3, `--253` as −253 (a change's `--253` is read as "
                         "a minus unflagged)"),
    Flag("value_negative", "a negative count"),
    Flag("leading_zero", "a count printed with a leading zero (`01`): most likely the digits of two cells run "
                         "together", reading=True),
    Flag("unit_unexpected", "元 in a count column"),
    Flag("shift_repaired", "a stray empty cell was dropped to line values up"),
    Flag("split_ambiguous", "digits run together split several ways the identities allow", reading=True),
    Flag("placement_ambiguous", "fewer numbers than columns, and which columns they fill is unclear", reading=True),
    Flag("extra_values", "more numbers than the row has columns", reading=True),
    Flag("value_count_mismatch", "fewer numbers than columns, and no placement fits", reading=True),
    Flag("reading_ambiguous", "the row's numbers can be read several ways the identities allow", reading=True),
    Flag("row_cut_off", "the document ends inside this row: its numbers are read in order, but one "
                        "may be missing before the cut or the last cut short, and nothing printed rules it out"),
    Flag("row_low_confidence", "the classifier was unsure which row this is", reading=True),
    Flag("row_contested", "another printed row, with other numbers, was as likely to be this one", reading=True),
    Flag("label_names_next_row", "the printed label runs on into another row's name, and the number follows that "
                                 "one: this row's own number may be lost and the number the next row's"),
    Flag("narrative_disagrees", "the report's prose states another figure for this cell; the table's "
                                "value is kept (prose often counts something else: one office of several)",
         doubt=False),
    Flag("inferred_from_doubtful", "worked out by an identity from cells that are themselves flagged"),
    *_IDENTITY_FLAGS,
    Flag("template_uncertain", "the template (2019 or 2021) was chosen on thin evidence"),
    Flag("template_mixed", "the document's wording points to both templates"),
    Flag("review_cannot_tell", "a person reviewing the batch looked and could not tell the value"),
)
FLAG_NAMES = frozenset(f.name for f in FLAGS)
_BY_NAME = {f.name: f for f in FLAGS}
_DOUBTS = frozenset(f.name for f in FLAGS if f.doubt)


def flag(name: str) -> Flag:
    """The table's entry for a flag name (KeyError for a name it does not list)."""
    return _BY_NAME[name]


def doubts(flags: list[str]) -> list[str]:
    """The flags of a cell that mark doubt (not those that only inform)."""
    if not flags:
        return []
    if not FLAG_NAMES.issuperset(flags):  # as flag() does: a name the table does not list
        raise KeyError(next(f for f in flags if f not in FLAG_NAMES))
    return [f for f in flags if f in _DOUBTS]


def flags_markdown() -> str:
    """The flag table as README prints it."""
    lines = ["| flag | meaning | marks doubt |", "|---|---|---|"]
    lines += [f"| `{f.name}` | {f.meaning} | {'yes' if f.doubt else 'no: informs'} |" for f in FLAGS]
    return "\n".join(lines)


@dataclass
class CellResult:
    """One cell of the standard matrix as recovered."""

    value: int | Decimal | None = None
    status: str = UNKNOWN
    confidence: float = 0.0
    flags: list[str] = field(default_factory=list)
    printed: str = ""  # the cell's text as printed, where one was read
    basis: str = ""  # for an inferred cell: the identity it was worked out from
    # Where it was printed (layout.Cell.source); for an inferred cell the identity and the cells
    # it was worked out from: {"identity": name, "from": [table/row/col, ...]}.
    source: dict | None = None
    # For a cell in doubt between readings: the values the readings the identities allow give it.
    alternatives: list[str] = field(default_factory=list)

    def flag(self, *flags: str) -> None:
        for f in flags:
            if f not in FLAG_NAMES:
                raise ValueError(f"{f!r} is not in the flag table (recover.cells.FLAGS)")
            if f not in self.flags:
                self.flags.append(f)


@dataclass
class AssignedRow:
    """A candidate the classifier named, with the classifier's probability for that name."""

    key: str
    candidate: RowCandidate
    probability: float
    contested: bool = False  # another candidate wanted this row, with other numbers
    placed: bool = False  # an OCR'd row the form's order puts here (see pipeline.Classified.placed)
