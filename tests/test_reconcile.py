"""The reconciler (stage 3) on rows built by hand — candidates of layout cells, named as the
classifier would name them — so these tests do not move when the model is retrained: identities
checked, forced cells inferred, doubt flagged, printed numbers kept."""

import math
import random

from recover import schema
from recover.candidates import RowCandidate
from recover.cells import AssignedRow, CellResult, doubts
from recover.layout import Cell
from recover.reconcile import reconcile
from recover.reconcile.cut import MAX_PASSES, _tightened
from recover.reconcile.identities import infer
from recover.reconcile.splits import digit_splits

REQUEST_COLS = [c.id for c in schema.REQUEST_COLUMNS]
APPEAL_COLS = [c.id for c in schema.APPEAL_COLUMNS]


def row(key: str, *texts: str, glued: bool = False, ocr: tuple[int, ...] = (), header: tuple[str, ...] = (),
        probability: float = 0.99) -> AssignedRow:
    """A printed row as the classifier hands it on: its label, one cell per printed text (""
    for a cell printed blank), the heading row above it where one is given."""
    label = "行政复议" if key == schema.APPEALS_AS_ONE_ROW else schema.row("2021", key).label
    values = [Cell(text, glued=glued, ocr=i in ocr) for i, text in enumerate(texts)]
    candidate = RowCandidate([label], values, section=key.split("/")[0],
                             header=[[Cell(h) for h in header]] if header else [])
    return AssignedRow(key, candidate, probability)


def values_of(cells: dict[str, CellResult], key: str, columns: list[str]) -> list:
    return [cells[f"{key}/{c}"].value for c in columns]


def test_digits_run_together_are_split_where_the_identities_allow_one_way():
    cells = reconcile("2021", [row("requests/new", "640020470", glued=True)])
    assert values_of(cells, "requests/new", REQUEST_COLS) == [64, 0, 0, 2, 0, 4, 70]
    assert all(cells[f"requests/new/{c}"].status == "printed" for c in REQUEST_COLS)
    assert not any("split_ambiguous" in cells[f"requests/new/{c}"].flags for c in REQUEST_COLS)


def test_digits_run_together_that_split_several_ways_are_flagged_where_the_splits_differ():
    # 220000325 cuts two ways that add up, 2|20|0|0|0|3|25 and 22|0|0|0|0|3|25: the first two
    # columns stay unknown, flagged; the others are the same either way.
    cells = reconcile("2021", [row("requests/new", "220000325", glued=True)])
    splits = digit_splits(["220000325"], 7, [(6, (0, 1, 2, 3, 4, 5))])
    assert len(splits) == 2
    differ = {c for i, c in enumerate(REQUEST_COLS) if splits[0][i] != splits[1][i]}
    assert differ == {"natural_person", "business"}
    for c in REQUEST_COLS:
        cell = cells[f"requests/new/{c}"]
        if c in differ:
            assert cell.value is None and "split_ambiguous" in cell.flags
        else:
            assert cell.value == splits[0][REQUEST_COLS.index(c)] and "split_ambiguous" not in cell.flags


def requests_rows(printed: dict[str, list[str]]) -> list[AssignedRow]:
    """Every row of the 2021 requests table, printed as given by row ID or all zeros."""
    return [row(r.key, *printed.get(r.id, ["0"] * 7)) for r in schema.rows("2021", "requests")]


def test_a_total_row_printed_blank_is_the_sum_of_its_parts_and_inferred():
    new = ["5", "1", "0", "0", "0", "0", "6"]
    cells = reconcile("2021", requests_rows({"new": new, "granted": new, "total": [""] * 7}))
    for col, expected in zip(REQUEST_COLS, [5, 1, 0, 0, 0, 0, 6]):
        cell = cells[f"requests/total/{col}"]
        assert (cell.value, cell.status) == (expected, "inferred") and cell.flags == []
        assert 0 < cell.confidence < 1


def test_blanks_the_identity_forces_are_zero_and_inferred():
    cells = reconcile("2021", [row("appeals/review", "3", "1", "", "", "4")])
    for c in ("other", "pending"):
        cell = cells[f"appeals/review/{c}"]
        assert (cell.value, cell.status, cell.basis) == (0, "inferred", "appeals_row_total:review")
        assert cell.flags == [] and 0 < cell.confidence < 1
    assert cells["appeals/review/total"].status == "printed" and cells["appeals/review/total"].flags == []


