"""Accuracy on the real reports kept in tests/fixtures, through the batch command and evaluate."""
import json

import pytest
from click.testing import CliRunner

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
                   "false-flag rate"):
        assert figure in result.output
    assert "207_jiande-transport-2021.txt: 7/7 right" in result.output
    assert "no cells in the batch" in result.output  # the other truth documents were not in this batch
