"""Scans as users have them: a page image read by the recogniser cell by cell, phone photos, red
seals and faxes (rendered by tests/fixtures/kinds/make_samples.py), and OCR doubt that means
something: a digit is in doubt only where the recogniser was not sure of it."""
import json

import cv2
import numpy as np
import pytest

import recover
from recover import schema
from recover.candidates import RowCandidate
from recover.cells import AssignedRow, doubts
from recover.layout import Cell
from recover.reconcile import reconcile
from recover.readers import scan

# Page 2 of the Huai'an report holds the requests table from 办理结果 on, and the appeals table.
PAGE_ONE_ROWS = ("requests/new", "requests/carried_over")


@pytest.fixture(scope="module")
def kinds(fixtures_dir):
    return fixtures_dir / "kinds"


@pytest.fixture(scope="module")
def truth(kinds) -> dict:
    return json.loads((kinds / "truth" / "huaian-2024-scan200.pdf.json").read_text(encoding="utf-8"))["cells"]


def page_two_rows(truth: dict) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for key, value in truth.items():
        if key.startswith("requests/") and key.rsplit("/", 1)[0] not in PAGE_ONE_ROWS:
            rows.setdefault(key.rsplit("/", 1)[0], {})[key] = value
    return {row: cells for row, cells in rows.items() if any(cells.values())}


def wrong_rows(report, rows) -> list[str]:
    return [row for row, cells in rows.items()
            if any(report.cells[k].value is None or float(report.cells[k].value) != v for k, v in cells.items())]


@pytest.mark.parametrize("name", ["huaian-2024-page2.jpg", "huaian-2024-page2-photo.jpg",
                                  "huaian-2024-page2-stamped.jpg"])
def test_every_non_zero_request_row_of_the_page_is_read_right(model, figures, name, kinds, truth):
    report = recover.recover_file(kinds / name, model)
    rows = page_two_rows(truth)
    assert len(rows) == 21
    wrong = wrong_rows(report, rows)
    figures[f"page image {name}"] = f"{len(rows) - len(wrong)} of {len(rows)} non-zero request rows right"
    assert wrong == []


def test_the_numbers_under_a_red_seal_are_read(model, kinds, truth):
    report = recover.recover_file(kinds / "huaian-2024-page2-stamped.jpg", model)
    appeals = {k: v for k, v in truth.items() if k.startswith("appeals/")}
    assert {k: report.cells[k].value for k in appeals} == appeals


def test_a_fax_is_read_with_no_silent_error(model, kinds, truth):
    report = recover.recover_file(kinds / "huaian-2024-page2-fax.tif", model)
    rows = page_two_rows(truth)
    wrong = wrong_rows(report, rows)
    assert len(wrong) <= 2
    for row in wrong:  # a misread number breaks an identity: it is flagged, never passed off
        assert all(report.cells[k].flags for k in rows[row])


def printed_page_four(report, truth) -> tuple[list[str], list[str], list[str]]:
    """The request cells page 4 of the Huai'an report prints (its requests table up to
    本机关不掌握): those read right, those right but in doubt, and those wrong."""
    keys = [k for k, c in report.cells.items() if k.startswith("requests/") and c.status == "printed"]
    right = [k for k in keys if float(report.cells[k].value) == truth[k]]
    doubted = [k for k in right if doubts(report.cells[k].flags)]
    return right, doubted, [k for k in keys if k not in right]


def test_small_print_photographed_is_read_right_and_settled(model, figures, kinds, truth):
    # Labels of 14 px at 150 dpi, blurred and JPEG'd: thresholded, their strokes broke up and
    # the labels came out as other characters, so half the rows' labels were in doubt.
    report = recover.recover_file(kinds / "huaian-2024-printed-page4-photo.jpg", model)
    right, doubted, wrong = printed_page_four(report, truth)
    figures["printed page 4, photo"] = f"{len(right)} request cells right, {len(doubted)} of them in doubt, {len(wrong)} wrong"
    assert len(right) >= 84 and wrong == []
    assert len(doubted) <= 0.05 * len(right)


def test_a_faxed_page_s_streaks_cut_no_row_and_no_number_is_silently_wrong(model, figures, kinds, truth):
    report = recover.recover_file(kinds / "huaian-2024-printed-page4-fax.tif", model)
    right, doubted, wrong = printed_page_four(report, truth)
    figures["printed page 4, fax"] = f"{len(right)} request cells right, {len(doubted)} of them in doubt, {len(wrong)} wrong"
    assert len(right) >= 0.9 * (len(right) + len(wrong))
    assert all(doubts(report.cells[k].flags) for k in wrong)
    # a streak runs through the label and the numbers of this row: taken for a rule, it cut the row in two
    row = "requests/withheld.law_prohibited"
    assert [report.cells[k].value for k in schema.printed_cells("2021", row)] == [30, 1, 0, 0, 0, 0, 31]