def test_a_blank_no_identity_forces_stays_unknown_and_flagged():
    cells = reconcile("2021", [row("appeals/review", "3", "", "", "0", "4")])  # 1 + 0 or 0 + 1?
    for c in ("corrected", "other"):
        cell = cells[f"appeals/review/{c}"]
        assert (cell.value, cell.status) == (None, "unknown") and cell.flags == ["blank"]


def test_a_published_identity_that_fails_is_kept_as_printed_and_flagged_on_every_cell():
    # Every number read without doubt: the break is the agency's arithmetic, named, not in doubt.
    cells = reconcile("2021", [row("appeals/review", "3", "1", "0", "0", "5")])  # 3 + 1 ≠ 5
    assert values_of(cells, "appeals/review", APPEAL_COLS) == [3, 1, 0, 0, 5]
    for c in APPEAL_COLS:
        cell = cells[f"appeals/review/{c}"]
        assert cell.status == "printed" and cell.flags == ["identity_broken_as_printed:appeals_row_total"]
        assert not doubts(cell.flags)
    assert cells["appeals/litigation_direct/total"].flags == ["row_missing"]


def test_a_break_on_numbers_read_with_doubt_puts_them_in_doubt():
    # Fourteen numbers for fifteen cells: where the missing one goes is a guess, and a row's
    # broken total may be the guess's fault rather than the agency's.
    cells = reconcile("2021", [row(schema.APPEALS_AS_ONE_ROW, *"5 0 0 2 8 1 0 0 0 1 0 0 0 0".split())])
    broken = [c for c in cells.values() if "identity_broken:appeals_row_total" in c.flags]
    assert broken and all(c.confidence <= 0.5 for c in broken)
    assert not any("identity_broken_as_printed" in f for c in cells.values() for f in c.flags)


def test_a_header_printing_the_columns_in_another_order_puts_each_value_under_its_heading():
    header = ("总计", "结果维持", "结果纠正", "其他结果", "尚未审结")
    cells = reconcile("2021", [row("appeals/review", "5", "3", "1", "1", "0", header=header)])
    assert values_of(cells, "appeals/review", APPEAL_COLS) == [3, 1, 1, 0, 5]
    assert all(cells[f"appeals/review/{c}"].flags == [] for c in APPEAL_COLS)  # the identity holds


def test_where_too_few_numbers_go_is_flagged_unless_the_prose_settles_it():
    # One number printed for 本年新收 (blanks lost): 12 could be any column but 总计 or a column
    # and 总计 both; the identities cannot tell, the prose can.
    rows = [row("requests/new", "12")]
    cells = reconcile("2021", rows)
    assert cells["requests/new/total"].value is None
    assert "placement_ambiguous" in cells["requests/new/total"].flags
    settled = reconcile("2021", rows, stated={"requests/new/total": 12})
    assert settled["requests/new/total"].value == 12 and settled["requests/new/total"].status == "printed"
    assert settled["requests/new/natural_person"].status == "unknown"


def test_values_lost_from_a_row_are_placed_by_the_identities():
    # 本年新收 prints only its non-zero cells "3", "3"; the rows below say where they go.
    rows = [row("requests/new", "3", "3"), row("requests/total", "3", "0", "0", "0", "0", "0", "3"),
            row("requests/carried_over", "0", "0", "0", "0", "0", "0", "0"),
            row("requests/carried_forward", "0", "0", "0", "0", "0", "0", "0")]
    cells = reconcile("2021", rows)
    assert cells["requests/new/natural_person"].value == 3 and cells["requests/new/total"].value == 3
    assert cells["requests/new/business"].value == 0


def test_an_ocr_digit_is_repaired_only_where_exactly_one_repair_mends_the_identity():
    # Only the total was OCR'd: of its look-alikes (4, 8, 0 for 9), 4 alone makes 3 + 1 + 0 + 0 add up.
    cells = reconcile("2021", [row("appeals/review", "3", "1", "0", "0", "9", ocr=(4,))])
    total = cells["appeals/review/total"]
    assert (total.value, total.printed, total.flags) == (4, "9", ["ocr_repaired"])  # repaired, and says so
    # Every cell OCR'd: 9 → 4 mends it, and so does 3 → 8; two repairs, so none is made.
    cells = reconcile("2021", [row("appeals/review", "3", "1", "0", "0", "9", ocr=(0, 1, 2, 3, 4))])
    assert values_of(cells, "appeals/review", APPEAL_COLS) == [3, 1, 0, 0, 9]
    for c in APPEAL_COLS:
        assert "ocr_repaired" not in cells[f"appeals/review/{c}"].flags
        assert "identity_broken:appeals_row_total" in cells[f"appeals/review/{c}"].flags


