"""The hostile corpus (recover.tools.hostile) through a batch: no crash, nothing lost, every outcome as
expected.json says, no unflagged cell contradicting the truth, nothing fetched or included."""
import csv
import http.server
import io
import json
import threading
import urllib.request
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import recover
from recover.cells import doubts
from recover.tools import hostile
from recover.cli import main
from recover.tools.render import to_docx

FETCHED = "从网上取来的内容"  # what the local server answers: it must never reach a report


@pytest.fixture(scope="module")
def samples(fixtures_dir):
    """Hostile samples committed to the repository (made by the generator)."""
    return fixtures_dir / "hostile"


def check_batch(corpus: Path, out: Path) -> dict:
    """Every document of the corpus against expected.json; the problems found, and counts."""
    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    with open(out / "summary.csv", encoding="utf-8") as f:
        summary = {Path(row["path"]).relative_to(corpus).as_posix(): row for row in csv.DictReader(f)}
    problems, cells_checked = [], 0
    for name, want in expected["documents"].items():
        row = summary.get(name)
        if row is None:
            problems.append(f"{name}: missing from the summary")
            continue
        if row["error"].startswith(("internal error", "the reader crashed")):
            problems.append(f"{name}: crashed: {row['error']}")
        if row["outcome"] not in want["outcomes"]:
            problems.append(f"{name}: {row['outcome']} ({row['error']}), expected {want['outcomes']}")
        report = json.loads((out / "json" / f"{row['document']}.json").read_text(encoding="utf-8"))
        flags = {f for cell in report["cells"].values() for f in cell["flags"]} | set(report["flags"])
        if want["reason"] and not (want["reason"] in row["error"] or any(want["reason"] in f for f in flags)):
            problems.append(f"{name}: neither its error nor its flags say {want['reason']!r}: {row['error']}")
        truth = expected["truths"].get(want["truth"] or "", {})
        for key, cell in report["cells"].items():
            if key not in truth or cell["status"] == "unknown" or doubts(cell["flags"]):
                continue
            cells_checked += 1
            if cell["value"] is None or float(cell["value"]) != float(truth[key]):
                problems.append(f"{name}: {key} = {cell['value']} unflagged, truth {truth[key]}")
    leaked = [p.name for p in out.rglob("*") if p.is_file() and hostile.SECRET_MARK.encode() in p.read_bytes()]
    if leaked:
        problems.append(f"{hostile.SECRET_FILE} found its way into {leaked}")
    return {"problems": problems, "documents": len(expected["documents"]), "summary": len(summary),
            "cells": cells_checked}


def run_batch(corpus: Path, out: Path, *options: str):
    return CliRunner().invoke(main, ["batch", str(corpus), "--out", str(out), "--no-progress", *options])


def test_the_whole_hostile_corpus_through_a_batch(tmp_path, figures):
    corpus = tmp_path / "hostile corpus"  # a space in the folder's name too
    count = hostile.write_corpus(corpus, big=True, special=True)
    out = tmp_path / "out"
    result = run_batch(corpus, out, "--jobs", "2", "--time-limit", "120", "--exclude", "expected.json")
    assert result.exit_code == 1, result.output  # documented: 1 when any document failed
    checked = check_batch(corpus, out)
    assert checked["problems"] == []
    assert checked["summary"] == count
    outcomes = [row["outcome"] for row in csv.DictReader(open(out / "summary.csv", encoding="utf-8"))]
    figures["hostile corpus"] = (f"{count} files through `recover batch --jobs 2`: 0 crashes, all {count} in the "
                                 f"summary ({outcomes.count('ok')} ok, {outcomes.count('flagged')} flagged, "
                                 f"{outcomes.count('failed')} failed as expected), {checked['cells']} unflagged "
                                 "cells all equal to the truth")


def test_the_committed_samples_are_what_the_generator_makes(tmp_path, samples):
    hostile.write_corpus(tmp_path, big=False, special=False)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(samples) for p in samples.rglob("*") if p.is_file())
    assert made == committed
    for path in made:
        assert (tmp_path / path).read_bytes() == (samples / path).read_bytes(), path


def test_names_with_spaces_chinese_and_twins_are_kept_apart(tmp_path, samples):
    out = tmp_path / "out"
    result = run_batch(samples / "names", out)  # a folder of its own: expected.json is not in it
    assert result.exit_code == 1
    with open(out / "summary.csv", encoding="utf-8") as f:
        rows = {row["document"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"report.txt", "report~2.txt", "report with spaces.txt", "交通运输局 2022年报.txt"}
    assert rows["report.txt"]["path"].endswith("a/report.txt") and rows["report.txt"]["outcome"] == "ok"
    assert rows["report~2.txt"]["path"].endswith("b/report.txt") and rows["report~2.txt"]["outcome"] == "failed"
    for name in rows:
        assert (out / "json" / f"{name}.json").exists()
    with open(out / "cells.csv", encoding="utf-8") as f:
        documents = {row["document"] for row in csv.DictReader(f)}
    assert documents == {"report.txt", "report with spaces.txt", "交通运输局 2022年报.txt"}


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(FETCHED.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """A local web server that records every request made to it."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.requests = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_nothing_a_document_points_at_is_fetched(listener, model):
    urllib.request.urlopen(f"{listener}/probe").read()  # the listener does hear requests
    assert _Recorder.requests == ["/probe"]
    _Recorder.requests.clear()
    blocks, _ = hostile.source_report()
    page = hostile.fetching_html(hostile.as_html(blocks), listener)
    entity = hostile.with_external_entity(page.encode(), b"<body>").replace(
        f"file://{hostile.SECRET_FILE}".encode(), f"{listener}/entity".encode())
    docx = to_docx(blocks)
    body = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    word = hostile.docx_with(hostile.with_external_entity(body, b"<w:body>").replace(
        f"file://{hostile.SECRET_FILE}".encode(), f"{listener}/word-entity".encode()), docx)
    for data in (page.encode(), entity, word):
        report = recover.recover_bytes(data, "document", model)
        assert report.outcome == "ok"
        assert FETCHED not in json.dumps(report.to_dict(), ensure_ascii=False)
    assert _Recorder.requests == []


def test_entities_are_neither_read_nor_expanded(model, samples):
    for name in ("external-entity.html", "external-entity.docx"):
        report = recover.recover_file(samples / name, model)
        text = json.dumps(report.to_dict(), ensure_ascii=False)
        assert hostile.SECRET_MARK not in text and "lollol" not in text, name
