"""Bad input: one clear outcome per document, and a batch that goes on and loses nothing."""
import csv
import time
import json
import zipfile

import pytest
from click.testing import CliRunner

import recover
from recover.cli import main

BUDGET = """某局2022年部门预算公开
一、部门预算收支总表
项目\t预算数\t上年数
一般公共预算收入\t1234.56\t1100.00
基本支出\t800\t760
项目支出\t434.56\t340
"""
PROSE = "关于进一步做好政务公开工作的通知\n各单位：为深入贯彻落实《条例》，现就有关事项通知如下。\n" * 5


def bad_inputs(tmp_path):
    files = {
        "empty.txt": b"",
        "blank.txt": b"  \n\n ",
        "junk.bin.txt": bytes(range(256)) * 40,
        "budget.txt": BUDGET.encode("utf-8"),
        "notice.txt": PROSE.encode("gb18030"),
        "fake.docx": _zip_bytes(tmp_path),
        "fake.pdf": b"%PDF-1.4\n%broken beyond repair\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return files


def _zip_bytes(tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a word document")
    data = path.read_bytes()
    path.unlink()
    return data


@pytest.mark.parametrize("name, message", [
    ("empty.txt", "empty"), ("blank.txt", "empty"), ("junk.bin.txt", "binary"),
    ("budget.txt", "standard tables"), ("notice.txt", "table"), ("fake.docx", "not a Word"),
    ("fake.pdf", "PDF"),
])
def test_each_bad_input_raises_one_documented_error(tmp_path, model, name, message):
    bad_inputs(tmp_path)
    with pytest.raises(recover.UnreadableDocumentError, match=message):
        recover.recover_file(tmp_path / name, model)


def test_a_report_cut_off_mid_table_is_flagged_not_failed(model, seeds_dir):
    text = (seeds_dir / "001_dc7fa2148f231570.txt").read_text()
    cut = text[: text.index("5.属于三类内部事务信息") + 20]
    report = recover.recover_text(cut, "cut", model)
    assert report.outcome == "flagged"
    assert report.cells["requests/withheld.internal_affairs/natural_person"].value == 0
    assert report.cells["appeals/review/total"].flags == ["table_missing"]


def test_batch_goes_on_lists_every_document_and_fails_with_status_1(tmp_path, real_dir):
    inputs = tmp_path / "in"
    inputs.mkdir()
    bad_inputs(inputs)
    for name in ("207_jiande-transport-2021.txt", "001_shanghai-gov-office-2019.html"):
        (inputs / name).write_bytes((real_dir / name).read_bytes())
    (inputs / "sub").mkdir()
    (inputs / "sub" / "207_jiande-transport-2021.txt").write_bytes(b"")  # same name, another folder
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(inputs), "--out", str(out), "--no-progress"])
    assert result.exit_code == 1, result.output
    with open(out / "summary.csv", encoding="utf-8") as f:
        summary = {row["document"]: row for row in csv.DictReader(f)}
    assert len(summary) == 10
    assert summary["001_shanghai-gov-office-2019.html"]["outcome"] == "flagged"
    assert summary["207_jiande-transport-2021.txt"]["outcome"] == "flagged"
    assert summary["207_jiande-transport-2021~2.txt"]["outcome"] == "failed"
    for name in ("empty.txt", "junk.bin.txt", "fake.docx", "fake.pdf"):
        assert summary[name]["outcome"] == "failed" and summary[name]["error"], name
    assert summary["budget.txt"]["outcome"] == "not_a_report" and summary["budget.txt"]["error"]
    with open(out / "cells.csv", encoding="utf-8") as f:
        documents = {row["document"] for row in csv.DictReader(f)}
    assert documents == {"001_shanghai-gov-office-2019.html", "207_jiande-transport-2021.txt"}
    failed = json.loads((out / "json" / "empty.txt.json").read_text(encoding="utf-8"))
    assert failed["outcome"] == "failed" and "empty" in failed["error"]