def test_the_appeals_table_printed_as_one_row_of_fifteen_fills_three_rows_of_five():
    numbers = "5 0 0 2 8 1 0 0 0 1 0 0 0 0 0".split()
    cells = reconcile("2021", [row(schema.APPEALS_AS_ONE_ROW, *numbers)])
    assert values_of(cells, "appeals/review", APPEAL_COLS) == [5, 0, 0, 2, 8]
    assert "identity_broken_as_printed:appeals_row_total" in cells["appeals/review/total"].flags
    assert cells["appeals/litigation_direct/total"].flags == []


def test_a_doubtful_row_name_is_said_on_its_cells():
    cells = reconcile("2021", [row("appeals/review", "3", "1", "0", "0", "4", probability=0.4)])
    assert all("row_low_confidence" in cells[f"appeals/review/{c}"].flags for c in APPEAL_COLS)
    assert cells["requests/new/total"].flags == ["table_missing"]


def test_digit_runs_split_only_where_the_identities_allow():
    row_total = [(6, (0, 1, 2, 3, 4, 5))]
    assert digit_splits(["640020470"], 7, row_total) == [[64, 0, 0, 2, 0, 4, 70]]
    assert digit_splits(["500000", 5], 7, row_total) == [[5, 0, 0, 0, 0, 0, 5]]
    assert len(digit_splits(["220000325"], 7, row_total)) == 2  # the columns decide between them
    assert len(digit_splits(["693665"], 3)) > 1


def test_figures_stated_in_prose(real_dir):
    from recover.narrative import stated_figures

    text = (real_dir / "002_pingtan-2021-flat.txt").read_text()
    assert stated_figures(text) == {"requests/new/total": 70, "requests/total/total": 69,
                                    "requests/carried_forward/total": 1}
    assert stated_figures("收到申请3件，另有2件和5件") == {"requests/new/total": 3}


def test_a_cell_worked_out_from_doubtful_cells_is_itself_in_doubt():
    # An appeals row read as four numbers for five columns (flagged), its total left blank: the
    # total the identity works out from them is flagged too, not passed off as sure.
    cells = {key: CellResult() for key in schema.cell_keys("2021")}
    for col, value in zip(("upheld", "corrected", "other", "pending"), (10, 10, 0, 0)):
        cells[f"appeals/review/{col}"] = CellResult(value, "printed", 0.8, ["value_count_mismatch"])
    infer(schema.identities("2021"), cells)
    total = cells["appeals/review/total"]
    assert (total.value, total.status) == (20, "inferred")
    assert total.flags == ["inferred_from_doubtful"]
    cells["appeals/review/upheld"].flags = ["unit_converted"]  # how it was read, not a doubt
    for col in ("corrected", "other", "pending"):
        cells[f"appeals/review/{col}"].flags = []
    cells["appeals/review/total"] = CellResult()
    infer(schema.identities("2021"), cells)
    assert cells["appeals/review/total"].flags == []


def cut_inside(rows: list[AssignedRow]) -> list[AssignedRow]:
    """The rows of a document that ends inside its last row."""
    rows[-1].candidate.ends_document = True
    return rows


def test_a_row_the_document_is_cut_inside_is_settled_where_the_rows_above_leave_no_other_reading():
    # 予以公开 stops after six of its seven cells.  One request came in, from a natural person: a
    # missing cell before the cut would put the 1 under an organisation that had none, or a 0
    # under 总计 beside it; so the six numbers are where they were read, and 总计 is 1.
    cells = reconcile("2021", cut_inside([row("requests/new", "1", "0", "0", "0", "0", "0", "1"),
                                          row("requests/carried_over", *["0"] * 7),
                                          row("requests/granted", "1", "0", "0", "0", "0", "0")]))
    for c in REQUEST_COLS[:-1]:
        assert cells[f"requests/granted/{c}"].status == "printed" and cells[f"requests/granted/{c}"].flags == []
    total = cells["requests/granted/total"]
    assert (total.value, total.status, total.flags) == (1, "inferred", [])


