"""Batches at scale: the same bytes whatever the jobs, resuming after a kill, a Dask cluster,
per-document limits, analysts' formats and the check across years."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from recover.tools import synth
from recover.batch import Limits, find_inputs, read_reports, run_batch


def files_of(directory: Path) -> dict[str, bytes]:
    """The outputs of a batch (not its private state: the lock, the pieces)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and p.relative_to(directory).parts[0] != ".recover"}


ALL_FORMATS = ("csv", "parquet", "wide", "xlsx")
TRUTH = ("truth/*",)  # the truth files beside the documents


def test_outputs_are_byte_identical_whatever_the_number_of_jobs(tmp_path, real_dir, seeds_dir):
    inputs = find_inputs([real_dir, seeds_dir], exclude=TRUTH)
    run_batch(inputs, tmp_path / "one", jobs=1, formats=ALL_FORMATS)
    run_batch(inputs, tmp_path / "two", jobs=2, formats=ALL_FORMATS)
    one, two = files_of(tmp_path / "one"), files_of(tmp_path / "two")
    assert one.keys() == two.keys() and one == two
    assert {"cells.csv", "summary.csv", "cells.parquet", "wide.csv", "wide.parquet"} <= one.keys()
    assert sum(name.startswith("xlsx/") for name in one) == 15


def test_analysts_formats_hold_the_same_cells(tmp_path, real_dir):
    run_batch(find_inputs([real_dir / "102_pingtan-2020.html"]), tmp_path, formats=ALL_FORMATS)
    cells = pd.read_csv(tmp_path / "cells.csv", keep_default_na=False)
    parquet = pd.read_parquet(tmp_path / "cells.parquet")
    assert len(cells) == len(parquet) == 198 and parquet["year"].iloc[0] == 2020
    assert parquet.loc[(parquet["row"] == "penalties") & (parquet["col"] == "change"), "value"].item() == -18
    wide = pd.read_csv(tmp_path / "wide.csv", keep_default_na=False)
    assert wide.loc[0, "active/procurement/amount"] == 7380.28959 and wide.loc[0, "agency"] == "平潭综合实验区"
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "xlsx" / "102_pingtan-2020.html.xlsx")["三、依申请公开"]
    flagged = [c for row in sheet.iter_rows() for c in row if c.comment]
    assert flagged and all("identity_broken" in c.comment.text for c in flagged)


def _batch_command(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "recover", "batch", str(inputs), "--out", str(out), "--no-progress",
            "--exclude", "truth/*", *extra]


def test_a_batch_killed_twice_resumes_to_the_same_outputs(tmp_path):
    synth.write_documents(synth.generate(41, 150), tmp_path / "docs")
    subprocess.run(_batch_command(tmp_path / "docs", tmp_path / "clean"), check=False)
    out = tmp_path / "resumed"
    for _ in range(2):  # kill -9 mid-run, twice
        process = subprocess.Popen(_batch_command(tmp_path / "docs", out, "--resume"))
        deadline = time.time() + 120
        done_before = len(list((out / "json").glob("*.json"))) if (out / "json").exists() else 0
        while time.time() < deadline and len(list((out / "json").glob("*.json"))) < done_before + 30:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    # A document is finished once its record is written (its json/ file is linked into place
    # just after, and a kill between the two leaves it to the resumed run's join).
    finished = list((out / ".recover" / "pieces").glob("*.done"))
    assert 30 <= len(finished) < 150
    result = subprocess.run(_batch_command(tmp_path / "docs", out, "--resume"), capture_output=True, text=True)
    assert f"resuming: {len(finished)} documents already done, {150 - len(finished)} to go" in result.stderr
    assert files_of(out) == files_of(tmp_path / "clean")
    assert not list(out.rglob(".*.tmp"))


def test_a_dask_cluster_gives_the_same_cells_as_the_local_run(tmp_path, real_dir, seeds_dir):
    from dask.distributed import LocalCluster

    inputs = find_inputs([real_dir, seeds_dir], exclude=TRUTH)
    run_batch(inputs, tmp_path / "local", jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run_batch(inputs, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert (tmp_path / "local" / "cells.csv").read_bytes() == (tmp_path / "dask" / "cells.csv").read_bytes()
    assert (tmp_path / "local" / "summary.csv").read_bytes() == (tmp_path / "dask" / "summary.csv").read_bytes()


def test_a_document_over_its_time_limit_fails_alone(tmp_path, real_dir, monkeypatch):
    # Workers whose reading of a file named *slow* sleeps (in Python: the time limit interrupts it)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import pathlib, time\n"
        "_read = pathlib.Path.read_bytes\n"
        "def read_bytes(self):\n"
        "    if 'slow' in self.name:\n"
        "        time.sleep(60)\n"
        "    return _read(self)\n"
        "pathlib.Path.read_bytes = read_bytes\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")])))
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(real_dir / "102_pingtan-2020.html", docs / "slow.html")
    shutil.copy(real_dir / "207_jiande-transport-2021.txt", docs)
    run_batch(find_inputs([docs]), tmp_path / "out", limits=Limits(seconds=1))
    reports = {r.document: r for r in read_reports(tmp_path / "out")}
    slow, text = reports["slow.html"], reports["207_jiande-transport-2021.txt"]
    assert slow.outcome == "failed" and "took longer than the 1 s allowed a document" in slow.error
    assert text.outcome == "flagged"


