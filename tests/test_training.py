"""The retraining kit: label files, reproducible training, safe model loading, and the rows the
identities prove wrong."""
import json
import re
from pathlib import Path

import joblib
import numpy as np
import pytest
from click.testing import CliRunner

import recover
from recover.cli import main
from recover.model import ModelError, card_path, load_model, save_model
from recover.pipeline import classify_layout
from recover import readers
from recover.training import COLUMNS, LabelError, LabelledRow, fit, identity_suggestions, read_dir, read_rows, write_rows

ROOT = Path(__file__).parents[1]
TRAINING = ROOT / "training_data"


def label_file(tmp_path, lines: list[dict], name="labels.tsv"):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for line in lines:
            f.write("\t".join(str(line.get(c, "")) for c in COLUMNS) + "\n")
    return path


LINE = {"document": "d.txt", "index": 0, "template": "2021", "row": "requests/new", "label": "一、本年新收 政府信息公开申请数量",
        "values": "3 | 0 | 0 | 0 | 1 |  | 4", "own_label": "一、本年新收政府信息公开申请数量", "section": "requests",
        "position": 0, "value_count": 7, "filled": 6}


def test_a_label_file_reads_and_unlabelled_lines_wait(tmp_path):
    path = label_file(tmp_path, [LINE, dict(LINE, index=1, row="")])
    rows = read_rows(path)
    assert len(rows) == 1 and rows[0].row == "requests/new" and rows[0].description["filled"] == 6
    assert rows[0].description["label"] == "一、本年新收政府信息公开申请数量" and rows[0].description["values"] == 7
    assert (rows[0].printed_label, rows[0].printed_values) == ("一、本年新收 政府信息公开申请数量", "3 | 0 | 0 | 0 | 1 |  | 4")


def test_a_label_file_reads_back_as_written(tmp_path):
    path = label_file(tmp_path, [LINE, dict(LINE, index=1, row="none", suggested="requests/carried_over")])
    again = tmp_path / "again.tsv"
    write_rows(again, read_rows(path))
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_a_label_file_written_before_labels_were_shown_as_printed_still_reads(tmp_path):
    path = tmp_path / "older.tsv"
    path.write_text("document\tindex\ttemplate\tsuggested\trow\tprinted\tnumbers\tlabel\tsection\tvalues\tfilled\n"
                    "d.txt\t0\t2021\t/somewhere/labels.tsv:2\trequests/new\t一、本年新收 申请\t3 0\t一、本年新收申请\t"
                    "requests\t7\t6\n", encoding="utf-8")
    [row] = read_rows(path)
    assert row.description["label"] == "一、本年新收申请" and row.description["values"] == 7
    assert (row.printed_label, row.printed_values, row.suggested) == ("一、本年新收 申请", "3 0", "")


def test_training_files_suggest_row_ids_never_places():
    # An older read_rows put each line's own file:line in `suggested`; the files were rewritten.
    import csv

    ids = set(recover.schema.all_row_keys()) | {""}
    for path in TRAINING.rglob("*.tsv"):
        with open(path, encoding="utf-8", newline="") as f:
            bad = {r["suggested"] for r in csv.DictReader(f, delimiter="\t")} - ids
        assert not bad, f"{path.name}: {sorted(bad)[:3]}"


@pytest.mark.parametrize("bad, message", [
    (dict(LINE, row="requests/newly"), "3: 'requests/newly' is not a row ID of template 2021"),
    (dict(LINE, row="requests/other"), "is not a row ID of template 2021"),  # the 2019 row, in a 2021 report
    (dict(LINE, template="2020"), "template '2020' is not one of"),
    (dict(LINE, value_count="seven"), "3:"),
])
def test_a_bad_label_is_refused_with_its_line(tmp_path, bad, message):
    path = label_file(tmp_path, [LINE, bad])
    with pytest.raises(LabelError, match=message):
        read_rows(path)