def test_a_cut_row_that_lost_a_cell_keeps_the_doubt_where_the_lost_cell_could_have_been():
    # The same row with its 1 lost: the natural person's cell may be the 0 read or the lost 1;
    # the organisations' cells are 0 however the numbers sit.
    cells = reconcile("2021", cut_inside([row("requests/new", "1", "0", "0", "0", "0", "0", "1"),
                                          row("requests/carried_over", *["0"] * 7),
                                          row("requests/granted", "0", "0", "0", "0", "0")]))
    assert "row_cut_off" in cells["requests/granted/natural_person"].flags
    assert all(cells[f"requests/granted/{c}"].flags == [] for c in REQUEST_COLS[1:5])


def test_a_last_number_the_cut_may_have_shortened_stays_in_doubt():
    # Twelve requests: a cut inside "12" prints "1".
    cells = reconcile("2021", cut_inside([row("requests/new", "12", "0", "0", "0", "0", "0", "12"),
                                          row("requests/carried_over", *["0"] * 7),
                                          row("requests/granted", "1")]))
    assert "row_cut_off" in cells["requests/granted/natural_person"].flags


def test_a_cut_row_nothing_above_bounds_stays_in_doubt():
    # 上年结转 cut after four zeros: one row printed whole says little of whether a cell was lost.
    cells = reconcile("2021", cut_inside([row("requests/new", *["0"] * 7),
                                          row("requests/carried_over", "0", "0", "0", "0")]))
    assert all("row_cut_off" in cells[f"requests/carried_over/{c}"].flags for c in REQUEST_COLS[:4])


def active_rows() -> list[AssignedRow]:
    """2021's first table printed in full, one cell a column."""
    return [row(f"active/{key}", *["0"] * len(schema.printed_cells("2021", f"active/{key}")))
            for key in ("regulations", "normative_documents", "licensing", "penalties", "enforcement")]


def test_a_cut_row_of_a_document_that_keeps_every_cell_is_read_in_order_without_doubt():
    # The same cut, after five more rows each printed one cell a column: the document loses no
    # cells, so the four zeros are the first four columns.  Only a last number the cut may have
    # shortened would stay in doubt, and a count printed 0 cannot be.
    cells = reconcile("2021", cut_inside(active_rows() + [row("requests/new", *["0"] * 7),
                                                          row("requests/carried_over", "0", "0", "0", "0")]))
    assert all(cells[f"requests/carried_over/{c}"].flags == [] for c in REQUEST_COLS[:4])
    assert cells["requests/carried_over/total"].status == "unknown"
    cells = reconcile("2021", cut_inside(active_rows() + [row("requests/new", *["0"] * 7),
                                                          row("requests/carried_over", "0", "0", "3")]))
    assert [cells[f"requests/carried_over/{c}"].flags for c in REQUEST_COLS[:3]] == [[], [], ["row_cut_off"]]


def test_one_row_that_lost_a_cell_leaves_a_cut_row_in_doubt():
    rows = active_rows()
    rows[0] = row("active/regulations", "0", "0")  # a cell short
    cells = reconcile("2021", cut_inside(rows + [row("requests/new", *["0"] * 7),
                                                 row("requests/carried_over", "0", "0", "0", "0")]))
    assert all("row_cut_off" in cells[f"requests/carried_over/{c}"].flags for c in REQUEST_COLS[:4])


def test_a_cut_row_of_a_table_that_does_not_add_up_as_read_stays_in_doubt():
    # 本年新收 breaks its own total: the arithmetic that would rule readings out cannot be trusted.
    cells = reconcile("2021", cut_inside([row("requests/new", "1", "0", "0", "0", "0", "0", "2"),
                                          row("requests/carried_over", *["0"] * 7),
                                          row("requests/granted", "1", "0", "0", "0", "0", "0")]))
    assert all("row_cut_off" in cells[f"requests/granted/{c}"].flags for c in REQUEST_COLS[:-1])


def test_a_cut_row_padded_to_its_width_by_merged_cell_residue_is_still_read_as_cut():
    # '1 | 0 | 0 | 0 | 0 | 1 | ||' where the document ends: six numbers, then the residue of merged
    # cells.  The residue is no blank 总计: a cell may have been lost before the cut.
    cells = reconcile("2021", cut_inside([row("requests/new", "1", "0", "0", "0", "0", "1", "", "")]))
    assert "row_cut_off" in cells["requests/new/other_org"].flags
    assert doubts(cells["requests/new/total"].flags) or cells["requests/new/total"].value is None


