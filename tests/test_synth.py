"""The synthetic generator: reproducible, labelled, and a stress test in every layout."""
from click.testing import CliRunner

from recover.tools import synth
from recover.cli import main
from recover.evaluate import load_cells, load_truth, score
from recover.tools.labelling import label_synthetic


def test_same_seed_same_reports():
    a, b = synth.generate(5, 12), synth.generate(5, 12)
    assert [r.content for r in a] == [r.content for r in b]
    assert [r.content for r in synth.generate(6, 12)] != [r.content for r in a]


def test_every_printed_row_is_found_and_labelled():
    for report in synth.generate(11, 40):
        if report.truncated:
            continue
        labelled = {r.row for r in label_synthetic(report)}
        printed = {row.key for row in report.printed if any(c.text for c in row.cells if c.is_value)}
        assert printed <= labelled, (report.name, printed - labelled)


def test_stress_no_silent_errors_in_any_layout(tmp_path, figures):
    reports = synth.generate(2024, 60)
    synth.write_documents(reports, tmp_path / "docs")
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(tmp_path / "docs"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 0, result.output
    scores = score(load_truth(tmp_path / "docs" / "truth"), load_cells(tmp_path / "out" / "cells.csv"))
    figures["synthetic stress (60 reports, 10 layouts)"] = (
        f"cell accuracy {scores.cell_accuracy:.2%}, silent errors {scores.silent_errors}")
    assert scores.silent_errors == 0
    assert scores.cell_accuracy > 0.95