def test_label_files_merge_without_duplicates_the_later_label_winning(tmp_path):
    first = label_file(tmp_path, [LINE, dict(LINE, index=1, row="none", label="x")], "a.tsv")
    second = label_file(tmp_path, [dict(LINE, row="requests/carried_over")], "b.tsv")
    rows = read_dir(first, second)
    assert len(rows) == 2
    assert {r.index: r.row for r in rows} == {0: "requests/carried_over", 1: "none"}


def test_training_is_reproducible(tmp_path):
    rows = read_dir(TRAINING / "real") + read_dir(TRAINING / "synthetic")[:3000]
    a, b = fit(rows, seed=3), fit(rows, seed=3)
    X = [r.description for r in rows[:200]]
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_recover_train_writes_the_model_and_a_true_card(tmp_path, fixtures_dir):
    out = tmp_path / "model" / "m.joblib"
    result = CliRunner().invoke(main, ["train", "--data", str(TRAINING / "real"), "--out", str(out), "--folds", "2",
                                       "--documents", str(fixtures_dir / "real"), "--documents", str(fixtures_dir / "seeds")])
    assert result.exit_code == 0, result.output
    card = json.loads(card_path(out).read_text(encoding="utf-8"))
    assert card["sha256"] and card["templates"] == ["2021", "2019"] and card["scikit_learn"]
    assert len(card["training_files"]) == 15 and all(len(f["sha256"]) == 64 for f in card["training_files"])
    assert card["rows_per_id"]["requests/new"] >= 10 and "accuracy" in card["cross_validation"]
    # every hand-labelled document held out in turn: its rows, and its cells against its truth
    rows, cells = card["held_out"]["rows"], card["held_out"]["cells"]
    assert rows["documents"] == 15 and rows["rows"] == card["rows"] and cells["documents"] == 15
    assert cells["cells"] == sum(len(json.loads(p.read_text(encoding="utf-8"))["cells"])
                                 for p in [*(fixtures_dir / "real" / "truth").glob("*.json"),
                                           *(fixtures_dir / "seeds" / "truth").glob("*.json")])
    for what, measured in (("rows", rows), ("cells", cells)):
        bins = measured["reliability"]
        assert sum(b["cells"] for b in bins) == measured[what]
        gap = sum(b["cells"] * abs(b["mean_confidence"] - b["right"]) for b in bins) / sum(b["cells"] for b in bins)
        assert abs(gap - measured["ece"]) < 1e-3 and 0 <= measured["ece"] <= 1
    text = out.with_suffix(".card.md").read_text(encoding="utf-8")
    assert text.startswith("# Model card") and "## Confidence on documents never trained on" in text
    assert f"Expected calibration error {cells['ece']:.4f}" in text
    assert isinstance(load_model(out, sha256=card["sha256"]), recover.classify.RowClassifier)


def test_a_tampered_model_is_refused_unless_trusted(tmp_path, model):
    path = tmp_path / "m.joblib"
    card = save_model(model, path, {"note": "test"})
    assert isinstance(load_model(path, sha256=card["sha256"]), type(model))
    changed = joblib.load(path)
    changed.C = 1.0  # any change to the pickled file
    joblib.dump(changed, path)
    with pytest.raises(ModelError, match="sha256"):
        load_model(path, sha256=card["sha256"])
    with pytest.raises(ModelError, match="not a model recover knows"):
        load_model(path)
    assert load_model(path, trust=True).C == 1.0


def test_a_model_from_another_scikit_learn_says_so(tmp_path, model):
    path = tmp_path / "m.joblib"
    save_model(model, path, {})
    card = json.loads(card_path(path).read_text())
    card["scikit_learn"] = "0.1.0"
    card_path(path).write_text(json.dumps(card))
    with pytest.warns(UserWarning, match="scikit-learn 0.1.0"):
        load_model(path, sha256=card["sha256"])


def test_a_document_whose_others_cannot_be_fitted_alone_is_left_unmeasured():
    from recover.training import held_out

    real = [r for r in read_dir(TRAINING / "real") if r.document == "207_jiande-transport-2021.txt"]
    blank = LabelledRow("blank.txt", 0, "none", dict(real[0].description, label="", context="", heading="",
                                                        prev_label="", next_label=""), "2021", source="x:2")
    measured = held_out(real + [blank])
    assert list(measured["unmeasured"]) == ["207_jiande-transport-2021.txt"]
    assert measured["rows"]["documents"] == 1 and measured["rows"]["rows"] == 1 and measured["cells"] is None