def test_batch_of_good_documents_exits_0(tmp_path, seeds_dir):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(seeds_dir), "--out", str(out), "--no-progress", "--exclude", "truth/*"])
    assert result.exit_code == 0, result.output
    assert len(list((out / "json").glob("*.json"))) == 5
    assert "5 documents: 5 ok" in result.output


def test_a_manifest_that_names_the_rows_in_prose_is_not_a_report(tmp_path, fixtures_dir, real_dir):
    # A site dump: reports beside the folder's manifest, a markdown table whose prose names the
    # standard rows with a quoted figure each ("行政许可 '3705', 其他对外管理服务事项 '109024'") but
    # lays out no table of them.
    manifest = fixtures_dir / "site-dump" / "MANIFEST.md"
    with pytest.raises(recover.UnreadableDocumentError) as error:
        recover.recover_file(manifest)
    assert error.value.reason == "not_a_report"
    inputs = tmp_path / "dump"
    inputs.mkdir()
    (inputs / "MANIFEST.md").write_bytes(manifest.read_bytes())
    (inputs / "203_xiaogan-gov-office-2020.txt").write_bytes((real_dir / "203_xiaogan-gov-office-2020.txt").read_bytes())
    out = tmp_path / "out"
    CliRunner().invoke(main, ["batch", str(inputs), "--out", str(out), "--no-progress"])
    with open(out / "summary.csv", encoding="utf-8") as f:
        summary = {row["document"]: row["outcome"] for row in csv.DictReader(f)}
    # 203, a web excerpt of two rows of one table, laid out as a table: a report
    assert summary == {"MANIFEST.md": "not_a_report", "203_xiaogan-gov-office-2020.txt": "flagged"}


# --- legacy Word and WPS files, converted by LibreOffice -----------------------------------------


def test_a_legacy_word_file_without_libreoffice_says_what_to_install(monkeypatch, model, fixtures_dir):
    from recover.readers import doc

    monkeypatch.setattr(doc.shutil, "which", lambda name: None)
    with pytest.raises(recover.UnreadableDocumentError, match="LibreOffice, which is not installed") as raised:
        recover.recover_bytes((fixtures_dir / "rendered" / "102_pingtan-2020.doc").read_bytes(), "report.doc", model)
    assert raised.value.reason == "unsupported_format"


def test_a_converter_that_hangs_is_stopped_with_everything_it_started(tmp_path, monkeypatch, model, fixtures_dir):
    import os
    import stat

    from recover.readers import doc

    fake = tmp_path / "soffice"  # starts a child of its own, as LibreOffice's launcher does
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {tmp_path}/child\nsleep 300\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(doc, "CONVERT_SECONDS", 1)
    with pytest.raises(recover.UnreadableDocumentError, match="took longer than 1 s"):
        recover.recover_bytes((fixtures_dir / "rendered" / "102_pingtan-2020.doc").read_bytes(), "report.doc", model)
    child = int((tmp_path / "child").read_text())
    for _ in range(100):  # killed at once; reaped by init in its own time
        try:
            state = open(f"/proc/{child}/stat").read().split(")")[1].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the converter's child {child} is still running")


def test_an_office_file_holding_no_word_document_is_refused_clearly(model):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(508) + "Workbook".encode("utf-16-le") + bytes(3000)
    with pytest.raises(recover.UnreadableDocumentError, match="no Word document was found") as raised:
        recover.recover_bytes(ole, "budget.xls", model)
    assert raised.value.reason == "unsupported_format"


def test_a_saved_web_page_with_no_page_inside_says_so(model):
    saved = (b'MIME-Version: 1.0\nContent-Type: multipart/related; boundary="b"\n\n--b\nContent-Type: image/png\n'
             b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n")
    with pytest.raises(recover.UnreadableDocumentError, match="no HTML page inside") as raised:
        recover.recover_bytes(saved, "page.mht", model)
    assert raised.value.reason == "corrupt"