def test_a_streak_is_told_from_a_rule():
    binary = np.zeros((400, 1200), np.uint8)
    for y in (50, 150, 250, 350):
        binary[y:y + 2, 100:1100] = 255  # rules
    for x in range(300, 900, 25):
        binary[180:240, x:x + 3] = 255  # the strokes of a line of text between two rules
    binary[209:211, 200:1150] = 255  # a level streak through that line
    for x in range(100, 1100):
        binary[95 + (x - 100) // 60, x] = 255  # a streak sloping 1°
        binary[242 + (x - 100) // 60, x] = 255  # and one crossing a rule
    horizontal = cv2.dilate(cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, 48), np.uint8)), np.ones((3, 9), np.uint8))
    rules, streaks = scan._streaks_apart(horizontal, binary > 0)
    assert all(rules[y, 600] and not streaks[y, 600] for y in (50, 150, 250, 350))
    assert streaks[209, 600] and not rules[209, 600]
    assert streaks[95 + 500 // 60, 600] and not rules[95 + 500 // 60, 600]
    assert rules[250, 150] and rules[250, 1050]  # the rule the streak crosses stays whole
    assert streaks[242 + 900 // 60, 1000] and not rules[242 + 900 // 60, 1000]


def test_a_rule_a_fax_broke_every_few_pixels_still_parts_its_cells():
    # A thin rule binarised at 150 dpi breaks into pieces shorter than any rule is looked for:
    # the two rows' cells it parts were taken for one, and their numbers read as one cell's.
    gray = np.full((800, 2480), 255, np.uint8)
    for x in (200, 700, 810, 920, 1500):
        gray[100:700, x:x + 3] = 0
    for y in (100, 300, 500, 700):
        gray[y:y + 3, 200:1503] = 0
    for x in range(700, 920, 60):
        gray[300:303, x + 30:x + 32] = 255  # the middle rule broken every 60 pixels
    horizontal, vertical, _ = scan._rules(gray)
    [grid] = scan._find_grids(horizontal, vertical)
    assert len(grid.ys) == 4 and len(grid.cells) == 3 * 4  # no two cells merged


def test_a_fax_s_thin_streak_is_found_level_in_the_page_as_received():
    # A streak one scan line thick slopes once the page is turned straight, too thin to be taken
    # for a rule there: left in, it ran through a cell's 0 and was read as a 1.
    page = np.full((1200, 2480), 255, np.uint8)
    for y in (200, 400, 600, 800, 1000):
        page[y:y + 4, 200:2280] = 0
    for x in (200, 1200, 2276):
        page[200:1004, x:x + 4] = 0
    matrix = cv2.getRotationMatrix2D((1240, 600), -2, 1.0)
    received = cv2.warpAffine(page, matrix, (2480, 1200), flags=cv2.INTER_CUBIC, borderValue=255)
    received[700:702, 300:1800] = 0  # the streak, along the fax's scan lines
    angle = scan._skew(received)
    assert abs(angle - 2) < 0.2
    streaks = scan._turn(scan._scan_line_streaks(received), angle, 0) > 127
    assert not streaks[[200, 400, 600, 800, 1000]].any()  # the rules stay rules
    assert streaks.sum() > 0.8 * 2 * 1500  # the streak is found all along


def test_a_streak_through_a_digit_leaves_the_digit_s_strokes():
    # Wiped whole, a streak through a 1 or a 0 took a band out of it, and the rest read as
    # another digit or nothing.
    ink = np.zeros((60, 200), bool)
    ink[10:50, 50:54] = True  # the stem of a 1
    ink[29:32, 0:200] = True  # a streak through it
    streak = np.zeros_like(ink)
    streak[28:33, 0:200] = True  # the streak's mask, thickened
    crossed = scan._crossed(streak, ink)
    assert crossed[28:33, 50:54].all()
    assert not crossed[:, :50].any() and not crossed[:, 54:].any()


def test_a_streak_beside_a_rule_makes_no_row():
    mask = np.zeros((300, 800), bool)
    mask[100:104, 0:800] = True  # a rule
    mask[114:117, 200:700] = True  # a streak just below it
    mask[200:204, 0:800] = True
    assert scan._positions(mask, axis=1, offset=0, gap=scan.ROW_MIN) == [101, 201]


def test_a_character_the_noise_filter_cut_in_two_is_one_line():
    region = np.full((60, 40), 255, np.uint8)
    region[10:25, 10:30] = 0  # the top of a 0
    region[28:45, 10:30] = 0  # its bottom, three rows apart
    region[55:58, 10:30] = 0  # and a speck-sized stroke of the line below would be its own line
    lines = scan._lines(region, region)
    assert len(lines) == 1 and lines[0][1].shape[0] >= 35


def test_red_is_dropped_and_black_under_it_kept():
    from PIL import Image

    page = np.full((40, 40, 3), 255, np.uint8)
    page[:, :20] = (215, 30, 40)  # seal red
    page[10:30, 10:30] = (20, 20, 20)  # black print, partly under the seal
    gray = np.asarray(scan.without_red(Image.fromarray(page)))
    assert gray[0, 0] > 200 and gray[20, 15] < 60 and gray[20, 25] < 60


def test_lines_are_read_in_batches_of_similar_width_within_the_column_budget():
    widths = [40, 38, 41, 300, 1500, 39, 320, 12, 980, 40] * 7
    batches = scan._batches(widths)
    assert sorted(i for batch in batches for i in batch) == list(range(len(widths)))
    for batch in batches:
        padded = len(batch) * max(widths[i] for i in batch)
        if len(batch) > 1:  # only a line wider than the budget goes over it, alone
            assert padded <= scan.REC_COLUMNS
        assert sum(widths[i] for i in batch) >= (1 - scan.REC_PADDING) * padded
    assert len(batches) < len(widths) / 3  # the narrow cells share their batches


# --- doubt ------------------------------------------------------------------------------------


def frames(recogniser, *columns: dict[str, float]) -> np.ndarray:
    """Per-frame likelihoods over the recogniser's alphabet, from {character: likelihood}."""
    out = np.zeros((len(columns), len(recogniser.characters)), np.float32)
    for t, column in enumerate(columns):
        for ch, p in column.items():
            out[t, recogniser.characters.index(ch)] = p
    return out


def test_a_zero_read_half_as_the_letter_o_is_no_doubt_about_the_number():
    recogniser = scan._recogniser()
    reading = recogniser._decode(frames(recogniser, {"": 1.0}, {"0": 0.55, "O": 0.45}, {"": 1.0}))
    assert reading.digits == "0" and min(reading.digit_confidences) >= scan.SURE_DIGIT


def test_a_digit_torn_between_two_is_in_doubt():
    recogniser = scan._recogniser()
    reading = recogniser._decode(frames(recogniser, {"1": 0.99}, {"": 1.0}, {"3": 0.55, "8": 0.45}))
    assert reading.digits == "13" and min(reading.digit_confidences) < scan.SURE_DIGIT


def test_a_digit_perhaps_dropped_is_in_doubt():
    recogniser = scan._recogniser()
    reading = recogniser._decode(frames(recogniser, {"7": 1.0}, {"": 0.6, "1": 0.4}, {"": 1.0}))
    assert reading.digits == "7" and min(reading.digit_confidences) < scan.SURE_DIGIT


def test_only_digits_the_recogniser_doubts_wait_for_an_identity():
    # Active-table cells: no identity covers them, so the recogniser's word is all there is.
    def row(key, text, sure):
        return AssignedRow(key, RowCandidate([key], [Cell(text, ocr=True, ocr_sure=sure)] * 3), 0.99)
    cells = reconcile("2021", [row("active/regulations", "12", True), row("active/normative_documents", "13", False)])
    assert not any("ocr_unconfirmed" in cells[f"active/regulations/{c}"].flags for c in ("issued", "repealed", "in_force"))
    assert all("ocr_unconfirmed" in cells[f"active/normative_documents/{c}"].flags
               for c in ("issued", "repealed", "in_force"))
    assert set(schema.cell_keys("2021")) == set(cells)


def test_ocr_digits_cut_from_a_run_keep_their_doubt():
    # A row read as running text, its digits run together: a cut that breaks the row's identity
    # may be the reading's fault, so it is in doubt, not the agency's arithmetic as printed.
    key = "requests/unavailable.needs_creation"
    cells = [Cell("3000003", ocr=True, glued=True), Cell("00", ocr=True, glued=True)]
    result = reconcile("2021", [AssignedRow(key, RowCandidate([key], cells), 0.99)])
    row = {k: c for k, c in result.items() if k.startswith(key + "/")}
    assert len(row) == 7 and all(c.value is not None and doubts(c.flags) for c in row.values())


def test_a_page_number_below_a_table_is_no_row_s_value():
    blank = np.full((10, 10), 255, np.uint8)
    pieces = [scan._Piece(blank, 100), scan._Piece(blank, 200)]
    lines = scan._assemble(pieces, ["-3-", "本机关2023年度报告"], set(), set(), [], page=3)
    assert [[c.text for c in line.cells] for line in lines] == [["本机关2023年度报告"]]


def test_a_table_cut_off_by_its_page_end_keeps_its_last_row():
    horizontal = np.zeros((400, 1000), np.uint8)
    vertical = np.zeros_like(horizontal)
    for y in (100, 200):
        horizontal[y - 1:y + 2, 100:900] = 255
    for x in (100, 500, 900):
        vertical[96:304, x - 1:x + 2] = 255  # the column rules run on to the page's end, no rule under the last row
    [grid] = scan._find_grids(horizontal, vertical)
    assert len(grid.ys) == 3 and 290 <= grid.ys[-1] <= 305
    assert len([c for c in grid.cells if c[0] == 1]) == 2


def test_a_number_led_by_a_zero_is_a_value_unread():
    # two cells' zeros run together where the rule between them was lost, or a speck read as 0
    from recover.values import led_by_zero

    assert all(led_by_zero(text) for text in ("00", "010", "05"))
    assert not any(led_by_zero(text) for text in ("0", "10", "0.5", "100"))


@pytest.fixture(scope="module")
def page_image(kinds) -> np.ndarray:
    return cv2.imread(str(kinds / "huaian-2024-page2.jpg"), cv2.IMREAD_GRAYSCALE)


def test_a_page_turned_a_quarter_either_way_is_found_turned_and_turned_back_upright(page_image):
    assert not scan._turned(page_image)
    for quarter in (1, -1):  # counter-clockwise, clockwise
        turned = np.ascontiguousarray(np.rot90(page_image, quarter))
        assert scan._turned(turned)
        back = np.ascontiguousarray(np.rot90(turned))  # counter-clockwise, as the reader turns it
        back = scan._turn(back, scan._skew(back), 255)
        _, pieces = scan._pieces(back, 1.0)
        assert scan._reads_upright(pieces) == (quarter == -1)


@pytest.mark.parametrize("kind", ["landscape", "turned"])
def test_tables_on_landscape_pages_are_read_as_they_lie_and_turned_a_quarter(tmp_path, model, figures, truth, kind):
    # The requests table runs over two landscape pages: a table continued on the next page.
    import pypdfium2

    from recover.tools.render import blocks_from_truth, landscape_scan

    rendered = landscape_scan("huaian-2024", blocks_from_truth("2021", truth, []), kind, dpi=200)
    wide = [w > h for w, h in (page.get_size() for page in pypdfium2.PdfDocument(rendered.data))]
    # the tables' pages between a portrait page of their heading and one of the next section's
    assert wide == [False] + [kind == "landscape"] * (len(wide) - 2) + [False] and len(wide) >= 4
    path = tmp_path / f"{rendered.name}{rendered.suffix}"
    path.write_bytes(rendered.data)
    report = recover.recover_file(path, model)
    wrong = sorted(k for k, v in truth.items() if report.cells[k].value is None or float(report.cells[k].value) != v)
    figures[f"tables on landscape pages, {kind}"] = f"{len(truth) - len(wrong)} of {len(truth)} cells right"
    assert wrong == []
    assert len({report.cells[k].source["page"] for k in truth if k.startswith("requests/")}) == 2


def test_a_decimal_point_read_as_a_colon_leaves_a_number_cell():
    # The fees row: a label and one amount.  Read "96171:6", the amount did not count as a
    # number, so its cell was no number cell and the row was lost.
    pieces = [scan._Piece(np.zeros((1, 1), np.uint8), 0, (0, 5, 0, 6, 1)), scan._Piece(np.zeros((1, 1), np.uint8), 0, (0, 5, 1, 6, 2))]
    readings = [scan.Reading("行政事业性收费", ()), scan.Reading("96171:6", (), "96171.6", (0.99,) * 7)]
    assert scan._number_cells(pieces, readings) == [0, 1]
    readings[1] = scan.Reading("九六", (), "96", (0.99, 0.99))  # Chinese read as digits is no number
    assert scan._number_cells(pieces, readings) == []