def test_the_shipped_models_confidence_held_out_meets_its_goals_and_readme_says_so():
    from recover.model import shipped_model_path

    card = json.loads(card_path(shipped_model_path()).read_text(encoding="utf-8"))
    cells = card["held_out"]["cells"]
    assert cells["documents"] == 15 and cells["silent_errors"] == 0
    assert cells["ece"] <= 0.02 and cells["confident_accuracy"] >= 0.999
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"ECE {cells['ece']:.4f}" in readme and f"ECE {card['held_out']['rows']['ece']:.4f}" in readme
    for b in cells["reliability"]:
        assert f"| {b['confidence']} | {b['cells']} | {b['mean_confidence']:.4f} | {b['right']:.2%} |" in readme


def test_the_shipped_model_matches_its_card():
    from recover.model import sha256, shipped_model_path

    path = shipped_model_path()
    card = json.loads(card_path(path).read_text(encoding="utf-8"))
    assert card["sha256"] == sha256(path)
    for entry in card["training_files"]:
        assert entry["rows"] == len(read_rows(ROOT / entry["path"]))
        assert entry["sha256"] == sha256(ROOT / entry["path"]), f"{entry['path']} changed since the model was trained"
    assert sorted(e["path"] for e in card["training_files"]) == \
        sorted(str(p.relative_to(ROOT)) for p in TRAINING.rglob("*.tsv"))


def _readme_regeneration() -> tuple[list[str], Path]:
    """README's command for the synthetic training rows, as arguments, and the file it writes."""
    command = re.search(r"`recover (synth --seed \d+ --count \d+ --rows (training_data/synthetic/\S+\.tsv))`",
                        (ROOT / "README.md").read_text(encoding="utf-8"))
    assert command, "README gives the command that regenerates training_data/synthetic"
    return command.group(1).split(), ROOT / command.group(2)


def test_readmes_command_regenerates_the_committed_synthetic_rows(tmp_path):
    # The first reports of a seed do not depend on how many follow, so a dozen of them must give
    # the committed file's first lines, the same bytes on every run.
    args, committed = _readme_regeneration()
    args[args.index("--count") + 1] = "12"
    written = []
    for run in ("a", "b"):
        args[args.index("--rows") + 1] = str(tmp_path / f"{run}.tsv")
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        written.append((tmp_path / f"{run}.tsv").read_bytes())
    assert written[0] == written[1]
    whole = committed.read_bytes()
    assert whole.startswith(written[0]) and whole[len(written[0]):].startswith(b"synthetic_1_00012_"), \
        f"{committed.relative_to(ROOT)} is not what README's command writes: run it, then `recover train`"


def test_rows_the_identities_prove_wrong_are_found(model, real_dir):
    classified = classify_layout(readers.read((real_dir / "301_huaian-gov-2024.pdf").read_bytes())[0], model)
    keys = classified.decoding.keys
    granted, total = keys.index("requests/granted"), keys.index("requests/total")
    keys[granted], keys[total] = keys[total], keys[granted]  # a classifier mistake the identities expose
    suggested = identity_suggestions(classified)
    assert suggested[classified.candidates[granted].index] == "requests/granted"
    assert suggested[classified.candidates[total].index] == "requests/total"


def test_recover_label_writes_the_doubtful_rows_first(tmp_path, real_dir):
    out = tmp_path / "labels.tsv"
    result = CliRunner().invoke(main, ["label", str(real_dir / "002_pingtan-2021-flat.txt"), str(real_dir / "201_zhanjiang-devzone-police-2021.txt"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    probabilities = [float(line.split("\t")[header.index("probability")]) for line in lines[1:]]
    assert probabilities == sorted(probabilities) and len(lines) > 40
    assert all(line.split("\t")[header.index("row")] == "" for line in lines[1:])
