"""Reviewing a batch: decisions recorded safely, applied to the outputs, the web application
serving only the batch, to this machine, and changing nothing without the page's token."""
import csv
import json
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from recover import batch as batch_
from recover.review import corrections
from recover.cli import main
from recover.review.app import create_app
from recover.training import read_rows

SHANGHAI = "001_shanghai-gov-office-2019.html"
PINGTAN_2020 = "102_pingtan-2020.html"  # identity 3 broken as printed
PINGTAN_2021 = "002_pingtan-2021-flat.txt"  # same agency a year on: identity 5 with 2020


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory, model, real_dir):
    out = tmp_path_factory.mktemp("real-batch")
    batch_.run_batch(batch_.find_inputs([real_dir], exclude=["truth/*"]), out)
    return out


@pytest.fixture
def batch(real_batch, tmp_path):
    """A fresh copy of the batch's output for each test: decisions change it."""
    out = tmp_path / "out"
    shutil.copytree(real_batch, out)
    return out


def cells_csv(out: Path) -> dict[tuple[str, str], dict]:
    with open(out / "cells.csv", encoding="utf-8", newline="") as f:
        return {(r["document"], f"{r['table']}/{r['row']}/{r['col']}"): r for r in csv.DictReader(f)}


def saved(out: Path, document: str) -> dict:
    return json.loads((out / "json" / f"{document}.json").read_text(encoding="utf-8"))


# --- corrections.csv -------------------------------------------------------------------------------


