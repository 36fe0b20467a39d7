"""A batch that no file name, input, signal, model file or second batch can break, and that never
hands back stale results (issue 15): each test reproduces one way it broke."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import recover
from recover.batch import find_inputs, read_reports, run_batch, walk
from recover.cli import main
from recover.model import ModelError, load_model, save_model

FIXTURES = Path(__file__).parent / "fixtures"
REAL, SEEDS = FIXTURES / "real", FIXTURES / "seeds"
TEXT = (SEEDS / "000_f75c2c88bf6d12f5.txt").read_bytes()
OTHER = (REAL / "207_jiande-transport-2021.txt").read_bytes()
REPO = Path(__file__).resolve().parent.parent


def batch(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """``recover batch`` as a user runs it (its own process; -P: not from the current folder)."""
    return subprocess.run([sys.executable, "-P", "-m", "recover", "batch", "--no-progress", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=_env(env))


def _env(extra=None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return dict(env, **(extra or {}))


def summary(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", encoding="utf-8", newline="") as f:
        return {row["document"]: row for row in csv.DictReader(f)}


def outputs_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] != ".recover"}


# --- names -----------------------------------------------------------------------------------


def test_a_name_that_is_not_utf8_is_written_safely_and_kept_apart(tmp_path):
    docs = tmp_path / "g"
    docs.mkdir()
    gbk = os.fsdecode("年报".encode("gbk")) + ".txt"  # as unzipping a Chinese Windows archive gives
    (docs / gbk).write_bytes(TEXT)
    (docs / "年报.txt").write_bytes(OTHER)  # the same name in UTF-8: a different file
    (docs / (os.fsdecode(b"\xff\xfe") + ".txt")).write_bytes(TEXT)  # no encoding at all
    out = tmp_path / "o"
    result = batch(docs, "--out", out)
    assert result.returncode == 0, result.stderr
    rows = summary(out)
    assert set(rows) == {"年报.txt", "年报~2.txt", "\\xff\\xfe.txt"}
    assert {rows["年报.txt"]["agency"], rows["年报~2.txt"]["agency"]} == {"孟津区科技和工业信息化局", ""}  # two files
    for name in rows:
        assert json.loads((out / "json" / f"{name}.json").read_text(encoding="utf-8"))["document"] == name
    again = batch(docs, "--out", out, "--resume")
    assert again.returncode == 0 and "3 documents already done, 0 to go" in again.stderr


def test_a_name_of_255_bytes_fits(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    long = "交" * 83 + ".txt"  # 253 bytes: legal on disk, too long once .json is added
    (docs / long).write_bytes(TEXT)
    (docs / ("交" * 83 + "x.txt")).write_bytes(OTHER)  # the same name once both are cut to fit
    out = tmp_path / "out"
    result = batch(docs, "--out", out, "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    names = list(summary(out))
    assert len(names) == 2 and len(set(names)) == 2
    for name in names:
        assert len(f"{name}.json".encode()) <= 255 and (out / "json" / f"{name}.json").exists()
        assert (out / "xlsx" / f"{name}.xlsx").exists()


def test_control_characters_in_a_name_never_break_a_csv_row(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a\rb.txt").write_bytes(TEXT)
    (docs / "c\nd.txt").write_bytes(OTHER)
    out = tmp_path / "out"
    assert batch(docs, "--out", out, "--format", "wide").returncode == 0
    for table in ("summary.csv", "wide.csv"):
        with open(out / table, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert len(rows) == 3 and len({len(r) for r in rows}) == 1, table
        assert len(pd.read_csv(out / table, keep_default_na=False)) == 2
    cells = pd.read_csv(out / "cells.csv", keep_default_na=False)
    assert set(cells["document"]) == {"a\\x0db.txt", "c\\x0ad.txt"}
    assert len(cells) == sum(1 for _ in csv.DictReader(open(out / "cells.csv", encoding="utf-8", newline="")))


def test_a_name_starting_with_equals_is_text_in_the_workbook(tmp_path):
    from openpyxl import load_workbook

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "=HYPERLINK(1).txt").write_bytes(TEXT)
    out = tmp_path / "out"
    assert batch(docs, "--out", out, "--format", "xlsx").returncode == 0
    book = load_workbook(out / "xlsx" / "=HYPERLINK(1).txt.xlsx")
    for sheet in book.worksheets:
        assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("=HYPERLINK(1).txt")


def test_names_and_the_check_across_years_do_not_depend_on_the_order_of_the_paths(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_bytes(TEXT if folder == "a" else OTHER)
    first, second = tmp_path / "first", tmp_path / "second"
    batch(tmp_path / "a", tmp_path / "b", "--out", first)
    batch(tmp_path / "b", tmp_path / "a", "--out", second)
    assert outputs_of(first) == outputs_of(second)
    assert summary(first)["report.txt"]["path"].endswith("a/report.txt")


# --- inputs ----------------------------------------------------------------------------------


def test_every_regular_file_is_read_once_and_every_skipped_one_said(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    for name in ("download.jsp?id=301", "report.PDF.1", "page.mht", "page.jhtml", "page.aspx", ".hidden.txt"):
        (docs / name).write_bytes(TEXT)
    (docs / "sub" / "deep.txt").write_bytes(OTHER)
    (docs / "link-to-sub").symlink_to("sub", target_is_directory=True)  # the same folder again
    (docs / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (docs / "notes.log").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    found = walk([docs, docs / "sub" / "deep.txt", "./docs/"], exclude=["*.log"])
    names = [i.name for i in found.inputs]
    assert names == [".hidden.txt", "download.jsp?id=301", "page.aspx", "page.jhtml", "page.mht", "report.PDF.1",
                     "deep.txt"]
    assert found.inputs[-1].path == docs / "sub" / "deep.txt"
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert reasons["notes.log"] == "excluded by --exclude *.log"
    assert "already read" in reasons["link-to-sub"]
    assert "already read" in reasons["loop"]
    assert reasons["deep.txt"].startswith("the same file as")
    only = walk([docs], include=["*.mht"])
    assert [i.name for i in only.inputs] == ["page.mht"]
    assert all(s.reason in ("matched by no --include",) or "already read" in s.reason for s in only.skipped)
    result = batch(docs, "--out", tmp_path / "out", "--exclude", "*.log")
    assert "skipped 1 file by --include/--exclude" in result.stderr
    assert "already read (a link back to it)" in result.stderr
    assert len(summary(tmp_path / "out")) == 7


# --- the manifest, the output folder, a second batch ------------------------------------------


@pytest.mark.parametrize("manifest, says", [
    (b"name,agency,year\na.txt,X,2021\n", "no 'document' column"),
    ("document,agency,year\na.txt,X,2021年\n".encode(), "is not a number"),
    (bytes(range(256)) * 4, "not a"),
])
def test_a_bad_manifest_is_refused_before_any_work(tmp_path, manifest, says):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    (tmp_path / "manifest.csv").write_bytes(manifest)
    result = batch(docs, "--out", tmp_path / "out", "--manifest", tmp_path / "manifest.csv")
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_only_the_files_the_batch_wrote_are_touched(tmp_path):
    out = tmp_path / "out"
    (out / ".git").mkdir(parents=True)
    theirs = [out / ".git" / ".index.lock.tmp", out / ".notes.tmp", out / "json" / ".mine.tmp"]
    theirs[2].parent.mkdir()
    for path in theirs:
        path.write_text("someone else's")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    assert batch(docs, "--out", out).returncode == 0
    assert all(p.read_text() == "someone else's" for p in theirs)


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    (docs / "hang.txt").write_bytes(TEXT)
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-P", "-m", "recover", "batch", str(docs), "--out", str(out),
                              "--no-progress"], env=_env(_hooks(tmp_path)), stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: (out / "json" / "a.txt.json").exists())
        second = batch(docs, "--out", out)
        assert second.returncode == 2
        assert "another batch" in second.stderr and "is writing to" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        first.kill()
        first.wait()


# --- resuming after the inputs changed ---------------------------------------------------------


def _carrying(agency: str, year: int, carried: int) -> bytes:
    text = TEXT.decode().replace("孟津区科技和工业信息化局2021年", f"{agency}{year}年")
    zeros, row = "\t".join(["0"] * 7), "\t".join(map(str, [carried, 0, 0, 0, 0, 0, carried]))
    text = text.replace(f"二、上年结转政府信息公开申请数量\t{zeros}", f"二、上年结转政府信息公开申请数量\t{row}")
    return text.replace(f"四、结转下年度继续办理\t\t\t{zeros}", f"四、结转下年度继续办理\t\t\t{row}").encode()


def test_resume_redoes_what_changed_and_drops_what_is_gone(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "a2021.txt").write_bytes(_carrying("某局", 2021, 0))
    (docs / "a2022.txt").write_bytes(_carrying("某局", 2022, 2))  # breaks identity 5 with a2021
    (docs / "edited.txt").write_bytes(TEXT)
    (docs / "gone.txt").write_bytes(OTHER)
    # three scanned pages take seconds of OCR; a text report, a fraction of one even on a loaded machine
    (docs / "slow.pdf").write_bytes((REAL.parent / "kinds" / "huaian-2024-scan200.pdf").read_bytes())
    formats = ["--format", "wide", "--format", "parquet", "--format", "xlsx"]
    batch(docs, "--out", out, "--time-limit", "2", *formats)
    assert "took longer" in summary(out)["slow.pdf"]["error"]
    assert ":cross_year" in (out / "cells.csv").read_text(encoding="utf-8")  # named on both years
    (docs / "edited.txt").write_bytes(OTHER)
    (docs / "gone.txt").unlink()
    (docs / "a2021.txt").unlink()  # a2022's partner: its cross-year flags must go
    result = batch(docs, "--out", out, "--resume", "--time-limit", "2", *formats)
    assert "resuming: 2 documents already done, 1 to go" in result.stderr  # a2022 and slow kept, edited redone
    fresh = tmp_path / "fresh"
    batch(docs, "--out", fresh, "--time-limit", "2", *formats)
    assert outputs_of(out) == outputs_of(fresh)
    result = batch(docs, "--out", out, "--resume", *formats)  # other options: everything again
    assert "resuming: 0 documents already done, 3 to go" in result.stderr
    assert summary(out)["edited.txt"]["agency"] == ""  # OTHER's title names no agency; TEXT's does
    assert summary(out)["slow.pdf"]["outcome"] != "failed"
    assert "cross_year" not in (out / "cells.csv").read_text(encoding="utf-8")
    assert set(pd.read_parquet(out / "wide.parquet")["document"]) == {"a2022.txt", "edited.txt", "slow.pdf"}
    assert not (out / "json" / "gone.txt.json").exists() and not (out / "xlsx" / "a2021.txt.xlsx").exists()


def test_killed_and_resumed_with_inputs_edited_added_and_deleted_gives_a_fresh_runs_outputs(tmp_path):
    from recover.tools import synth

    docs, out = tmp_path / "docs", tmp_path / "out"
    synth.write_documents(synth.generate(7, 40), docs)
    command = [sys.executable, "-P", "-m", "recover", "batch", str(docs), "--out", str(out), "--no-progress",
               "--exclude", "truth/*", "--resume", "--format", "wide"]
    files = sorted(p for p in docs.iterdir() if p.is_file())
    for round_ in range(3):
        process = subprocess.Popen(command, env=_env(), stderr=subprocess.DEVNULL)
        done = len(list((out / "json").glob("*.json"))) if (out / "json").exists() else 0
        _wait_for(lambda: len(list((out / "json").glob("*.json"))) >= done + 5 or process.poll() is not None)
        process.kill()
        process.wait()
        files[round_].write_bytes(OTHER)  # edited
        files[10 + round_].unlink()  # deleted
        (docs / f"added-{round_}.txt").write_bytes(TEXT)  # added
    assert subprocess.run(command, env=_env(), capture_output=True).returncode in (0, 1)
    fresh = tmp_path / "fresh"
    subprocess.run([*command[:7], str(fresh), *command[8:-3], "--format", "wide"], env=_env(), capture_output=True)
    assert outputs_of(out) == outputs_of(fresh)
    assert len(summary(out)) == 40 - 3 + 3


# --- isolation: crashes, hangs, signals, the current folder ------------------------------------


def _hooks(tmp_path: Path) -> dict:
    """An environment whose Python processes crash on reading a file named *segfault* and hang
    (in a way no Python signal handler can interrupt) on one named *hang*."""
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(
        "import os, pathlib, signal, time\n"
        "_read = pathlib.Path.read_bytes\n"
        "def read_bytes(self):\n"
        "    if 'segfault' in self.name:\n"
        "        os.kill(os.getpid(), signal.SIGSEGV)\n"
        "    if 'hang' in self.name:\n"
        "        self.with_name(self.name + '.started').write_text('')\n"
        "        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "        time.sleep(600)\n"
        "    return _read(self)\n"
        "pathlib.Path.read_bytes = read_bytes\n")
    return {"PYTHONPATH": os.pathsep.join([str(hooks), str(REPO), os.environ.get("PYTHONPATH", "")])}


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_crash_or_a_hang_costs_one_document_whatever_the_jobs(tmp_path, jobs):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.txt", "segfault.txt", "hang.txt", "z.txt"):
        (docs / name).write_bytes(TEXT)
    out = tmp_path / "out"
    result = batch(docs, "--out", out, "--jobs", jobs, "--time-limit", "10", env=_hooks(tmp_path))
    assert result.returncode == 1, result.stderr
    rows = summary(out)
    assert rows["segfault.txt"]["error"] == ("the reader crashed on this document (its worker process died: "
                                             "signal SIGSEGV)")
    assert rows["hang.txt"]["error"] == "took longer than the 10 s allowed a document (its worker was stopped)"
    assert rows["a.txt"]["outcome"] == rows["z.txt"]["outcome"] == "ok", (rows["a.txt"], rows["z.txt"])


def test_messages_a_worker_writes_together_are_all_taken():
    """A worker is sent its next document before it finishes the one it reads, so two answers can
    arrive in one read: both are taken (one left in a buffer would wake no select: a hang)."""
    from recover.batch.run import _Worker

    read_end, write_end = os.pipe()
    worker = _Worker.__new__(_Worker)  # its reading of answers alone, without a process
    worker.stdout, worker.unread = os.fdopen(read_end, "rb"), b""
    os.write(write_end, b'{"done": 1}\n{"done": 2}\n{"do')
    assert worker.messages() == [{"done": 1}, {"done": 2}]
    os.write(write_end, b'ne": 3}\n')
    os.close(write_end)
    assert worker.messages() == [{"done": 3}]
    assert worker.messages() is None  # the worker is gone
    worker.stdout.close()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_no_worker_outlives_the_batch(tmp_path, how):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("hang1.txt", "hang2.txt", "hang3.txt"):
        (docs / name).write_bytes(TEXT)
    process = subprocess.Popen([sys.executable, "-P", "-m", "recover", "batch", str(docs), "--out",
                                str(tmp_path / "out"), "--no-progress", "--jobs", "2", "--exclude", "*.started"],
                               env=_env(_hooks(tmp_path)), stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: len(list(docs.glob("*.started"))) == 2)  # both workers are in a document
    workers = _children(process.pid)
    assert len(workers) == 2
    process.send_signal(how)
    process.wait()
    _wait_for(lambda: not any(_alive(w) for w in workers), seconds=10)
    ours = {str(pid) for pid in [process.pid, *workers]}
    assert not [f for f in os.listdir("/dev/shm") if any(f"-{pid}-" in f or f.endswith(pid) for pid in ours)]
    if how == signal.SIGTERM:
        assert "--resume" in process.stderr.read()


def test_workers_import_nothing_from_the_current_folder(tmp_path):
    marker = tmp_path / "imported"
    for module in ("concurrent.py", "csv.py", "numpy.py"):
        (tmp_path / module).write_text(f"open({str(marker)!r}, 'a').write({module!r})\nraise SystemExit(3)\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    for jobs in ("1", "2"):
        result = batch(docs, "--out", tmp_path / f"out{jobs}", "--jobs", jobs, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert not marker.exists()


# --- messages and exit status --------------------------------------------------------------------


@pytest.mark.parametrize("options, says", [
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--time-limit", "-5"], "must be 0 (no limit) or more"),
    (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
])
def test_a_batch_that_cannot_run_says_so_in_one_line_with_status_2(tmp_path, options, says):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    result = batch(docs, "--out", tmp_path / "out", *options)
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_read_only_output_folder_says_so(tmp_path):
    if os.geteuid() == 0:
        out = Path("/proc/recover-out")  # even root cannot write there
    else:
        out = tmp_path / "ro"
        out.mkdir()
        out.chmod(0o500)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    result = batch(docs, "--out", out)
    assert result.returncode == 2 and "cannot write to" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_full_disk_says_so(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    result = batch(docs, "--out", "/dev/full/out")
    assert result.returncode == 2 and "cannot write to" in result.stderr


def test_outputs_honour_the_umask(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    out = tmp_path / "out"
    previous = os.umask(0o022)
    try:
        subprocess.run([sys.executable, "-P", "-m", "recover", "batch", str(docs), "--out", str(out), "--no-progress",
                        "--format", "xlsx"], env=_env(), check=True)
    finally:
        os.umask(previous)
    for path in ("cells.csv", "summary.csv", "json/a.txt.json", "xlsx/a.txt.xlsx"):
        assert (out / path).stat().st_mode & 0o777 == 0o644, path


# --- the model -----------------------------------------------------------------------------------


def test_a_card_beside_a_model_proves_nothing(tmp_path, model):
    path = tmp_path / "m.joblib"
    card = save_model(model, path, {"note": "anyone can write this"})
    with pytest.raises(ModelError, match="card beside it proves nothing"):
        load_model(path)
    assert isinstance(load_model(path, sha256=card["sha256"]), type(model))
    with pytest.raises(ModelError, match="not the"):
        load_model(path, sha256="0" * 64)
    assert isinstance(load_model(path, trust=True), type(model))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    refused = batch(docs, "--out", tmp_path / "o1", "--model", path)
    assert refused.returncode == 2 and "--model-sha256" in refused.stderr
    assert batch(docs, "--out", tmp_path / "o2", "--model", path, "--model-sha256", card["sha256"]).returncode == 0


def test_the_model_file_is_read_once(tmp_path, model, monkeypatch):
    path = tmp_path / "m.joblib"
    card = save_model(model, path, {})
    opened = []
    real_open = open

    def counting(file, *args, **kwargs):
        if Path(file) == path:
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting)
    monkeypatch.setattr("io.open", counting)
    load_model(path, sha256=card["sha256"])
    assert len(opened) == 1


def test_a_scheduler_without_dask_installed_says_what_to_install(tmp_path, monkeypatch):
    from recover.batch import BatchError

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if Dask were not installed
    with pytest.raises(BatchError, match=r"--scheduler needs Dask: pip install 'recover-zfxxgk\[dask\]'"):
        run_batch(find_inputs([docs]), tmp_path / "out", scheduler="tcp://127.0.0.1:9")


def test_an_output_folder_reused_without_resume_keeps_nothing_of_the_old_run(tmp_path):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    (docs / "b.txt").write_bytes(OTHER)
    batch(docs, "--out", out, "--format", "xlsx", "--format", "wide")
    assert (out / "xlsx" / "b.txt.xlsx").exists() and (out / "wide.csv").exists()
    (docs / "b.txt").unlink()
    batch(docs, "--out", out)
    assert sorted(p.name for p in (out / "json").iterdir()) == ["a.txt.json"]
    assert not (out / "xlsx" / "b.txt.xlsx").exists() and not (out / "xlsx" / "a.txt.xlsx").exists()
    assert not (out / "wide.csv").exists()  # a format not asked for this time
    assert list(summary(out)) == ["a.txt"]


def test_the_progress_rate_counts_only_documents_recovered_by_this_run():
    from recover.batch.run import Outcome
    from recover.cli import _Progress

    with _Progress(200, show=True) as bar:
        for i in range(150):
            bar.advance(Outcome(f"{i}.txt", "ok", resumed=True))
        assert bar.progress.tasks[0].fields["rate"] == ""  # no rate from documents read by an earlier run
        bar.started -= 10  # ten seconds into this run
        for i in range(150, 170):
            bar.advance(Outcome(f"{i}.txt", "flagged"))
        assert bar.progress.tasks[0].fields["rate"] in ("2.0 docs/s", "1.9 docs/s")  # 20 in a little over 10 s
        assert bar.progress.tasks[0].completed == 170


def test_the_last_lines_name_every_output_written_and_say_document_in_the_singular(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(TEXT)
    out = tmp_path / "out"
    result = batch(docs, "--out", out, "--format", "parquet", "--format", "wide", "--format", "xlsx")
    assert f"1 document: 1 ok, 0 flagged, 0 failed, 0 not a report → {out}/: cells.csv, summary.csv, json/, " \
           "cells.parquet, wide.csv, wide.parquet, xlsx/" in result.stderr
    assert "slowest: a.txt (" in result.stderr and "s of the 300 s allowed); largest worker: " in result.stderr
