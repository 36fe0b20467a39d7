"""`recover evaluate`: a batch is scored on its own documents (the truth of documents it did not
hold is listed, not scored); a document a model fails on counts against it; a model compared
with itself changes nothing; a file that is not cells.csv, or a folder without truth, is said so."""
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from recover.cli import main

NOTEBOOK_DATA = Path(__file__).parent.parent / "notebooks" / "data"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_partial_batch_is_scored_on_its_documents_and_lists_the_others(tmp_path, real_dir):
    assert _run("batch", real_dir / "301_huaian-gov-2024.pdf", "--out", tmp_path, "--no-progress").exit_code == 0
    result = _run("evaluate", "--truth", real_dir / "truth", "--cells", tmp_path / "cells.csv", "--json")
    scores = json.loads(result.output)
    assert scores["documents"] == 1 and scores["cells"] == 200 and scores["cell_accuracy"] == 1.0
    assert "102_pingtan-2020.html" in scores["not_in_batch"] and len(scores["not_in_batch"]) == 9
    text = _run("evaluate", "--truth", real_dir / "truth", "--cells", tmp_path / "cells.csv").output
    assert "not in the batch:   9 documents" in text


def test_a_failed_document_of_the_batch_is_scored_with_nothing_right(tmp_path, real_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(real_dir / "301_huaian-gov-2024.pdf", docs)
    (docs / "207_jiande-transport-2021.txt").write_bytes(b"")  # its truth exists; the file failed
    _run("batch", docs, "--out", tmp_path / "out", "--no-progress")
    scores = json.loads(_run("evaluate", "--truth", real_dir / "truth", "--cells", tmp_path / "out" / "cells.csv",
                             "--json").output)
    assert scores["documents"] == 2 and scores["cells"] == 207 and scores["cell_accuracy"] == round(200 / 207, 4)


def test_evaluate_refuses_a_summary_for_cells_and_a_folder_without_truth(tmp_path, real_dir):
    _run("batch", real_dir / "301_huaian-gov-2024.pdf", "--out", tmp_path, "--no-progress")
    result = _run("evaluate", "--truth", real_dir / "truth", "--cells", tmp_path / "summary.csv")
    assert result.exit_code == 1 and "is not a batch's cells.csv" in result.output
    result = _run("evaluate", "--truth", real_dir, "--cells", tmp_path / "cells.csv")
    assert result.exit_code == 1 and f"did you mean {real_dir / 'truth'}" in result.output


def test_compare_keeps_documents_a_model_fails_on_and_a_model_compared_with_itself(tmp_path, real_dir):
    from recover.model import shipped_model_path

    shipped = shipped_model_path()
    truth = tmp_path / "truth"
    truth.mkdir()
    shutil.copy(NOTEBOOK_DATA / "english_report_2023.json", truth)
    shutil.copy(real_dir / "truth" / "301_huaian-gov-2024.json", truth)
    result = _run("evaluate", "--compare", shipped, shipped, real_dir / "301_huaian-gov-2024.pdf",
                  NOTEBOOK_DATA / "english_report_2023.txt", "--truth", truth, "--json")
    assert result.exit_code == 0, result.output
    compared = json.loads(result.output)
    assert compared["rows"] == [] and compared["cells"] == []
    assert [f[:2] for f in compared["failed"]] == [["A", "english_report_2023.txt"], ["B", "english_report_2023.txt"]]
    for name in ("A", "B"):  # the report neither reads counts: 2 documents, 400 cells, 200 right
        assert compared["scores"][name]["documents"] == 2 and compared["scores"][name]["cells"] == 400
        assert compared["scores"][name]["cell_accuracy"] == 0.5


def test_compare_leaves_out_files_no_model_reads_as_a_report_and_says_so(real_dir):
    from recover.model import shipped_model_path

    shipped = shipped_model_path()
    result = _run("evaluate", "--compare", shipped, shipped, real_dir, "--truth", real_dir / "truth")
    assert result.exit_code == 0, result.output
    assert "failed on" not in result.output  # the truth files beside the reports are no failures
    assert "files read as no report by either model, left out: " in result.output
    assert "over 935 cells of 10 documents with truth" in result.output