def test_decisions_are_appended_under_the_six_column_header(batch):
    corrections.append(batch, corrections.Decision(SHANGHAI, "active/procurement/amount", "25.1", "accepted"))
    corrections.append(batch, corrections.Decision(SHANGHAI, "active/procurement/amount", "25.2", "corrected", "typo"))
    lines = (batch / "corrections.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "document,cell,value,decision,note,time"
    assert len(lines) == 3 and lines[2].startswith(f"{SHANGHAI},active/procurement/amount,25.2,corrected,typo,")
    last = corrections.latest(corrections.read(batch))[SHANGHAI]["active/procurement/amount"]
    assert last.value == "25.2" and last.time  # the last decision on a cell is the one that counts


def test_a_line_cut_off_by_a_crash_is_skipped_and_the_next_lands_whole(batch):
    corrections.append(batch, corrections.Decision(SHANGHAI, "active/procurement/amount", "25.1", "accepted"))
    with open(batch / "corrections.csv", "a", encoding="utf-8") as f:
        f.write(f"{SHANGHAI},appeals/review/total,")  # the machine died mid-line
    assert len(corrections.read(batch)) == 1
    corrections.append(batch, corrections.Decision(SHANGHAI, "appeals/review/upheld", "0", "accepted"))
    assert [d.cell for d in corrections.read(batch)] == ["active/procurement/amount", "appeals/review/upheld"]


@pytest.mark.parametrize("decision, message", [
    (corrections.Decision(SHANGHAI, "requests/nope/total", "1", "corrected"), "not a cell"),
    (corrections.Decision(SHANGHAI, "requests/new/total", "x1", "corrected"), "not a number"),
    (corrections.Decision(SHANGHAI, "requests/new/total", "-1", "corrected"), "cannot be negative"),
    (corrections.Decision(SHANGHAI, "requests/new/total", "1", "maybe"), "decision must be"),
    (corrections.Decision(SHANGHAI, "requests/nope/*", "candidate:3", "corrected"), "not a row"),
])
def test_a_decision_that_cannot_be_applied_is_refused(decision, message):
    with pytest.raises(corrections.CorrectionError, match=message):
        corrections.check(decision, "2019")


# --- recover apply ---------------------------------------------------------------------------------


def test_apply_marks_decided_cells_reviewed_and_checks_the_identities_again(batch):
    before = cells_csv(batch)
    # Identity 3 is broken as printed: the 办理结果 rows of 自然人 sum to 26, （七）总计 prints 20.
    total = (PINGTAN_2020, "requests/total/natural_person")
    assert ":requests_col_total" in before[total]["flags"]  # named as printed or in doubt
    corrections.append(batch, corrections.Decision(PINGTAN_2020, total[1], "26", "corrected"))
    corrections.append(batch, corrections.Decision(SHANGHAI, "active/procurement/amount", "25.1", "accepted"))
    corrections.append(batch, corrections.Decision(SHANGHAI, "appeals/litigation_after_review/upheld", "",
                                                   "cannot_tell"))
    done = corrections.apply(batch)
    assert (done.documents, done.cells, done.cannot_tell) == (2, 2, 1)
    after = cells_csv(batch)
    assert after[total]["status"] == "reviewed" and after[total]["value"] == "26"
    assert after[total]["confidence"] == "1.000" and after[total]["flags"] == ""
    # With 26 the column adds up; its parts are no longer flagged for identity 3 ...
    assert "identity_broken:requests_col_total" not in after[(PINGTAN_2020, "requests/granted/natural_person")]["flags"]
    # ... and identity 1 of that column, which held as printed, is now broken: named on its cells.
    assert "identity_broken:requests_balance" in after[(PINGTAN_2020, "requests/new/natural_person")]["flags"]
    assert after[(SHANGHAI, "active/procurement/amount")]["status"] == "reviewed"
    unseen = after[(SHANGHAI, "appeals/litigation_after_review/upheld")]
    assert unseen["status"] == "unknown" and "review_cannot_tell" in unseen["flags"]
    assert saved(batch, PINGTAN_2020)["cells"][total[1]]["status"] == "reviewed"  # the JSON follows
    with open(batch / "summary.csv", encoding="utf-8") as f:
        assert {r["document"] for r in csv.DictReader(f)} == {k[0] for k in before}


def test_apply_twice_gives_the_same_outputs(batch):
    corrections.append(batch, corrections.Decision(PINGTAN_2020, "requests/total/natural_person", "26", "corrected"))
    corrections.apply(batch)
    first = (batch / "cells.csv").read_bytes()
    corrections.apply(batch)
    assert (batch / "cells.csv").read_bytes() == first


def test_apply_checks_identity_5_across_the_years_again(batch):
    # 平潭 2020 carries 0 forward; 2021 is made to say it carried 3 over.
    key = "requests/carried_over/natural_person"
    corrections.append(batch, corrections.Decision(PINGTAN_2021, key, "3", "corrected"))
    corrections.apply(batch)
    after = cells_csv(batch)
    assert ":cross_year" in after[(PINGTAN_2020, "requests/carried_forward/natural_person")]["flags"]
    assert after[(PINGTAN_2021, key)]["status"] == "reviewed"  # the reviewed side says it for the document
    assert "identity_broken:cross_year" in saved(batch, PINGTAN_2021)["flags"]
    # The review page keeps the break across years in view: the other year's cell is to check.
    view = TestClient(create_app(batch), base_url="http://127.0.0.1").get("/api/document", params={"name": PINGTAN_2020})
    assert "requests/carried_forward/natural_person" in view.json()["queue"]


def test_rows_mapped_anew_become_labelled_rows_for_training(batch):
    index = {r["key"]: r["index"] for r in saved(batch, SHANGHAI)["rows"]}
    for cell, key in (("active/other_services/*", "active/licensing"), ("none/*", "active/penalties"),
                      ("none/*", "active/enforcement")):  # two lines that are no row: both kept
        corrections.append(batch, corrections.Decision(SHANGHAI, cell, f"candidate:{index[key]}", "corrected"))
    assert corrections.apply(batch).labelled_rows == 3
    rows = read_rows(batch / "corrections.tsv")
    assert [(r.row, r.predicted) for r in rows] == [("active/other_services", "active/licensing"),
                                                   ("none", "active/penalties"), ("none", "active/enforcement")]
    assert rows[0].document == SHANGHAI and rows[0].description["label"].startswith("行政许可")


# --- the web application ---------------------------------------------------------------------------


@pytest.fixture
def client(batch):
    return TestClient(create_app(batch), base_url="http://127.0.0.1:8000")


def token_of(client) -> str:
    page = client.get("/").text
    return page.split('name="review-token" content="')[1].split('"')[0]


def test_the_batch_is_listed_neediest_first(client):
    documents = client.get("/api/documents").json()["documents"]
    counts = [d["to_check"] for d in documents]
    assert counts == sorted(counts, reverse=True) and len(documents) == 10
    assert {"document", "outcome", "template", "agency", "year", "to_check"} <= set(documents[0])


def test_a_decision_is_recorded_and_the_identities_checked_again(client, batch):
    key = "requests/total/natural_person"
    view = client.get("/api/document", params={"name": PINGTAN_2020}).json()
    holds = {i["name"]: i["holds"] for i in view["identities"]}
    assert holds["requests_col_total:natural_person"] is False and key in view["queue"]
    response = client.post("/api/decisions", headers={"X-Review-Token": token_of(client)},
                           json={"document": PINGTAN_2020, "cell": key, "value": "26", "decision": "corrected"})
    view = response.json()
    holds = {i["name"]: i["holds"] for i in view["identities"]}
    assert holds["requests_col_total:natural_person"] is True and holds["requests_balance:natural_person"] is False
    assert key not in view["queue"] and view["cells"][key]["status"] == "reviewed"
    assert corrections.read(batch)[0].value == "26"


def test_the_page_tells_why_and_what_else(client):
    view = client.get("/api/document", params={"name": PINGTAN_2020}).json()
    key = "requests/granted/natural_person"
    assert any("identity 3" in f["meaning"] for f in view["cells"][key]["flags"])
    info = client.get("/api/cell", params={"name": PINGTAN_2020, "cell": key}).json()
    assert {"value": "0", "why": "what identity requests_col_total:natural_person forces"} in info["alternatives"]


def test_changes_need_the_pages_token(client):
    body = {"document": SHANGHAI, "cell": "active/procurement/amount", "value": "25.1", "decision": "accepted"}
    assert client.post("/api/decisions", json=body).status_code == 403
    assert client.post("/api/decisions", json=body, headers={"X-Review-Token": "guess"}).status_code == 403
    assert client.post("/api/apply").status_code == 403
    assert client.post("/api/decisions", json=body, headers={"X-Review-Token": token_of(client)}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "192.168.1.20"])
