"""Hybrid and partial forms: what agencies print when they mix the two templates or drop rows.
Read what is printed; infer only what the identities force."""
from conftest import FIXTURES
from test_reconcile import requests_text

import recover
from recover import schema
from recover.cells import doubts

WPS = FIXTURES / "wps"
OTHER_SUBROWS = ("other.no_correction", "other.unpaid_fee", "other.other")


ACTIVE_2021 = """二、主动公开政府信息情况
第二十条第（一）项
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t0
行政规范性文件\t1\t0\t5
"""


def _hybrid(group: list[str], **rows: list[str]) -> str:
    """A 2021 report (its active table's headers say so) whose （六）其他处理 is printed as 2019's one row."""
    text = ACTIVE_2021 + requests_text(rows)
    lines = [line for line in text.splitlines()
             if not any(line.startswith(schema.row("2021", f"requests/{r}").label) for r in OTHER_SUBROWS)]
    at = next(i for i, line in enumerate(lines) if line.startswith("（七）总计"))
    lines.insert(at, "\t".join(["（六）其他处理"] + group))
    return "\n".join(lines) + "\n"


def test_a_single_other_row_of_zeros_forces_the_three_2021_sub_rows_to_zero(model):
    cells = recover.recover_text(_hybrid(["0"] * 7), "hybrid", model).cells
    assert not any(k.startswith("requests/other/") for k in cells)  # not a cell of the 2021 matrix
    for r in OTHER_SUBROWS:
        for c in schema.REQUEST_COLUMNS:
            cell = cells[f"requests/{r}/{c.id}"]
            assert (cell.value, cell.status) == (0, "inferred") and not doubts(cell.flags)


def test_a_single_other_row_that_is_not_zero_bounds_the_sub_rows_without_guessing(model):
    three = ["3", "0", "0", "0", "0", "0", "3"]
    cells = recover.recover_text(_hybrid(three, new=three, total=three), "hybrid", model).cells
    assert cells["requests/other.no_correction/natural_person"].value is None  # which sub-row: not printed
    assert cells["requests/other.no_correction/business"].value == 0  # a 0 column forces all three
    assert cells["requests/total/natural_person"].value == 3
    assert not any(f.startswith("identity_broken") for c in cells.values() for f in c.flags)


def test_wps_pdfs_with_a_single_other_row_are_read_without_needless_doubt(model):
    # Hongze 2023 and 2024: 2021 headers, （六）其他处理 printed as one row of zeros.
    for name in ("302_hongze-gov-2023.pdf", "303_hongze-gov-2024.pdf"):
        report = recover.recover_file(WPS / name, model)
        assert report.template == "2021"
        for r in OTHER_SUBROWS:
            cell = report.cells[f"requests/{r}/total"]
            assert (cell.value, cell.status) == (0, "inferred") and not doubts(cell.flags)
        assert report.flagged_cells == 0
