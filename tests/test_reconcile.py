"""The reconciler: identities checked, forced cells inferred, doubt flagged, printed numbers kept."""

import recover
from recover import schema
from recover.cells import CellResult
from recover.reconcile.identities import infer
from recover.reconcile.splits import digit_splits

REQUEST_COLS = [c.id for c in schema.REQUEST_COLUMNS]


def requests_text(rows: dict[str, list[str]], template: str = "2021") -> str:
    """A requests table as tab-separated text, rows given by ID (values as printed)."""
    lines = ["三、收到和处理政府信息公开申请情况",
             "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
             "\t自然人\t法人或其他组织\t\t\t\t\t总计",
             "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他"]
    for r in schema.rows(template, "requests"):
        lines.append("\t".join([r.label] + rows.get(r.id, ["0"] * 7)))
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议\t行政诉讼",
              "\t".join(["0"] * 15), "五、存在的主要问题及改进情况"]
    return "\n".join(lines) + "\n"


def test_published_arithmetic_errors_are_kept_and_flagged_on_every_cell_involved(real_reports):
    # 102: the 办理结果 rows sum to 27 (自然人 26) while （七）总计 prints 21 (20)
    cells = real_reports["102_pingtan-2020.html"].cells
    assert cells["requests/total/natural_person"].value == 20
    assert cells["requests/total/total"].value == 21
    for row in ("total", "granted", "other", "unavailable.not_held"):
        for col in ("natural_person", "total"):
            cell = cells[f"requests/{row}/{col}"]
            assert "identity_broken:requests_col_total" in cell.flags and cell.confidence <= 0.5
    untouched = cells["requests/granted/other_org"]  # its column adds up
    assert untouched.flags == [] and untouched.confidence > 0.99


def test_identities_confirm_printed_cells(real_reports):
    cells = real_reports["301_huaian-gov-2024.pdf"].cells
    assert cells["requests/new/total"].confidence > 0.99
    assert cells["requests/new/total"].value == 3119


def test_a_blank_total_row_is_the_sum_of_its_parts_and_marked_inferred(model, cells_of):
    new = ["5", "1", "0", "0", "0", "0", "6"]
    text = requests_text({"new": new, "granted": new, "total": [""] * 7})
    cells = cells_of(text, model)
    for col, expected in zip(REQUEST_COLS, [5, 1, 0, 0, 0, 0, 6]):
        cell = cells[f"requests/total/{col}"]
        assert (cell.value, cell.status) == (expected, "inferred")
        assert 0 < cell.confidence < 1


def test_a_blank_no_identity_forces_stays_unknown_and_flagged(model, cells_of):
    text = requests_text({"new": ["5", "", "0", "0", "0", "0", "6"], "granted": ["5", "", "0", "0", "0", "0", "6"],
                          "total": ["5", "", "0", "0", "0", "0", "6"]})
    cells = cells_of(text, model)
    assert cells["requests/new/business"].value == 1 and cells["requests/new/business"].status == "inferred"
    text = requests_text({"carried_over": ["", "0", "0", "0", "0", "0", ""],
                          "carried_forward": ["", "0", "0", "0", "0", "0", ""]})
    cells = cells_of(text, model)
    for key in ("requests/carried_over/natural_person", "requests/carried_forward/total"):
        assert cells[key].status == "unknown" and cells[key].value is None and cells[key].flags


def test_appeals_row_of_fifteen_fills_the_three_by_five_matrix_and_checks_identity_4(model, cells_of):
    numbers = "5 0 0 2 8 1 0 0 0 1 0 0 0 0 0".split()
    text = requests_text({}).replace("\t".join(["0"] * 15), "\t".join(numbers))
    cells = cells_of(text, model)
    assert [cells[f"appeals/review/{c.id}"].value for c in schema.APPEAL_COLUMNS] == [5, 0, 0, 2, 8]
    assert "identity_broken:appeals_row_total" in cells["appeals/review/total"].flags
    assert cells["appeals/litigation_direct/total"].flags == []


def test_a_missing_table_is_unknown_never_zero(real_reports):
    cells = real_reports["207_jiande-transport-2021.txt"].cells
    for key in ("requests/new/total", "appeals/review/total", "active/penalties/decisions"):
        assert cells[key].value is None and cells[key].status == "unknown"
    assert cells["requests/new/total"].flags == ["table_missing"]


def test_values_lost_from_a_row_are_placed_by_the_identities(model, cells_of):
    # One cell per line, the agency printing only the non-zero cells of 本年新收: "3", "3".
    text = requests_text({"total": ["3", "0", "0", "0", "0", "0", "3"], "granted": ["3", "0", "0", "0", "0", "0", "3"]})
    lines = text.splitlines()
    new_row = next(i for i, line in enumerate(lines) if line.startswith("一、本年新收"))
    lines[new_row:new_row + 1] = ["一、本年新收政府信息公开申请数量 |", "3 |", "3 |"]
    cells = cells_of("\n".join(lines), model)
    assert cells["requests/new/natural_person"].value == 3 and cells["requests/new/natural_person"].flags == []
    assert cells["requests/new/total"].value == 3
    assert cells["requests/new/business"].value == 0  # blank, then forced by identity 1


def test_digit_runs_split_only_where_the_identities_allow():
    row_total = [(6, (0, 1, 2, 3, 4, 5))]
    assert digit_splits(["640020470"], 7, row_total) == [[64, 0, 0, 2, 0, 4, 70]]
    assert digit_splits(["500000", 5], 7, row_total) == [[5, 0, 0, 0, 0, 0, 5]]
    assert len(digit_splits(["220000325"], 7, row_total)) == 2  # the columns decide between them
    assert len(digit_splits(["693665"], 3)) > 1


def test_every_cell_has_a_status_a_confidence_and_flags(real_reports):
    for report in real_reports.values():
        for key, cell in report.cells.items():
            assert cell.status in ("printed", "inferred", "unknown")
            assert 0 <= cell.confidence <= 1
            assert (cell.value is None) == (cell.status == "unknown")
            if cell.status == "unknown":
                assert cell.flags, key


def test_amount_in_yuan_is_converted_and_says_so(real_dir):
    report = recover.recover_file(real_dir / "102_pingtan-2020.html")
    cell = report.cells["active/procurement/amount"]
    assert str(cell.value) == "7380.28959" and "unit_converted" in cell.flags


def test_the_prose_chooses_where_the_identities_cannot(model, cells_of):
    # Only one number printed for 本年新收 (one cell per line, blanks lost): 12 could be any
    # column; the prose says 收到12件申请, which settles it as the row total.
    text = requests_text({"total": ["", "", "", "", "", "", ""], "carried_forward": ["", "", "", "", "", "", ""]})
    lines = text.splitlines()
    new_row = next(i for i, line in enumerate(lines) if line.startswith("一、本年新收"))
    lines[new_row:new_row + 1] = ["一、本年新收政府信息公开申请数量 |", "12 |"]
    without = cells_of("\n".join(lines), model)
    assert without["requests/new/total"].status == "unknown"
    assert "placement_ambiguous" in without["requests/new/total"].flags
    with_prose = cells_of("本年度共收到政府信息公开申请12件，均已按时答复。\n" + "\n".join(lines), model)
    assert with_prose["requests/new/total"].value == 12
    assert with_prose["requests/new/natural_person"].status == "unknown"


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
