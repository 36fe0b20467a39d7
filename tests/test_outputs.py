"""A batch's outputs for a person and for analysts: summary.csv says in words why a document is
flagged and tells "not a report" from "failed" (which alone makes the exit status 1); wide
outputs are typed with each cell's status and flags; the workbook is laid out as printed."""
import csv
import shutil

import pandas as pd
from click.testing import CliRunner

from recover.cli import main


def _batch(inputs, out, *extra):
    return CliRunner().invoke(main, ["batch", str(inputs), "--out", str(out), "--no-progress", *extra])


def _summary(out):
    with open(out / "summary.csv", encoding="utf-8") as f:
        return {row["document"]: row for row in csv.DictReader(f)}


def test_a_folder_with_documents_that_are_not_reports_exits_0_and_says_so(tmp_path, real_dir, fixtures_dir):
    docs = tmp_path / "site"
    docs.mkdir()
    for name in ("207_jiande-transport-2021.txt", "301_huaian-gov-2024.pdf"):
        shutil.copy(real_dir / name, docs)
    shutil.copy(fixtures_dir / "hostile" / "budget.txt", docs)
    result = _batch(docs, tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = _summary(tmp_path / "out")
    assert rows["budget.txt"]["outcome"] == "not_a_report" and rows["budget.txt"]["error"]
    assert rows["301_huaian-gov-2024.pdf"]["outcome"] == "ok" and rows["301_huaian-gov-2024.pdf"]["main_doubt"] == ""
    assert rows["207_jiande-transport-2021.txt"]["main_doubt"] == "cut off after 行政许可: 193 cells not printed"
    assert "1 not a report" in result.output
    shutil.copy(fixtures_dir / "hostile" / "empty.txt", docs)
    assert _batch(docs, tmp_path / "out2").exit_code == 1  # a file that failed still says so


def test_wide_outputs_are_typed_with_status_and_flags(tmp_path, real_dir):
    result = _batch(real_dir / "102_pingtan-2020.html", tmp_path, "--format", "wide", "--format", "parquet")
    assert result.exit_code == 0, result.output
    wide = pd.read_parquet(tmp_path / "wide.parquet")
    assert str(wide["requests/new/total"].dtype) == "Int64" and wide["requests/new/total"].sum() == 21
    assert str(wide["active/procurement/amount"].dtype) == "Float64"
    assert wide.loc[0, "active/procurement/amount"] == 7380.28959
    assert pd.isna(wide.loc[0, "active/regulations/issued"])  # a 2021 cell in a 2019 report
    assert wide.loc[0, "requests/total/total:flags"] == "identity_broken_as_printed:requests_col_total"
    assert wide.loc[0, "requests/total/total:status"] == "printed"
    again = pd.read_csv(tmp_path / "wide.csv", keep_default_na=False)
    assert again.loc[0, "requests/new/total"] == 21


def test_the_workbook_is_laid_out_as_printed_with_reasons_in_words(tmp_path, real_dir):
    from openpyxl import load_workbook

    assert _batch(real_dir / "102_pingtan-2020.html", tmp_path, "--format", "xlsx").exit_code == 0
    book = load_workbook(tmp_path / "xlsx" / "102_pingtan-2020.html.xlsx")
    requests = book["三、依申请公开"]
    labels = [row[0].value for row in requests.iter_rows()]
    for heading in ("三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"):
        assert heading in labels
    assert {"B3:H3", "C4:G4"} <= {str(r) for r in requests.merged_cells.ranges}  # 申请人情况, 法人或其他组织
    total = next(row for row in requests.iter_rows() if row[0].value == "（七）总计")
    assert total[7].value == 21 and "（七）总计 = the sum of every 办理结果 row" in total[7].comment.text
    assert total[7].border.left.style == "thin"
    appeals = book["四、复议诉讼"]
    values = next(row for row in appeals.iter_rows(min_row=6) if row[0].value is not None)
    assert len([c for c in values if c.value is not None]) == 15
    assert [appeals.cell(3, 1).value, appeals.cell(3, 6).value] == ["行政复议", "行政诉讼"]
    assert [appeals.cell(4, 6).value, appeals.cell(4, 11).value] == ["未经复议直接起诉", "复议后起诉"]
