"""Every text and HTML layout seen in real reports, each with a real snippet (cut from the
reports in tests/fixtures, or shaped after them where noted), read end to end."""
from decimal import Decimal


import recover


def value(cells, key):
    return cells[key].value


def test_pipe_table_with_trailing_pipes(model, real_dir, cells_of):
    # 201: one row a line, trailing " |", cut off inside the fee row
    cells = cells_of((real_dir / "201_zhanjiang-devzone-police-2021.txt").read_text(), model)
    assert value(cells, "active/licensing/decisions") == 330
    assert value(cells, "active/penalties/decisions") == 1311
    assert value(cells, "active/enforcement/decisions") == 126
    assert cells["active/fees/amount"].status == "unknown"
    assert cells["requests/new/total"].flags == ["table_missing"]


def test_pipe_table_with_header_cells_split_by_spaces(model, real_dir):
    # 203: "本年新 制作数量", and a provincial row (其他主动公开文件) that is not a standard row
    report = recover.recover_text((real_dir / "203_xiaogan-gov-office-2020.txt").read_text(), "203", model)
    assert report.template == "2019"
    assert [value(report.cells, f"active/normative_documents/{c}") for c in ("made", "published", "total_published")] \
        == [11, 11, 119]
    assert report.cells["active/licensing/prior_count"].status == "unknown"  # 56 | 45 belong to the extra row


def test_label_line_then_value_line_with_merged_cell_residue(model, real_dir, cells_of):
    # 205: "规章 |" then "0 | 0 | 0 |", "| ||" residue, header 商业 企业, cut inside 予以公开
    cells = cells_of((real_dir / "205_hezhang-transport-2021.txt").read_text(), model)
    assert value(cells, "active/enforcement/decisions") == 452
    assert [value(cells, f"requests/new/{c}") for c in ("natural_person", "business", "total")] == [1, 0, 1]
    assert value(cells, "requests/granted/other_org") == 0
    assert cells["requests/granted/total"].status != "printed"  # past the cut


def test_one_cell_per_line_with_signed_values_and_unit_in_cell(model, real_dir, cells_of):
    # 209: "+3", "--253", "103.3879万元", residue lines "|||"
    cells = cells_of((real_dir / "209_bj-tongzhou-bureau-2019.txt").read_text(), model)
    assert value(cells, "active/licensing/change") == 3
    assert value(cells, "active/penalties/change") == -253
    assert cells["active/penalties/change"].flags == []  # a change's doubled minus is a minus
    assert value(cells, "active/procurement/amount") == Decimal("103.3879")
    # cut after four zeros of 上年结转; every other row printed cell for cell: read in order
    assert value(cells, "requests/carried_over/nonprofit") == 0
    assert cells["requests/carried_over/nonprofit"].flags == []
    assert cells["requests/carried_over/total"].status != "printed"


def test_every_cell_and_every_pipe_on_its_own_line(model, real_dir, cells_of):
    # 211: cell, "|", cell, "|" …; 商业 / 企业 split over lines; stops mid-label
    cells = cells_of((real_dir / "211_xjnlk-town-2023.txt").read_text(), model)
    assert value(cells, "active/regulations/in_force") == 6
    assert value(cells, "requests/withheld.internal_affairs/total") == 0


def test_tabs_with_a_label_split_off_into_column_zero(model, seeds_dir, cells_of):
    # seed 000: "4.保护第三方合法权益" alone in column 0, rows 予以公开…4 printed with no values
    cells = cells_of((seeds_dir / "000_f75c2c88bf6d12f5.txt").read_text(), model)
    assert value(cells, "active/normative_documents/issued") == 1
    third_party = cells["requests/withheld.third_party/natural_person"]
    assert third_party.value == 0 and third_party.status == "inferred"  # forced: the total is 0
    assert cells["requests/withheld.internal_affairs/total"].status == "printed"


def test_markdown_headings_and_rule_rows(model, seeds_dir, cells_of):
    # seed 002: "## 二、…" headings and a "-------------\t---" rule under the last row
    cells = cells_of((seeds_dir / "002_e5c5c0c256c89289.txt").read_text(), model)
    assert value(cells, "active/normative_documents/in_force") == 6
    assert cells["requests/carried_forward/total"].status == "printed"


def test_markdown_pipe_table(model, cells_of):
    text = """## 二、主动公开政府信息情况
| 第二十条第（一）项 | | | |
|---|---|---|---|
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| 规章 | 0 | 0 | 3 |
| 行政规范性文件 | 5 | 1 | 27 |
| 第二十条第（五）项 | | | |
| 信息内容 | 本年处理决定数量 | | |
| 行政许可 | 1,234 | | |
"""
    cells = cells_of(text, model)
    assert value(cells, "active/regulations/in_force") == 3
    assert value(cells, "active/normative_documents/repealed") == 1
    assert value(cells, "active/licensing/decisions") == 1234


def test_spaces_inside_words_and_truncated_appeal_headers(model, seeds_dir):
    # seed 004: "商业 企业", "结果 | 结果 | 其他 | 尚未" header cells, 15 numbers on one line
    report = recover.recover_text((seeds_dir / "004_bf6d550e61b65be2.txt").read_text(), "004", model)
    assert report.template == "2021"
    assert all(c.status in ("printed", "inferred") for c in report.cells.values())
    assert report.cells["appeals/litigation_after_review/total"].status == "printed"


