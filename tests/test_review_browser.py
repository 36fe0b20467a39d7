"""The review page in a real browser (Debian's headless chromium, driven by Playwright): a cell
corrected by keyboard, the identities shown again, the decisions applied to cells.csv; a reviewer
who knows the truth clearing a whole batch; a report's markup shown as text; page load for a
batch of 200 documents.

REVIEW_BROWSER_INPUTS may name another folder of reports with truth/ beside them (the figures
for the project's notes are measured on the real reports this way); by default the real reports
kept in tests/fixtures are read."""
import csv
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from recover import batch as batch_
from recover import evaluate
from recover.cells import doubts
from recover.review.app import server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package")
PINGTAN_2020 = "102_pingtan-2020.html"


@contextmanager
def serving(out: Path):
    """The review application over ``out`` on a free local port, in a thread of this process."""
    uvicorn_server, sock, url = server(out)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not uvicorn_server.started:
        time.sleep(0.01)
    try:
        yield url
    finally:
        uvicorn_server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def inputs(real_dir) -> Path:
    return Path(os.environ.get("REVIEW_BROWSER_INPUTS", real_dir))


@contextmanager
def address_space_unlimited():
    """A batch run in this process (the CLI's, with its --memory-limit) caps the process's
    address space, which chromium's processes would inherit and die of: lifted while they start."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with address_space_unlimited():
        playwright = sync_playwright().start()
        # --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    # The page's content security policy forbids eval, which Playwright's waiting needs; bypassing
    # it here also shows that a report's markup stays inert without it (it is put in as text).
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert not errors, errors


def run_batch(inputs: Path, out: Path) -> Path:
    batch_.run_batch(batch_.find_inputs([inputs], exclude=["truth/*"]), out, jobs=-1)
    return out


def cells_csv(out: Path) -> dict[tuple[str, str], dict]:
    with open(out / "cells.csv", encoding="utf-8", newline="") as f:
        return {(r["document"], f"{r['table']}/{r['row']}/{r['col']}"): r for r in csv.DictReader(f)}


def current_cell(page) -> str:
    return page.locator("#panel .key").first.inner_text()


def left(page) -> int:
    return int(page.locator("#progress").get_attribute("data-left"))


def open_document(page, url: str, document: str) -> None:
    """Open a document and wait until the page shows it (not the one before)."""
    page.goto(f"{url}#doc={quote(document)}")
    page.wait_for_function("name => document.getElementById('where').textContent.startsWith(name)"
                           " && document.getElementById('progress')", arg=document)


def decide_by_keyboard(page, keys: str) -> None:
    """Press the keys of one decision and wait until the page has the server's answer."""
    before = left(page)
    if keys in ("Enter", "c", "C"):
        page.keyboard.press("Shift+C" if keys == "C" else keys)
    else:
        page.keyboard.type(keys)
        page.keyboard.press("Enter")
    page.wait_for_function(f"Number(document.getElementById('progress').dataset.left) < {before}")


def test_a_cell_corrected_by_keyboard_shows_the_identities_again_and_applies(page, tmp_path, real_dir):
    out = run_batch(real_dir, tmp_path / "out")
    target = "requests/total/natural_person"  # printed 20; the 办理结果 rows of 自然人 sum to 26
    with serving(out) as url:
        page.goto(url)
        page.wait_for_selector("table.batch")
        page.keyboard.press("/")
        page.keyboard.type("平潭 2020")
        page.keyboard.press("Enter")
        page.wait_for_selector("#identities")
        assert page.locator("#where").inner_text().startswith(PINGTAN_2020)
        for _ in range(60):  # walk the queue to the cell
            if current_cell(page) == target:
                break
            page.keyboard.press("j")
        assert current_cell(page) == target
        assert page.locator('#identities li[data-identity="requests_col_total:natural_person"]').get_attribute(
            "class") == "broken"
        decide_by_keyboard(page, "26")
        page.locator(f'td[data-cell="{target}"]').click()
        assert page.locator('#identities li[data-identity="requests_col_total:natural_person"]').get_attribute(
            "class") == "holds"
        assert page.locator('#identities li[data-identity="requests_balance:natural_person"]').get_attribute(
            "class") == "broken"  # 20 new + 0 carried over no longer equals 26 + 0
        assert "status-reviewed" in page.locator(f'td[data-cell="{target}"]').get_attribute("class")
        page.locator("#apply").click()
        page.wait_for_selector("#status.shown")
    cell = cells_csv(out)[(PINGTAN_2020, target)]
    assert (cell["value"], cell["status"], cell["confidence"], cell["flags"]) == ("26", "reviewed", "1.000", "")


