"""Hybrid and partial forms (agencies mix the two templates or drop rows), either script, and the
evidence beyond one table: the prose, an agency's other years.  Read what is printed; infer only
what the identities force."""
import pytest

import recover
from recover import schema
from recover.cells import doubts

OTHER_SUBROWS = ("other.no_correction", "other.unpaid_fee", "other.other")


def requests_text(rows: dict[str, list[str]]) -> str:
    """A 2021 requests and appeals table as tab-separated text, rows given by ID (values as printed)."""
    lines = ["三、收到和处理政府信息公开申请情况",
             "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
             "\t自然人\t法人或其他组织\t\t\t\t\t总计",
             "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他"]
    for r in schema.rows("2021", "requests"):
        lines.append("\t".join([r.label] + rows.get(r.id, ["0"] * 7)))
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议\t行政诉讼",
              "\t".join(["0"] * 15), "五、存在的主要问题及改进情况"]
    return "\n".join(lines) + "\n"


ACTIVE_2021 = """二、主动公开政府信息情况
第二十条第（一）项
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t0
行政规范性文件\t1\t0\t5
"""


def _hybrid(group: list[str], **rows: list[str]) -> str:
    """A 2021 report (its active table's headers say so) whose （六）其他处理 is printed as 2019's one row."""
    text = ACTIVE_2021 + requests_text(rows)
    lines = [line for line in text.splitlines()
             if not any(line.startswith(schema.row("2021", f"requests/{r}").label) for r in OTHER_SUBROWS)]
    at = next(i for i, line in enumerate(lines) if line.startswith("（七）总计"))
    lines.insert(at, "\t".join(["（六）其他处理"] + group))
    return "\n".join(lines) + "\n"


def test_a_single_other_row_of_zeros_forces_the_three_2021_sub_rows_to_zero(model):
    cells = recover.recover_text(_hybrid(["0"] * 7), "hybrid", model).cells
    assert not any(k.startswith("requests/other/") for k in cells)  # not a cell of the 2021 matrix
    for r in OTHER_SUBROWS:
        for c in schema.REQUEST_COLUMNS:
            cell = cells[f"requests/{r}/{c.id}"]
            assert (cell.value, cell.status) == (0, "inferred") and not doubts(cell.flags)


def test_a_single_other_row_that_is_not_zero_bounds_the_sub_rows_without_guessing(model):
    three = ["3", "0", "0", "0", "0", "0", "3"]
    cells = recover.recover_text(_hybrid(three, new=three, total=three), "hybrid", model).cells
    assert cells["requests/other.no_correction/natural_person"].value is None  # which sub-row: not printed
    assert cells["requests/other.no_correction/business"].value == 0  # a 0 column forces all three
    assert cells["requests/total/natural_person"].value == 3
    assert not any(f.startswith("identity_broken") for c in cells.values() for f in c.flags)


def test_wps_pdfs_with_a_single_other_row_are_read_without_needless_doubt(model, fixtures_dir):
    # Hongze 2023 and 2024: 2021 headers, （六）其他处理 printed as one row of zeros.
    for name in ("302_hongze-gov-2023.pdf", "303_hongze-gov-2024.pdf"):
        report = recover.recover_file(fixtures_dir / "wps" / name, model)
        assert report.template == "2021"
        for r in OTHER_SUBROWS:
            cell = report.cells[f"requests/{r}/total"]
            assert (cell.value, cell.status) == (0, "inferred") and not doubts(cell.flags)
        assert report.flagged_cells == 0


def _department(fixtures_dir, name: str, model):
    return recover.recover_file(fixtures_dir / "departments" / name, model)


def test_spaces_beside_a_run_are_not_cell_boundaries(model, fixtures_dir):
    # 503 prints '10 0 00 0 1' for 1, 0, 0, 0, 0, 0, 1; 507 its appeals as '01 0 1 20 0 0 0 0 0 0 0 00'
    new = _department(fixtures_dir, "503_pingtan-xingzhengshenpi-2020.txt", model).cells
    assert [new[f"requests/new/{c.id}"].value for c in schema.REQUEST_COLUMNS] == [1, 0, 0, 0, 0, 0, 1]
    appeals = _department(fixtures_dir, "507_pingtan-ziranziyuan-2022.txt", model).cells
    assert [appeals[f"appeals/review/{c.id}"].value for c in schema.APPEAL_COLUMNS] == [0, 1, 0, 1, 2]
    assert not any(doubts(appeals[f"appeals/{r.id}/{c.id}"].flags)
                   for r in schema.APPEAL_ROWS for c in schema.APPEAL_COLUMNS)


def test_a_run_whose_only_cut_breaks_the_published_arithmetic_is_read_as_printed(model, fixtures_dir):
    # 511 prints the 总计 of 本年新收 one row too low: '6100000' then '0000007'
    report = _department(fixtures_dir, "511_pingtan-nongyenongcun-2023.txt", model)
    new = [report.cells[f"requests/new/{c.id}"] for c in schema.REQUEST_COLUMNS]
    assert [c.value for c in new] == [6, 1, 0, 0, 0, 0, 0]
    assert "identity_broken_as_printed:requests_row_total" in new[-1].flags
    assert "narrative_disagrees" in new[-1].flags  # its prose says 收到…申请7份
    assert report.cells["requests/carried_over/total"].value == 7


