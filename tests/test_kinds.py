"""Every input kind through the same pipeline: digital PDF (ruled or not), Word, scans as PDF and
as images, PDFs whose text layer is useless, and the PDFs that cannot be read.  The samples were
rendered by tests/fixtures/kinds/make_samples.py from real reports' truth and generated ones."""
import json
import shutil

import pytest

import recover
from recover.cells import doubts


@pytest.fixture(scope="module")
def kinds(fixtures_dir):
    """One report in every kind of file, with its truth."""
    return fixtures_dir / "kinds"


def truth_of(kinds, name: str) -> dict:
    return json.loads((kinds / "truth" / f"{name}.json").read_text(encoding="utf-8"))["cells"]


def score(report, truth: dict) -> tuple[float, list[str]]:
    """Share of truth cells right, and the wrong cells not in doubt (silent errors)."""
    right, silent = 0, []
    for key, expected in truth.items():
        cell = report.cells[key]
        if cell.value is not None and float(cell.value) == float(expected):
            right += 1
        elif cell.status != "unknown" and not doubts(cell.flags):
            silent.append(key)
    return right / len(truth), silent


@pytest.mark.parametrize("name, kind", [
    ("shanghai-2019.pdf", "pdf"), ("synthetic.pdf", "pdf"), ("synthetic-unruled.pdf", "pdf"),
    ("shanghai-2019.docx", "docx"), ("shanghai-2019-owner-only.pdf", "pdf"),
])
def test_digital_documents_are_read_exactly(model, figures, name, kind, kinds):
    report = recover.recover_file(kinds / name, model)
    accuracy, silent = score(report, truth_of(kinds, name))
    figures[f"{kind} sample {name}"] = f"{accuracy:.2%} of cells right"
    assert report.kind == kind
    assert accuracy == 1.0 and not silent


@pytest.mark.parametrize("name", ["huaian-2024-scan200.pdf", "huaian-2024-unmapped-text.pdf"])
def test_scans_and_useless_text_layers_are_read_by_ocr_with_no_silent_error(model, figures, name, kinds):
    report = recover.recover_file(kinds / name, model)
    accuracy, silent = score(report, truth_of(kinds, name))
    figures[f"OCR sample {name}"] = f"{accuracy:.2%} of cells right, {len(silent)} silent errors"
    assert report.kind == "scan" and any("OCR" in note for note in report.notes)
    assert accuracy >= 0.99
    assert silent == []


def test_ocr_digits_the_recogniser_is_sure_of_are_not_flagged(model, kinds):
    # (digits in doubt stay flagged until an identity confirms them: tests/test_scans.py)
    report = recover.recover_file(kinds / "huaian-2024-scan200.pdf", model)
    confirmed = report.cells["requests/new/total"]
    assert confirmed.value == 3119 and "ocr_unconfirmed" not in confirmed.flags
    unconfirmable = report.cells["active/penalties/decisions"]  # no identity covers the active table
    assert unconfirmable.value == truth_of(kinds, "huaian-2024-scan200.pdf")["active/penalties/decisions"]
    assert "ocr_unconfirmed" not in unconfirmable.flags


@pytest.mark.parametrize("name", ["huaian-2024-page2.jpg", "huaian-2024-page2-fax.tif"])
def test_page_images_are_read_and_never_silently_wrong(model, name, kinds):
    report = recover.recover_file(kinds / name, model)
    assert report.kind == "scan" and report.template == "2021"
    truth = {k: v for k, v in truth_of(kinds, "huaian-2024-scan200.pdf").items() if k.startswith("requests/")}
    printed = {k: v for k, v in truth.items() if report.cells[k].status == "printed"}
    assert printed, "the page's requests table was not read at all"
    _, silent = score(report, printed)
    assert silent == []


def test_the_kind_is_decided_by_content_not_by_name(tmp_path, model, kinds):
    disguised = tmp_path / "report.txt"
    shutil.copy(kinds / "shanghai-2019.docx", disguised)
    assert recover.recover_file(disguised, model).kind == "docx"
    shutil.copy(kinds / "synthetic.pdf", tmp_path / "report.html")
    assert recover.recover_file(tmp_path / "report.html", model).kind == "pdf"


@pytest.mark.parametrize("name, message", [
    ("shanghai-2019-locked.pdf", "password"), ("zero-pages.pdf", "no pages"), ("truncated.pdf", "damaged"),
])
def test_unreadable_pdfs_say_why(model, name, message, kinds):
    with pytest.raises(recover.UnreadableDocumentError, match=message):
        recover.recover_file(kinds / name, model)


def test_a_word_file_of_pasted_page_pictures_is_read_as_the_pictures_are(tmp_path, model, kinds):
    # Agencies paste the scanned or photographed pages of a printed report into Word: the pictures
    # are the report (a small one, a logo, is not a page).
    import io

    import docx
    from docx.shared import Cm
    from PIL import Image

    page = kinds / "huaian-2024-page2.jpg"
    logo = io.BytesIO()
    Image.new("RGB", (120, 120), "red").save(logo, format="PNG")
    document = docx.Document()
    document.add_paragraph("淮安市人民政府2024年政府信息公开工作年度报告")
    document.add_picture(io.BytesIO(logo.getvalue()), width=Cm(2))
    document.add_picture(str(page), width=Cm(16))
    pasted = tmp_path / "pasted.docx"
    document.save(pasted)
    report = recover.recover_file(pasted, model)
    alone = recover.recover_file(page, model)
    assert report.template == alone.template == "2021"
    assert {k: (c.value, c.status, c.flags, c.source) for k, c in report.cells.items() if k.startswith("requests/")} \
        == {k: (c.value, c.status, c.flags, c.source) for k, c in alone.cells.items() if k.startswith("requests/")}
    assert sum(c.status == "printed" for k, c in report.cells.items() if k.startswith("requests/")) > 100


def test_a_word_file_whose_pictures_are_no_pages_is_not_read_by_ocr(tmp_path, model):
    import io

    import docx
    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(logo, format="PNG")
    document = docx.Document()
    document.add_paragraph("关于举办政务公开培训班的通知")
    document.add_picture(logo)
    document.save(tmp_path / "notice.docx")
    with pytest.raises(recover.UnreadableDocumentError) as raised:
        recover.recover_file(tmp_path / "notice.docx", model)
    assert raised.value.reason == "not_a_report"