def test_space_aligned_columns_place_values_under_their_header(model, cells_of):
    # shaped after a PDF copied as text: columns kept by runs of spaces, a blank cell left empty
    text = """二、主动公开政府信息情况
第二十条第（一）项
信息内容          本年制发件数    本年废止件数    现行有效件数
规章              1               0               11
行政规范性文件    8               26              66
第二十条第（五）项
信息内容          本年处理决定数量
行政许可          447228
"""
    cells = cells_of(text, model)
    assert [value(cells, f"active/normative_documents/{c}") for c in ("issued", "repealed", "in_force")] == [8, 26, 66]
    assert value(cells, "active/licensing/decisions") == 447228


def test_stray_empty_cell_is_repaired_and_flagged(model, cells_of):
    text = """二、主动公开政府信息情况
第二十条第（一）项 | | | |
信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
规章 | 0 | 0 | 3 |
行政规范性文件 | 8 | | 26 | 66 |
"""
    cells = cells_of(text, model)
    assert [value(cells, f"active/normative_documents/{c}") for c in ("issued", "repealed", "in_force")] == [8, 26, 66]
    assert "shift_repaired" in cells["active/normative_documents/in_force"].flags


def test_full_width_digits_and_brackets_zero_marks_and_yuan(model):
    text = """二、主动公开政府信息情况
第二十条第（一）项
信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量
规章\t—\t/\t１２
规范性文件\t无\t0\t3
第二十条第(九)项
信息内容\t采购项目数量\t采购总金额（单位：万元）
政府集中采购\t6\t251000元
"""
    report = recover.recover_text(text, "snippet", model)
    assert report.template == "2019"
    cells = report.cells
    assert [value(cells, f"active/regulations/{c}") for c in ("made", "published", "total_published")] == [0, 0, 12]
    assert value(cells, "active/procurement/amount") == Decimal("25.1")
    assert "unit_converted" in cells["active/procurement/amount"].flags


def test_scraped_text_with_cells_run_together(model, real_dir, cells_of):
    # 002: "640020470" is 64, 0, 0, 2, 0, 4, 70; breadcrumbs and toolbar text around the report
    cells = cells_of((real_dir / "002_pingtan-2021-flat.txt").read_text(), model)
    assert [value(cells, f"requests/new/{c}") for c in
            ("natural_person", "business", "research", "nonprofit", "legal_service", "other_org", "total")] \
        == [64, 0, 0, 2, 0, 4, 70]
    assert value(cells, "requests/unavailable.not_held/other_org") == 3
    assert value(cells, "active/fees/amount") == Decimal("24252.311082")
    assert [value(cells, f"appeals/review/{c}") for c in ("upheld", "corrected", "other", "pending", "total")] \
        == [1, 0, 2, 0, 3]
    # "693665" splits several ways and no identity settles it: flagged, not guessed
    for col in ("issued", "repealed", "in_force"):
        cell = cells[f"active/normative_documents/{col}"]
        assert cell.status == "unknown" and "split_ambiguous" in cell.flags


def test_html_rowspan_colspan_nbsp_and_br_in_labels(model, real_dir):
    # 001: header 本年新<br />制作数量, blank (&nbsp;) cells, colspans that disagree, 251000元
    report = recover.recover_file(real_dir / "001_shanghai-gov-office-2019.html", model)
    cells = report.cells
    assert report.template == "2019"
    assert value(cells, "active/regulations/total_published") == 524
    assert value(cells, "active/procurement/amount") == Decimal("25.1")
    assert value(cells, "requests/new/research") == 0 and cells["requests/new/research"].status == "inferred"
    # a blank row total beside printed parts is their sum
    assert value(cells, "requests/granted/total") == 272 and cells["requests/granted/total"].status == "inferred"
    after_review = cells["appeals/litigation_after_review/total"]
    assert after_review.status == "unknown" and after_review.flags == ["blank"]


def test_word_exported_html_with_numbers_split_across_spans(model, real_dir):
    # 102: 319 KB of mso styles, "2"+"0" in separate spans, a phantom row of &nbsp; under the appeals
    cells = recover.recover_file(real_dir / "102_pingtan-2020.html", model).cells
    assert value(cells, "requests/new/natural_person") == 20
    assert value(cells, "active/penalties/change") == -18
    assert value(cells, "active/fees/change") == -15
    assert value(cells, "active/procurement/amount") == Decimal("7380.28959")
    assert value(cells, "appeals/review/total") == 0


def test_html_table_embedded_in_a_page(model, cells_of):
    page = """<html><head><title>年报</title><script>var x = "<table><tr><td>9</td></tr></table>";</script></head>
<body><div class="crumb">首页 &gt; 政务公开</div><p>二、主动公开政府信息情况</p>
<table><tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>&nbsp;2</td><td>0&nbsp;</td><td>5</td></tr>
<tr><td>行政规范<br>性文件</td><td>3</td><td>1</td><td>40</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p><p>本年共收到申请12件。</p></body></html>"""
    cells = cells_of(page, model)
    assert [value(cells, f"active/regulations/{c}") for c in ("issued", "repealed", "in_force")] == [2, 0, 5]
    assert value(cells, "active/normative_documents/in_force") == 40


def test_text_in_other_encodings(model, seeds_dir):
    text = (seeds_dir / "003_33ad8f586fa9bf30.txt").read_text()
    reference = recover.recover_text(text, "utf8", model)
    for encoding in ("gb18030", "utf-16"):
        report = recover.recover_bytes(text.encode(encoding), encoding, model)
        assert report.template == "2019"
        assert {k: c.value for k, c in report.cells.items()} == {k: c.value for k, c in reference.cells.items()}