def test_prose_run_into_the_first_table_header_is_context_not_the_label(model, fixtures_dir):
    # 510: '…主动公开的政府信息占11.3%。第二十条第（一）项信息内容本年制发件数…规章000'
    cells = _department(fixtures_dir, "510_pingtan-caizhengjinrong-2025.txt", model).cells
    assert [cells[f"active/regulations/{c}"].value for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert not doubts(cells["active/regulations/in_force"].flags)


def test_a_web_excerpt_cut_inside_a_row_the_rows_above_pin_down_is_read_without_doubt(real_reports):
    # 205 stops after six of 予以公开's seven cells, '1 | 0 | 0 | 0 | 0 | 0', under one request from
    # a natural person: no other way to read the six fits the rows above.
    cells = real_reports["205_hezhang-transport-2021.txt"].cells
    assert [cells[f"requests/granted/{c.id}"].value for c in schema.REQUEST_COLUMNS[:-1]] == [1, 0, 0, 0, 0, 0]
    assert not any(doubts(cells[f"requests/granted/{c.id}"].flags) for c in schema.REQUEST_COLUMNS)
    total = cells["requests/granted/total"]  # past the cut: what identity 2 forces
    assert (total.value, total.status) == (1, "inferred")
    # 209 stops after four zeros of 上年结转, which nothing above bounds; but every other row of it
    # is printed one cell a column, empty cells too: no cell was lost before the cut.
    cells = real_reports["209_bj-tongzhou-bureau-2019.txt"].cells
    assert [cells[f"requests/carried_over/{c.id}"].value for c in schema.REQUEST_COLUMNS[:4]] == [0, 0, 0, 0]
    assert not any(doubts(cells[f"requests/carried_over/{c.id}"].flags) for c in schema.REQUEST_COLUMNS[:4])


def test_identities_5_and_6_are_checked_over_an_agencys_years_in_one_batch(tmp_path, fixtures_dir):
    from recover.batch import find_inputs, read_reports, run_batch

    run_batch(find_inputs([fixtures_dir / "departments", fixtures_dir / "wps"], exclude=["truth/*"]), tmp_path)
    reports = {r.document: r for r in read_reports(tmp_path)}
    # 公安局 2021 → 2022: 规范性文件 in force 2, then 4 issued and 1 repealed, yet 7 in force (2 + 4 − 1 = 5):
    # every figure read without doubt, so the agency's list changed; named on both years, not in doubt.
    for name, cell in (("509_pingtan-gongan-2021.txt", "in_force"), ("513_pingtan-gongan-2022.txt", "issued")):
        flags = reports[name].cells[f"active/normative_documents/{cell}"].flags
        assert "identity_broken_as_printed:cross_year_active" in flags and not doubts(flags)
    # identity 5 holds wherever both years are in the batch
    assert not any(f.endswith(":cross_year") for r in reports.values() for c in r.cells.values() for f in c.flags)


def test_a_title_that_leaves_out_the_city_names_the_same_agency():
    from recover.reconcile.identities import _fuller_names

    names = {"洪泽区人民政府", "淮安市洪泽区人民政府", "人民政府", "区人民政府"}
    assert _fuller_names(names) == {"洪泽区人民政府": "淮安市洪泽区人民政府"}


@pytest.mark.parametrize("config, encoding", [("s2twp", "utf-8"), ("s2t", "utf-8"), ("s2t", "big5")])
def test_a_report_in_the_traditional_script_is_read_as_in_the_simplified(model, real_dir, config, encoding):
    # 002 as a mirror or wiki site republishes it: 政府資訊公開申請數量, 規範性檔案, 總計
    from opencc import OpenCC

    text = (real_dir / "002_pingtan-2021-flat.txt").read_text(encoding="utf-8")
    simplified = recover.recover_text(text, "simplified", model)
    traditional = OpenCC(config).convert(text)
    assert "總計" in traditional
    report = recover.recover_bytes(traditional.encode(encoding, errors="replace"), "traditional", model)
    assert report.template == simplified.template == "2021"
    assert {k: c.value for k, c in report.cells.items()} == {k: c.value for k, c in simplified.cells.items()}
    assert report.flagged_cells == simplified.flagged_cells


def test_a_web_report_rendered_by_libreoffice_is_read_as_the_page_is(tmp_path, fixtures_dir):
    # 102 as Word and WPS users pass it on: `soffice --headless --convert-to pdf` / `docx` / `doc` (Word 97)
    # of the page
    from recover.batch import find_inputs, run_batch
    from recover.evaluate import load_cells, load_truth, score

    rendered = fixtures_dir / "rendered"
    run_batch(find_inputs([rendered], exclude=["truth/*"]), tmp_path)
    scores = score(load_truth(rendered / "truth"), load_cells(tmp_path / "cells.csv"))
    assert scores.cell_accuracy == 1.0 and scores.silent_errors == 0
    assert scores.settled_rate >= 0.98


def test_a_form_without_its_regulations_row_leaves_that_row_unknown_and_the_rest_read(model, seeds_dir):
    text = (seeds_dir / "000_f75c2c88bf6d12f5.txt").read_text(encoding="utf-8")
    whole = recover.recover_text(text, "whole", model).cells
    cells = recover.recover_text("\n".join(line for line in text.split("\n") if not line.startswith("规章\t")),
                                 "no regulations", model).cells
    for key, cell in cells.items():
        if key.startswith("active/regulations/"):
            assert cell.value is None and cell.flags == ["row_missing"]
        else:
            assert cell.value == whole[key].value and doubts(cell.flags) == doubts(whole[key].flags)


def test_sub_rows_numbered_with_a_comma_and_group_labels_on_their_own_lines(real_reports):
    # 301 prints （六）其他处理 on a line of its own and its sub-rows as 1、申请人… 2、申请人… 3、其他
    cells = real_reports["301_huaian-gov-2024.pdf"].cells
    for r in OTHER_SUBROWS:
        cell = cells[f"requests/{r}/total"]
        assert cell.status == "printed" and not doubts(cell.flags)


def test_a_word_document_in_the_traditional_script_is_read_as_in_the_simplified(model, fixtures_dir):
    import io
    import zipfile

    from opencc import OpenCC

    original = (fixtures_dir / "kinds" / "shanghai-2019.docx").read_bytes()
    converted = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as zin, zipfile.ZipFile(converted, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = OpenCC("s2t").convert(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    simplified = recover.recover_bytes(original, "simplified", model)
    traditional = recover.recover_bytes(converted.getvalue(), "traditional", model)
    assert {k: c.value for k, c in traditional.cells.items()} == {k: c.value for k, c in simplified.cells.items()}
    assert traditional.flagged_cells == simplified.flagged_cells
    assert "traditional script read as simplified" in traditional.notes


def test_identities_a_table_already_breaks_do_not_choose_where_a_lost_number_was(fixtures_dir, model):
    # 506 as published does not add up (本年新收 16 natural persons, 总计 18).  A copy that lost one
    # of 部分公开's zeros: leaving its natural person blank would let the results add up to 18 (a 2
    # inferred there), but a table that does not add up is no evidence where the cell was lost.
    text = (fixtures_dir / "departments" / "506_pingtan-ziranziyuan-2021.txt").read_text(encoding="utf-8")
    assert text.count("情形）00 0 0 0 0 0") == 1
    cells = recover.recover_text(text.replace("情形）00 0 0 0 0 0", "情形）00 0 0 0 0"), "506", model).cells
    cell = cells["requests/partly_granted/natural_person"]
    assert (cell.value, cell.status) == (0, "printed") or doubts(cell.flags), (cell.value, cell.flags)


def _saved_as_one_file(html: str, charset: str, encoding: str, header: str) -> bytes:
    """A page as a browser or Word saves it in one file (.mht): MIME parts, the page encoded."""
    import base64
    import quopri
    from email.message import Message
    from email.mime.image import MIMEImage
    from email.mime.multipart import MIMEMultipart

    body = html.encode("gb18030" if charset == "gb2312" else charset)
    page = Message()
    page["Content-Type"] = f'text/html; charset="{charset}"'
    page["Content-Transfer-Encoding"] = encoding
    page["Content-Location"] = "https://www.example.gov.cn/zfxxgk/ndbg/2021.html"
    page.set_payload((quopri.encodestring(body) if encoding == "quoted-printable" else base64.encodebytes(body))
                     .decode("ascii"))
    saved = MIMEMultipart("related", type="text/html")
    saved.attach(page)
    saved.attach(MIMEImage(b"\x89PNG\r\n\x1a\n" + bytes(64), "png"))  # the page's images come along
    return (header + saved.as_string()).encode("ascii")


@pytest.mark.parametrize("charset, encoding, header", [
    ("utf-8", "quoted-printable", "From: <Saved by Blink>\nSnapshot-Content-Location: https://www.example.gov.cn/\n"),
    ("gb2312", "base64", ""),  # Word's 单个文件网页: charset gb2312, the text in fact GB18030
])
def test_a_web_page_saved_as_one_file_is_read_as_the_page_is(model, real_dir, charset, encoding, header):
    from recover.readers.encoding import decode
    from recover.readers.mht import web_page

    html = (real_dir / "102_pingtan-2020.html").read_text(encoding="utf-8")
    page = recover.recover_text(html, "page", model)
    saved = _saved_as_one_file(html, charset, encoding, header)
    report = recover.recover_bytes(saved, "102_pingtan-2020.mht", model)
    assert report.kind == "mht"
    assert {k: (c.value, c.status, c.flags) for k, c in report.cells.items()} == \
        {k: (c.value, c.status, c.flags) for k, c in page.cells.items()}
    # where each cell was printed counts in the page inside, as the review page shows it
    assert decode(web_page(saved))[0] == html
    assert {k: c.source for k, c in report.cells.items()} == {k: c.source for k, c in page.cells.items()}