def _bounds_by_definition(identities, bounds):
    """Bound tightening as it is defined: every cell's bound from its side's other cells and the
    other side, each sum taken afresh, pass after pass until nothing changes."""
    bounds = dict(bounds)
    for _ in range(MAX_PASSES):
        changed = False
        for identity in identities:
            for side, other in ((identity.left, identity.right), (identity.right, identity.left)):
                for key in side:
                    rest = [bounds[c] for c in side if c != key]
                    low = max(bounds[key][0], sum(bounds[c][0] for c in other) - sum(b[1] for b in rest))
                    high = min(bounds[key][1], sum(bounds[c][1] for c in other) - sum(b[0] for b in rest))
                    if low > high:
                        return None
                    changed |= (low, high) != bounds[key]
                    bounds[key] = (low, high)
        if not changed:
            return bounds
    return bounds


def test_bound_tightening_keeps_running_sums_and_skips_quiet_identities_yet_gives_the_definitions_bounds():
    # Random tables of counts, a few cells pinned, some bounded below, the rest open (some with no
    # lower bound, as a cell that may be negative has): the fast tightening gives exactly what the
    # definition gives, bounds narrowed and tables that cannot add up (None) alike.
    rng = random.Random(7)
    outcomes = set()
    for template in schema.TEMPLATES:
        identities = schema.identities(template)
        keys = sorted({c for i in identities for c in i.cells})
        for _ in range(60):
            pinned = rng.choice([0.03, 0.05, 0.1])
            bounds = {}
            for key in keys:
                kind = rng.random()
                if kind < pinned:
                    value = float(rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40]))
                    bounds[key] = (value, value)
                elif kind < pinned + 0.1:
                    bounds[key] = (float(rng.randrange(5)), math.inf)
                else:
                    bounds[key] = (-math.inf if rng.random() < 0.1 else 0.0, math.inf)
            tightened = _tightened(identities, bounds)
            assert tightened == _bounds_by_definition(identities, bounds)
            outcomes.add("none" if tightened is None else "narrowed" if tightened != bounds else "same")
    assert {"none", "narrowed"} <= outcomes


def test_a_label_that_runs_on_into_the_next_rows_name_puts_its_number_in_doubt():
    # A flat copy lost 行政许可's number: '…行政许可第二十条第（六）项…行政处罚141' reads as one row
    licensing = row("active/licensing", "141")
    licensing.candidate.labels = ["第二十条第（五）项信息内容本年处理决定数量行政许可第二十条第（六）项信息内容本年处理决定数量行政处罚"]
    cells = reconcile("2021", [licensing, row("active/enforcement", "0")])
    assert "label_names_next_row" in cells["active/licensing/decisions"].flags
    assert doubts(cells["active/licensing/decisions"].flags)
    # its own name last, after a heading that names no row: read without doubt
    licensing.candidate.labels = ["第二十条第（五）项信息内容本年处理决定数量行政许可"]
    assert reconcile("2021", [licensing])["active/licensing/decisions"].flags == []


def test_an_identity_confirms_only_the_one_ocr_cell_of_it_in_doubt():
    # A fax reads 4 as 1 in a total and in one of its parts (34 → 31, 4 → 1): the row still adds
    # up, so it can confirm neither; a column that holds through one of them, with every other cell
    # of it sure, confirms that one, and then the row confirms the other.
    from recover.reconcile.identities import check

    row = schema.Identity("requests_row_total", "row", ("total",), ("a", "b"))
    column = schema.Identity("requests_col_total", "column", ("a",), ("c", "d"))

    def cells(**values):
        return {k: CellResult(v, "printed", 0.9, ["ocr_unconfirmed"] if k in ("total", "a") else [])
                for k, v in values.items()}

    misread = cells(total=31, a=1, b=30, c=20, d=20)  # the column (a = c + d) breaks
    check([row, column], misread)
    assert "ocr_unconfirmed" in misread["total"].flags and doubts(misread["a"].flags)
    right = cells(total=34, a=4, b=30, c=1, d=3)
    check([row, column], right)
    assert right["a"].flags == [] and right["total"].flags == []  # a by the column, then total by the row
    alone = cells(total=34, a=4, b=30, c=9, d=9)  # the column breaks: only the row, with two in doubt
    check([row], alone)
    assert "ocr_unconfirmed" in alone["total"].flags and "ocr_unconfirmed" in alone["a"].flags


