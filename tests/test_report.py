"""The library as a caller meets it: a report's repr, its cells in doubt with reasons, typed JSON
(and old JSON still read), its own JSON and xlsx exports, errors with a machine-readable reason."""
import json
import shutil
from decimal import Decimal

import pytest

import recover
from recover.errors import REASONS
from recover.report import Report


def test_repr_is_one_line_and_the_report_has_a_docstring(real_reports):
    report = real_reports["301_huaian-gov-2024.pdf"]
    assert repr(report) == "<Report 301_huaian-gov-2024.pdf: template 2021, ok, 200 cells, 0 in doubt>"
    assert "cells_in_doubt" in Report.__doc__


def test_cells_in_doubt_say_why_in_words(real_dir):
    # 209 cut after 行政处罚's first number: "253" may be the start of a longer one
    lines = (real_dir / "209_bj-tongzhou-bureau-2019.txt").read_text().splitlines()
    report = recover.recover_text("\n".join(lines[:lines.index("行政处罚 |") + 2]), "209-cut.txt")
    doubts = report.cells_in_doubt()
    assert len(doubts) == report.flagged_cells
    cut = next(d for d in doubts if d.key == "active/penalties/prior_count")
    assert cut.value == 253 and cut.flags == ("row_cut_off",)
    assert cut.reasons[0].startswith("the document ends inside this row")

def test_a_report_whose_published_totals_do_not_add_up_has_no_cell_in_doubt(real_reports):
    # 102's published totals do not add up, but every number was read without doubt
    assert real_reports["102_pingtan-2020.html"].cells_in_doubt() == []


def test_main_doubt_says_what_a_person_understands(real_reports):
    assert real_reports["207_jiande-transport-2021.txt"].main_doubt == "cut off after 行政许可: 193 cells not printed"
    assert real_reports["102_pingtan-2020.html"].main_doubt == ""  # its broken identity only informs
    assert real_reports["301_huaian-gov-2024.pdf"].main_doubt == ""


def test_to_dict_writes_numbers_and_from_dict_reads_old_and_new_files(real_reports):
    report = real_reports["102_pingtan-2020.html"]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["cells"]["active/penalties/change"]["value"] == -18
    assert data["cells"]["active/procurement/amount"]["value"] == 7380.28959
    again = Report.from_dict(data)
    assert again.value("active/procurement/amount") == Decimal("7380.28959")
    assert again.records() == report.records()
    old = json.loads(json.dumps(data))  # as written before values were typed: strings, None for unknown
    for cell in old["cells"].values():
        cell["value"] = None if cell["value"] is None else str(cell["value"])
    assert Report.from_dict(old).records() == report.records()


def test_a_report_exports_itself_to_json_and_excel(real_reports, tmp_path):
    from openpyxl import load_workbook

    report = real_reports["207_jiande-transport-2021.txt"]
    report.to_json(tmp_path / "r.json")
    assert Report.from_dict(json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))).records() == report.records()
    report.to_excel(tmp_path / "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx")["二、主动公开"]
    licensing = next(row for row in sheet.iter_rows() if row[0].value == "行政许可")
    assert licensing[1].value == 723


def test_a_missing_file_is_file_not_found_with_its_path(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        recover.recover_file(tmp_path / "missing.pdf")
    assert caught.value.filename == str(tmp_path / "missing.pdf")


@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "empty"), ("encrypted-password.pdf", "encrypted"), ("junk-named.pdf", "corrupt"),
    ("budget.txt", "not_a_report"), ("zip-bomb.docx", "too_large"), ("legacy.docx", "unsupported_format"),
    ("report.rtf", "unsupported_format"),
])
def test_an_unreadable_document_says_why_in_a_machine_readable_reason(name, reason, fixtures_dir):
    with pytest.raises(recover.UnreadableDocumentError) as caught:
        recover.recover_file(fixtures_dir / "hostile" / name)
    assert caught.value.reason == reason and reason in REASONS and str(caught.value)


def test_the_reason_survives_a_trip_between_processes():
    import pickle

    error = pickle.loads(pickle.dumps(recover.UnreadableDocumentError("the file is empty", reason="empty")))
    assert error.reason == "empty" and str(error) == "the file is empty"


def test_a_model_that_does_not_run_under_this_scikit_learn_says_what_to_do(tmp_path, monkeypatch):
    from recover import model as model_module
    from recover.classify import RowClassifier

    shipped = model_module.shipped_model_path()
    path = tmp_path / shipped.name
    shutil.copy(shipped, path)
    card = json.loads(model_module.card_path(shipped).read_text(encoding="utf-8"))
    model_module.card_path(path).write_text(json.dumps(dict(card, scikit_learn="0.1")), encoding="utf-8")

    def renamed(self, X):  # what a model pickled by a newer scikit-learn meets in an older one
        raise AttributeError("'LogisticRegression' object has no attribute 'multi_class'")

    monkeypatch.setattr(RowClassifier, "predict_proba", renamed)
    with pytest.warns(UserWarning), pytest.raises(recover.ModelError, match=r"pip install 'scikit-learn==0.1'"):
        recover.load_model(path, trust=True)


def test_a_file_that_is_not_a_model_is_a_model_error_even_when_trusted(tmp_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle at all")
    with pytest.raises(recover.ModelError, match="is not a model file recover can load"):
        recover.load_model(junk, trust=True)
