"""Why a cell is to be checked, in plain words, from the flags it carries.

Until the package has its one table of flags, the meanings are README's flag table."""
from __future__ import annotations

FLAGS = {
    "table_missing": ("the document has no such table", True),
    "row_missing": ("the table is there but this row was not found", True),
    "truncated": ("the document ends before this cell", True),
    "ocr_unconfirmed": ("read by OCR and not (yet) confirmed by an identity", True),
    "ocr_repaired": ("read by OCR as letters or a digit the identities proved wrong, and repaired", True),
    "blank": ("printed blank, and no identity forces a value", True),
    "value_unparsed": ("the printed text is not a number", True),
    "unit_converted": ("printed in 元, converted to 万元", False),
    "sign_garbled": ("a sign like --253, read as negative", True),
    "value_negative": ("a negative count", True),
    "unit_unexpected": ("元 in a count column", True),
    "shift_repaired": ("a stray empty cell was dropped to line values up", True),
    "split_ambiguous": ("digits run together split several ways the identities allow", True),
    "placement_ambiguous": ("fewer numbers than columns, and which columns they fill is unclear", True),
    "extra_values": ("the row has more numbers than columns", True),
    "value_count_mismatch": ("the row's numbers do not fit its columns", True),
    "reading_ambiguous": ("the row's numbers can be read into its columns several ways", True),
    "row_low_confidence": ("the classifier was unsure which row this is", True),
    "inferred_from_doubtful": ("worked out by an identity from cells that are themselves flagged", True),
    "row_contested": ("another printed row, with other numbers, was as likely to be this one", True),
    "row_cut_off": ("the document ends inside this row: a number may be missing before the cut", True),
    "template_uncertain": ("the template was chosen on thin evidence", True),
    "template_mixed": ("the template was chosen on contradictory evidence", True),
    "review_cannot_tell": ("a reviewer looked and could not tell the value", True),
    "identity_broken:requests_balance": ("identity 1 fails: new + carried over ≠ total + carried forward", True),
    "identity_broken:requests_row_total": ("identity 2 fails: the row's total ≠ the sum of its applicants", True),
    "identity_broken:requests_col_total": ("identity 3 fails: （七）总计 ≠ the sum of the 办理结果 rows", True),
    "identity_broken:appeals_row_total": ("identity 4 fails: total ≠ upheld + corrected + other + pending", True),
    "identity_broken:cross_year": ("identity 5 fails: this year's 上年结转 ≠ last year's 结转下年度", True),
}


def meaning(flag: str) -> str:
    return FLAGS[flag][0] if flag in FLAGS else flag


def is_doubt(flag: str) -> bool:
    """Whether a flag says the value may be wrong (rather than only how it was read)."""
    return FLAGS.get(flag, ("", True))[1]
