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


def _garbled(candidate, label):
    from dataclasses import replace

    return replace(candidate, labels=[label])


def test_rows_are_aligned_to_the_rows_printed_and_a_row_too_far_from_any_is_left_out():
    from recover import readers
    from recover.candidates import find_candidates
    from recover.tools.labelling import align_printed
    import random

    name, template, blocks, _ = next(synth.generate_blocks(4, 1))
    candidates = find_candidates(readers.read(synth.render(blocks, "tab", random.Random(0)).encode())[0])
    printed = [row.key for block in blocks if isinstance(block, synth.Table) for row in block.rows
               if row.key != "none" and any(c.text.strip() for c in row.cells if c.is_value)]
    keys = align_printed(candidates, blocks)
    assert [k for k in keys if k not in (None, "none")] == printed  # each printed row once, in order
    # A label OCR destroyed is no row's: left out, not guessed; its neighbours keep theirs.
    i = keys.index("requests/withheld.third_party")
    garbled = align_printed(candidates[:i] + [_garbled(candidates[i], "口口口")] + candidates[i + 1:], blocks)
    assert garbled[i] is None and garbled[:i] + garbled[i + 1:] == keys[:i] + keys[i + 1:]
    # Two rows whose labels OCR made alike: the order of the rows printed still tells them apart.
    j = keys.index("requests/withheld.internal_affairs")
    swapped = list(candidates)
    swapped[j] = _garbled(candidates[j], candidates[j].labels[-1].replace("三类内部事务", "四类过程性"))
    relabelled = align_printed(swapped, blocks)
    assert relabelled[j] in ("requests/withheld.internal_affairs", None)
    assert relabelled[j + 1] == keys[j + 1] == "requests/withheld.process_info"


def test_a_rendered_scan_s_rows_read_by_ocr_are_labelled_by_the_rows_printed():
    from difflib import SequenceMatcher

    from recover import schema
    from recover.tools.labelling import label_scanned
    from recover.tools.render import render
    from recover.values import normalize

    name, template, blocks, truth = next(synth.generate_blocks(3, 1))
    [scanned] = render(name, blocks, "scan", seed=3)
    rows = label_scanned(scanned.name, template, blocks, scanned.data)
    printed = {row.key: row.own_label for block in blocks if isinstance(block, synth.Table) for row in block.rows
               if row.key != schema.NOT_A_ROW}
    labelled = [r for r in rows if r.row != schema.NOT_A_ROW]
    assert len({r.row for r in labelled}) == len(labelled)  # no row given twice
    assert len(labelled) >= 0.9 * len(printed)
    for r in labelled:
        if printed[r.row]:  # what OCR read as the row's label is the label printed there
            assert SequenceMatcher(None, r.description["label"], normalize(printed[r.row]).replace(" ", "")).ratio() > 0.8, r
        numbers = [str(truth[k]) for k in schema.printed_cells(template, r.row)]
        assert r.printed_values.replace(" ", "").replace("|", "") == "".join(numbers) or r.row == schema.APPEALS_AS_ONE_ROW