def test_a_reviewer_who_knows_the_truth_clears_the_batch(page, tmp_path, figures, inputs):
    """Every cell to check gets its decision by keyboard: the true value accepted or typed, or
    "cannot tell" where the document does not settle it.  After apply, every cell the truth
    settles is right, and none of them is left in doubt."""
    out = run_batch(inputs, tmp_path / "out")
    truth = evaluate.load_truth(inputs / "truth")
    decisions = 0
    with serving(out) as url:
        page.goto(url)
        page.wait_for_selector("table.batch")
        documents = [tr.get_attribute("data-document") for tr in page.locator("table.batch tbody tr").all()]
        to_check = sum(int(tr.locator("td.count").first.inner_text())
                       for tr in page.locator("table.batch tbody tr").all())
        start = time.perf_counter()
        for document in documents:
            open_document(page, url, document)
            cells = truth.get(document, {}).get("cells", {})
            while left(page):
                key = current_cell(page)
                shown = page.locator("#current-value").inner_text()
                table = key.split("/")[0]
                queue = page.evaluate("state.doc.queue")
                if not any(k in cells for k in queue if k.startswith(table + "/")):
                    decide_by_keyboard(page, "C")  # nothing left in this table that the document settles
                elif key not in cells:
                    decide_by_keyboard(page, "c")
                elif evaluate.same_value(cells[key], shown):
                    decide_by_keyboard(page, "Enter")
                else:
                    decide_by_keyboard(page, str(cells[key]))
                decisions += 1
        seconds = time.perf_counter() - start
        page.goto(url)
        page.locator("#apply").click()
        page.wait_for_selector("#status.shown")
    assert decisions <= to_check  # a decision can settle others: a cell its identities now confirm
    scores = evaluate.score(truth, evaluate.load_cells(out / "cells.csv"))
    after = cells_csv(out)
    in_doubt = [k for d, t in truth.items() for k in t["cells"]
                if doubts([f for f in after[(d, k)]["flags"].split(";") if f]) or after[(d, k)]["status"] == "unknown"]
    figures[f"review of {inputs.name}: cells to check"] = str(to_check)
    figures[f"review of {inputs.name}: cleared by keyboard in"] = f"{seconds:.1f} s ({decisions} decisions)"
    figures[f"review of {inputs.name}: after apply"] = (f"cell accuracy {scores.cell_accuracy:.2%} of "
                                                       f"{scores.summary()['cells']}, {len(in_doubt)} in doubt")
    assert scores.cell_accuracy == 1.0 and scores.silent_errors == 0
    assert not in_doubt


def test_a_reports_markup_is_shown_as_text_and_never_run(page, tmp_path, real_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    markup = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    text = (real_dir / "201_zhanjiang-devzone-police-2021.txt").read_text(encoding="utf-8")
    (folder / "markup.txt").write_text(text.replace("规章 |", f"{markup}\n规章 |"), encoding="utf-8")
    out = run_batch(folder, tmp_path / "out")
    with serving(out) as url:
        page.goto(f"{url}#doc=markup.txt&cell=active/regulations/issued")
        page.wait_for_selector("pre.evidence")
        assert markup in page.locator("pre.evidence").inner_text()  # the cell's evidence: the text around it
        assert page.locator("pre.evidence mark").inner_text() == "0"
        assert page.evaluate("window.pwned") is None
        assert page.locator("#panel img, #panel script").count() == 0


def test_page_load_for_a_batch_of_200_documents(page, tmp_path, figures):
    """Measured, not asserted (tests assert no wall-clock times): the batch list drawn, and one
    document opened."""
    documents = tmp_path / "generated"
    subprocess.run([sys.executable, "-m", "recover", "synth", "--count", "200", "--documents", str(documents)],
                   check=True, capture_output=True)
    out = run_batch(documents, tmp_path / "out")
    with serving(out) as url:
        page.goto(url)  # once to warm the server's caches as a reviewer's first look would
        page.wait_for_selector("table.batch")
        page.reload()
        page.wait_for_selector("table.batch")
        assert page.locator("table.batch tbody tr").count() == 200
        listed = page.evaluate("performance.getEntriesByName('batch-drawn')[0].startTime")
        first = page.locator("table.batch tbody tr").first.get_attribute("data-document")
        start = time.perf_counter()
        open_document(page, url, first)
        opened = (time.perf_counter() - start) * 1000
    figures["review page load, 200 documents: batch list drawn"] = f"{listed:.0f} ms after navigation start"
    figures["review page load, 200 documents: a document opened"] = f"{opened:.0f} ms"
