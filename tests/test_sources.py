"""Where every cell came from: each kind of document names the place a cell was printed, and an
inferred cell the identity and the cells it was worked out from."""
import pytest

import recover
from recover.readers.encoding import decode



@pytest.fixture(scope="module")
def kinds_dir(fixtures_dir):
    return fixtures_dir / "kinds"


@pytest.mark.parametrize("name", ["209_bj-tongzhou-bureau-2019.txt", "001_shanghai-gov-office-2019.html",
                                  "102_pingtan-2020.html"])
def test_a_text_or_html_cell_names_its_characters_in_the_decoded_text(name, model, real_dir):
    path = real_dir / name
    text = decode(path.read_bytes())[0]
    report = recover.recover_file(path, model)
    spans = 0
    for key, cell in report.cells.items():
        if cell.status != "printed" or "start" not in (cell.source or {}):
            continue
        start, end, line = cell.source["start"], cell.source["end"], cell.source["line"]
        assert text.count("\n", 0, start) + 1 == line  # the line is the span's
        if "split_ambiguous" not in cell.flags and cell.printed.isdigit():
            assert text[start:end] == cell.printed, key
        spans += 1
    assert spans >= 20


def test_a_digit_run_cut_into_cells_names_the_run(model, real_dir):
    report = recover.recover_file(real_dir / "002_pingtan-2021-flat.txt", model)
    text = decode((real_dir / "002_pingtan-2021-flat.txt").read_bytes())[0]
    cell = report.cells["requests/new/total"]  # "640020470" → 64, 0, 0, 2, 0, 4, 70
    assert cell.value == 70 and text[cell.source["start"]:cell.source["end"]] == "640020470"


def test_a_cell_left_in_doubt_keeps_the_readings_weighed(model, real_dir):
    cell = recover.recover_file(real_dir / "002_pingtan-2021-flat.txt", model).cells["active/normative_documents/issued"]
    assert "split_ambiguous" in cell.flags and cell.value is None
    assert len(cell.alternatives) >= 2 and "6" in cell.alternatives  # "693665" cut several ways


def test_a_pdf_cell_names_its_page_and_box_in_points(model, real_dir):
    report = recover.recover_file(real_dir / "301_huaian-gov-2024.pdf", model)
    cell = report.cells["active/penalties/decisions"]
    assert cell.value == 3985758 and cell.source["page"] >= 1
    x0, top, x1, bottom = cell.source["bbox"]
    assert 0 <= x0 < x1 <= 842 and 0 <= top < bottom <= 842
    import pdfplumber

    with pdfplumber.open(real_dir / "301_huaian-gov-2024.pdf") as pdf:
        words = pdf.pages[cell.source["page"] - 1].crop((x0, top, x1, bottom)).extract_text()
    assert "3985758" in words.replace(" ", "")


def test_a_word_cell_names_its_table_row_and_cell(model, kinds_dir):
    report = recover.recover_file(kinds_dir / "shanghai-2019.docx", model)
    cell = report.cells["active/regulations/total_published"]
    import docx

    table = docx.Document(str(kinds_dir / "shanghai-2019.docx")).tables[cell.source["table"] - 1]
    assert cell.printed in table.rows[cell.source["row"] - 1].cells[cell.source["cell"] - 1].text


def test_a_scanned_cell_names_its_page_and_pixel_box(model, kinds_dir):
    report = recover.recover_file(kinds_dir / "huaian-2024-page2.jpg", model)
    placed = [c for c in report.cells.values() if c.status == "printed" and "box" in (c.source or {})]
    assert placed
    for cell in placed:
        x0, y0, x1, y1 = cell.source["box"]
        width, height = cell.source["size"]
        assert cell.source["page"] == 1 and 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


def test_an_inferred_cell_names_the_identity_and_the_cells_it_came_from(model, real_dir):
    report = recover.recover_file(real_dir / "001_shanghai-gov-office-2019.html", model)
    inferred = {k: c for k, c in report.cells.items() if c.status == "inferred"}
    assert inferred
    for key, cell in inferred.items():
        assert cell.source["identity"] == cell.basis and key not in cell.source["from"]
        assert all(k in report.cells for k in cell.source["from"])


def test_the_json_carries_the_sources(model, real_dir):
    report = recover.recover_file(real_dir / "301_huaian-gov-2024.pdf", model)
    again = recover.Report.from_dict(report.to_dict())
    assert {k: c.source for k, c in again.cells.items()} == {k: c.source for k, c in report.cells.items()}