def test_requests_naming_another_host_are_refused(batch, host):
    client = TestClient(create_app(batch), base_url=f"http://{host}")
    assert client.get("/").status_code == 400
    assert client.get("/api/documents").status_code == 400


@pytest.mark.parametrize("path", [
    "/static/../corrections.csv", "/static/%2e%2e/%2e%2e/cells.csv", "/static/..%2f..%2fcells.csv",
    "/api/document?name=../summary.csv", "/api/document?name=/etc/passwd",
    "/api/cell?name=..%2F..%2Fsummary.csv&cell=requests/new/total", "/api/crop.png?name=/etc/passwd&cell=x",
    "/json/" + SHANGHAI + ".json", "/cells.csv",
])
def test_nothing_outside_the_batch_and_the_page_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "document,template" not in response.text and "root:" not in response.text


def test_every_response_forbids_inline_scripts(client):
    for path in ("/", "/api/documents", "/static/app.js"):
        policy = client.get(path).headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy


def test_decisions_survive_the_server_being_killed(batch):
    """A decision acknowledged is on disk: the server killed at once (SIGKILL) loses nothing."""
    process = subprocess.Popen([sys.executable, "-m", "recover", "review", str(batch), "--no-browser"],
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        url = line.split(" at ")[1].split(" ")[0]
        page = urllib.request.urlopen(url).read().decode()
        token = page.split('name="review-token" content="')[1].split('"')[0]
        body = json.dumps({"document": SHANGHAI, "cell": "active/procurement/amount", "value": "25.1",
                           "decision": "accepted"}).encode()
        request = urllib.request.Request(url + "api/decisions", body, method="POST",
                                         headers={"content-type": "application/json", "X-Review-Token": token})
        assert urllib.request.urlopen(request).status == 200
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert [(d.cell, d.decision) for d in corrections.read(batch)] == [("active/procurement/amount", "accepted")]


def test_review_refuses_a_folder_that_is_not_a_batch(tmp_path):
    result = subprocess.run([sys.executable, "-m", "recover", "review", str(tmp_path), "--no-browser"],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "not a batch's output" in result.stderr


def test_review_without_its_extra_says_which_to_install(batch):
    """Starlette and uvicorn come with the review extra: without them the command says so."""
    script = ("import sys; sys.modules['starlette'] = None; from recover.cli import main; "
              f"main(['review', {str(batch)!r}, '--no-browser'])")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode != 0 and "pip install 'recover-zfxxgk[review]'" in result.stderr


def test_a_batch_run_again_over_a_reviewed_folder_says_to_apply_the_decisions_again(tmp_path, real_dir):
    out = tmp_path / "out"
    document = real_dir / "207_jiande-transport-2021.txt"
    runner = CliRunner()
    assert runner.invoke(main, ["batch", str(document), "--out", str(out), "--no-progress"]).exit_code == 0
    corrections.append(out, corrections.Decision(document.name, "requests/new/natural_person", "5", "corrected"))
    corrections.apply(out)
    result = runner.invoke(main, ["batch", str(document), "--out", str(out), "--no-progress", "--resume"])
    assert f"run `recover apply {out}` to apply them again" in result.output
    corrections.apply(out)
    assert cells_csv(out)[(document.name, "requests/new/natural_person")]["status"] == "reviewed"
