"""The commands a newcomer tries first: `recover show` prints a report's tables as printed with
the doubtful cells marked; commands that would quietly do nothing, or fail raw, say what to do."""
from click.testing import CliRunner

from recover.cli import main


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], terminal_width=160)


def test_show_prints_the_three_tables_as_printed_with_doubts_marked(real_dir):
    result = _run("show", real_dir / "207_jiande-transport-2021.txt")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "cut off after 行政许可: 193 cells not printed" in out
    for title in ("二、主动公开", "三、依申请公开", "四、复议诉讼", "（三）不予公开", "（六）其他处理", "行政诉讼", "复议后起诉"):
        assert title in out
    assert "723" in out and "?" in out  # printed, and unknown marked
    assert "193 cells in doubt" in out and "the document ends before this cell" in out


def test_show_marks_a_flagged_cell_and_says_why_a_file_is_not_read(real_dir, fixtures_dir, tmp_path):
    # 209 cut after 行政处罚's first number: "253" may be the start of a longer one
    lines = (real_dir / "209_bj-tongzhou-bureau-2019.txt").read_text().splitlines()
    cut = tmp_path / "209-cut.txt"
    cut.write_text("\n".join(lines[:lines.index("行政处罚 |") + 2]))
    out = _run("show", cut).output
    assert "253*" in out and "row_cut_off" in out
    result = _run("show", fixtures_dir / "hostile" / "budget.txt")
    assert result.exit_code == 1 and "none of the three standard tables was found (not_a_report)" in result.output


def test_show_marks_no_cell_whose_flags_only_inform(real_dir):
    # 102's published totals do not add up: kept as printed, flagged to inform, nothing in doubt
    out = _run("show", real_dir / "102_pingtan-2020.html").output
    assert "0 in doubt" in out
    assert out.count("*") == 1  # the legend's "* in doubt" only


def test_synth_without_an_output_says_what_to_give(tmp_path):
    result = _run("synth", "--seed", 1, "--count", 5)
    assert result.exit_code == 2 and "give --documents DIR" in result.output


def test_render_from_the_folder_above_the_truth_points_at_it(tmp_path, real_dir):
    result = _run("render", "--truth", real_dir, "--out", tmp_path)
    assert result.exit_code == 2 and f"did you mean {real_dir / 'truth'}" in result.output


def test_train_outside_a_checkout_and_with_unlabelled_lines_says_so(tmp_path, monkeypatch, real_dir):
    monkeypatch.chdir(tmp_path)
    result = _run("train")
    assert result.exit_code == 2 and "no training_data/ here" in result.output
    labels = tmp_path / "labels.tsv"
    assert _run("label", real_dir / "207_jiande-transport-2021.txt", "--out", labels).exit_code == 0
    result = _run("train", "--data", labels, "--out", tmp_path / "m.joblib", "--folds", 1)
    assert result.exit_code == 1 and "no labelled rows" in result.output and "have no label" in result.output


def test_train_says_how_many_unlabelled_lines_it_left_out(tmp_path, monkeypatch, real_dir):
    import csv
    import json

    monkeypatch.chdir(tmp_path)
    rows = _label_file(real_dir / "209_bj-tongzhou-bureau-2019.txt", tmp_path / "labels.tsv")
    for r in rows[:5]:
        r["row"] = r["predicted"]
    with open(tmp_path / "labels.tsv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    training = real_dir.parents[2] / "training_data" / "real"
    result = _run("train", "--data", training, "--data", "labels.tsv", "--out", "m.joblib", "--folds", 1)
    assert result.exit_code == 0, result.output
    assert f"labels.tsv: {len(rows) - 5} lines have no label in the row column yet: left out" in result.output
    assert json.loads((tmp_path / "m.card.json").read_text(encoding="utf-8"))["unlabelled"] == {"labels.tsv": len(rows) - 5}


def _label_file(path, out, *args):
    """`recover label`'s lines for one document, as dicts."""
    import csv

    assert _run("label", path, "--out", out, *args).exit_code == 0
    with open(out, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_the_label_file_shows_labels_and_numbers_as_printed(tmp_path, real_dir):
    english = real_dir.parents[2] / "notebooks" / "data" / "english_report_2022.txt"
    rows = _label_file(english, tmp_path / "labels.tsv", "--order", "document")
    new = next(r for r in rows if r["own_label"].startswith("Newapplications"))
    assert new["label"].startswith("New applications received")  # spaces kept
    assert new["values"].split(" | ") == ["36", "3", "0", "0", "2", "0", "41"] and new["value_count"] == "7"
    text = english.read_text(encoding="utf-8")
    assert all(v in text for r in rows for v in r["values"].split(" | ") if v)


def test_the_label_file_suggests_a_row_id_on_every_line(tmp_path, real_dir):
    from recover import schema

    report = real_dir / "301_huaian-gov-2024.pdf"
    rows = _label_file(report, tmp_path / "labels.tsv")
    ids = set(schema.row_keys("2021")) | {schema.NOT_A_ROW}
    assert all(r["suggested"] in ids for r in rows)
    assert sum(r["suggested"] == r["predicted"] != "none" for r in rows) >= 29  # the data rows, read right
    assert all(r["row"] == "" for r in rows)
    prefilled = _label_file(report, tmp_path / "prefilled.tsv", "--prefill")
    assert all(r["row"] == r["suggested"] for r in prefilled)


def test_render_printed_scans_the_real_pdfs_as_they_were_printed(tmp_path, real_dir):
    import json

    import pypdfium2

    result = _run("render", "--truth", real_dir / "truth", "--printed", "--kinds", "scan", "--dpi", 72, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    scans = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert scans == ["301_huaian-gov-2024_printed_scan72.pdf"]  # the only PDF among the real reports here
    document = pypdfium2.PdfDocument(str(tmp_path / scans[0]))
    assert len(document) == 6 and not document[0].get_textpage().get_text_range().strip()  # pages, no text
    truth = json.loads((tmp_path / "truth" / f"{scans[0]}.json").read_text(encoding="utf-8"))
    assert truth["document"] == scans[0] and len(truth["cells"]) == 200
    result = _run("render", "--truth", real_dir / "truth", "--printed", "--kinds", "docx", "--out", tmp_path)
    assert result.exit_code == 2 and "--printed scans real reports" in result.output
