"""Accuracy on the real reports kept in tests/fixtures, through the batch command and evaluate; what
the reconciler makes of their published arithmetic, missing tables and units."""
import json

import pytest
from click.testing import CliRunner

import recover
from recover.cells import doubts
from recover.cli import main


@pytest.mark.parametrize("folder, min_accuracy", [("seeds", 1.0), ("real", 0.995)])
def test_batch_then_evaluate(tmp_path, figures, fixtures_dir, folder, min_accuracy):
    folder = fixtures_dir / folder
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(folder), "--out", str(tmp_path), "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["evaluate", "--truth", str(folder / "truth"), "--cells",
                                  str(tmp_path / "cells.csv"), "--json"])
    scores = json.loads(result.output)
    figures[f"real reports, {folder.name}"] = (
        f"cell accuracy {scores['cell_accuracy']:.2%} over {scores['cells']} cells of {scores['documents']} "
        f"documents, silent errors {scores['silent_errors']}, template accuracy {scores['template_accuracy']:.0%}")
    assert scores["cell_accuracy"] >= min_accuracy
    assert scores["silent_errors"] == 0
    assert scores["template_accuracy"] == 1.0


def test_evaluate_prints_every_figure(tmp_path, real_dir):
    runner = CliRunner()
    runner.invoke(main, ["batch", str(real_dir / "207_jiande-transport-2021.txt"), "--out", str(tmp_path), "--no-progress"])
    result = runner.invoke(main, ["evaluate", "--truth", str(real_dir / "truth"), "--cells", str(tmp_path / "cells.csv")])
    for figure in ("cell accuracy", "document exact", "template accuracy", "silent errors", "flag recall",
                   "false-flag rate", "cells to check", "settled"):
        assert figure in result.output
    assert "207_jiande-transport-2021.txt: 7/7 right, 0 to check, 7 settled" in result.output
    assert "documents:          1 (7 cells)" in result.output  # scored on the batch's one document
    assert "not in the batch:   9 documents with truth, not scored" in result.output


def test_published_arithmetic_errors_are_kept_and_flagged_on_every_cell_involved(real_reports):
    # 102: the 办理结果 rows sum to 27 (自然人 26) while （七）总计 prints 21 (20).  Every cell was
    # read without doubt (an HTML table), so the break is the agency's: named, not in doubt.
    cells = real_reports["102_pingtan-2020.html"].cells
    assert cells["requests/total/natural_person"].value == 20
    assert cells["requests/total/total"].value == 21
    for row in ("total", "granted", "other", "unavailable.not_held"):
        for col in ("natural_person", "total"):
            cell = cells[f"requests/{row}/{col}"]
            assert "identity_broken_as_printed:requests_col_total" in cell.flags and not doubts(cell.flags)
    untouched = cells["requests/granted/other_org"]  # its column adds up
    assert untouched.flags == [] and untouched.confidence > 0.99


def test_identities_confirm_printed_cells(real_reports):
    cells = real_reports["301_huaian-gov-2024.pdf"].cells
    assert cells["requests/new/total"].confidence > 0.99
    assert cells["requests/new/total"].value == 3119


def test_a_missing_table_is_unknown_never_zero(real_reports):
    cells = real_reports["207_jiande-transport-2021.txt"].cells
    for key in ("requests/new/total", "appeals/review/total", "active/penalties/decisions"):
        assert cells[key].value is None and cells[key].status == "unknown"
    assert cells["requests/new/total"].flags == ["table_missing"]


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