def test_one_misreading_in_a_total_and_its_part_is_repaired_in_both():
    # A fax reads 34 as 31 in a row's total and in its one part: the row still adds up (31 = 31 + 0)
    # and the columns beyond it break.  31 → 34 in either cell mends its column but breaks the row;
    # with the same change in the other cell everything holds, and no other pair does that.
    from recover.reconcile.identities import repair_ocr

    row = schema.Identity("requests_row_total", "row", ("total",), ("a", "b"))
    columns = [schema.Identity("requests_col_total", "a column", ("a",), ("c", "d")),
               schema.Identity("requests_col_total", "total column", ("total",), ("e", "f"))]

    def cells(**values):
        return {k: CellResult(v, "printed", 0.9, ["ocr_unconfirmed"] if k in ("total", "a") else [])
                for k, v in values.items()}

    misread = cells(total=31, a=31, b=0, c=30, d=4, e=14, f=20)
    repair_ocr([row, *columns], misread)
    assert (misread["total"].value, misread["a"].value) == (34, 34)
    assert "ocr_repaired" in misread["total"].flags and "ocr_repaired" in misread["a"].flags
    # where the total's column does not say 34 as well, no pair mends everything: nothing changes
    unsure = cells(total=31, a=31, b=0, c=30, d=4, e=14, f=21)
    repair_ocr([row, *columns], unsure)
    assert (unsure["total"].value, unsure["a"].value) == (31, 31)
    assert not any("ocr_repaired" in c.flags for c in unsure.values())


def test_a_digit_misread_alike_throughout_a_number_is_repaired_before_its_part_is_worked_out():
    # 454 read as 151 (a fax broke both 4s alike), beside a part printed unreadably: the column
    # says 454, and the part worked out after the repair (447) makes its own column add up.
    from recover.reconcile.identities import _digit_variants, repair_ocr

    assert 454 in _digit_variants("151") and 757 in _digit_variants("151") and 444 not in _digit_variants("151")
    row = schema.Identity("requests_row_total", "row", ("total",), ("a", "b"))
    total_column = schema.Identity("requests_col_total", "total column", ("total",), ("e", "f"))
    a_column = schema.Identity("requests_col_total", "a column", ("a",), ("c", "d"))
    cells = {"total": CellResult(151, "printed", 0.9, ["ocr_unconfirmed"]), "a": CellResult(),
             "b": CellResult(7, "printed", 0.9), "c": CellResult(400, "printed", 0.9),
             "d": CellResult(47, "printed", 0.9), "e": CellResult(450, "printed", 0.9),
             "f": CellResult(4, "printed", 0.9)}
    identities = [row, total_column, a_column]
    repair_ocr(identities, cells)
    infer(identities, cells)
    assert (cells["total"].value, cells["a"].value) == (454, 447)
    assert "ocr_repaired" in cells["total"].flags


def test_a_cell_worked_out_from_ocr_digits_is_sure_once_they_are_confirmed():
    # a = t − b was worked out while b's OCR'd digits were unconfirmed; a column confirms b later,
    # and then a, their arithmetic, is as sure as they are.  Where b stays in doubt, so does a.
    from recover.reconcile.identities import check

    row = schema.Identity("requests_row_total", "row", ("t",), ("a", "b"))
    column = schema.Identity("requests_col_total", "column", ("b",), ("e", "f"))

    def cells(f: int) -> dict[str, CellResult]:
        out = {k: CellResult(v, "printed", 0.9) for k, v in dict(t=5, e=1, f=f).items()}
        out["b"] = CellResult(2, "printed", 0.9, ["ocr_unconfirmed"])
        out["a"] = CellResult(3, "inferred", 0.87, ["ocr_unconfirmed"], basis="row",
                              source={"identity": "row", "from": ["t", "b"]})
        return out

    confirmed = cells(f=1)
    check([row, column], confirmed)
    assert confirmed["b"].flags == [] and confirmed["a"].flags == []
    unconfirmed = cells(f=5)
    check([row, column], unconfirmed)
    assert "ocr_unconfirmed" in unconfirmed["a"].flags