def test_a_document_over_the_memory_limit_fails_and_the_batch_goes_on(tmp_path, real_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    text = (real_dir / "207_jiande-transport-2021.txt").read_text(encoding="utf-8")
    (docs / "a.txt").write_text(text, encoding="utf-8")
    (docs / "big.txt").write_text(text * (15_000_000 // len(text.encode())), encoding="utf-8")
    result = subprocess.run(_batch_command(docs, tmp_path / "out", "--memory-limit", "50"),  # --jobs 1 too
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    with open(tmp_path / "out" / "summary.csv", encoding="utf-8") as f:
        rows = {row["document"]: row for row in csv.DictReader(f)}
    assert "needed more than the 50 MB allowed a document" in rows["big.txt"]["error"]
    assert rows["a.txt"]["outcome"] == "flagged"


def _report_text(seeds_dir: Path, agency: str, year: int, carried: int) -> str:
    """Seed 000 re-titled, carrying ``carried`` applications over and forwarding them again
    (identity 1 still holds)."""
    text = (seeds_dir / "000_f75c2c88bf6d12f5.txt").read_text(encoding="utf-8")
    text = text.replace("孟津区科技和工业信息化局2021年", f"{agency}{year}年")
    row = "\t".join(map(str, [carried, 0, 0, 0, 0, 0, carried]))
    zeros = "\t".join(["0"] * 7)
    text = text.replace(f"二、上年结转政府信息公开申请数量\t{zeros}", f"二、上年结转政府信息公开申请数量\t{row}")
    return text.replace(f"四、结转下年度继续办理\t\t\t{zeros}", f"四、结转下年度继续办理\t\t\t{row}")


def test_an_agencys_successive_years_are_checked_against_each_other(tmp_path, seeds_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a2021.txt").write_text(_report_text(seeds_dir, "某县某局", 2021, 0), encoding="utf-8")
    (docs / "a2022.txt").write_text(_report_text(seeds_dir, "某县某局", 2022, 2), encoding="utf-8")  # last year forwarded 0
    (docs / "b2022.txt").write_text(_report_text(seeds_dir, "另一局", 2022, 2), encoding="utf-8")
    run_batch(find_inputs([docs], exclude=TRUTH), tmp_path / "out")
    reports = {r.document: r for r in read_reports(tmp_path / "out")}
    assert (reports["a2022.txt"].agency, reports["a2022.txt"].year) == ("某县某局", 2022)
    assert "identity_broken_as_printed:cross_year" in reports["a2022.txt"].cells["requests/carried_over/natural_person"].flags
    assert "identity_broken_as_printed:cross_year" in reports["a2021.txt"].cells["requests/carried_forward/natural_person"].flags
    assert not any("cross_year" in f for c in reports["b2022.txt"].cells.values() for f in c.flags)
    saved = json.loads((tmp_path / "out" / "json" / "a2021.txt.json").read_text(encoding="utf-8"))
    assert "identity_broken_as_printed:cross_year" in saved["cells"]["requests/carried_forward/natural_person"]["flags"]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("document,agency,year\nb2022.txt,某县某局,2021\na2021.txt,某县某局,2020\n", encoding="utf-8")
    run_batch(find_inputs([docs], exclude=TRUTH), tmp_path / "out2", manifest=manifest)
    reports = {r.document: r for r in read_reports(tmp_path / "out2")}
    assert (reports["b2022.txt"].agency, reports["b2022.txt"].year) == ("某县某局", 2021)
    # now 2020: a2021 forwards 0; 2021: b2022 carries over 2 and forwards 2; 2022: a2022 carries over 2
    assert "identity_broken_as_printed:cross_year" in reports["b2022.txt"].cells["requests/carried_over/natural_person"].flags
    assert "identity_broken_as_printed:cross_year" in reports["a2021.txt"].cells["requests/carried_forward/natural_person"].flags
    assert reports["a2022.txt"].cells["requests/carried_over/natural_person"].flags == []
