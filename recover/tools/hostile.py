"""A corpus of hostile and broken input, for proving that a batch survives it.

:func:`write_corpus` writes, from one generated report with known truth, every kind of bad file a
batch meets — empty, corrupt, encrypted, oversized, mis-encoded, unrelated, damaged tables, links
that lead nowhere, documents that try to fetch or include things — and ``expected.json`` saying,
for each file, the outcomes it may end in, the words its error must contain, and the truth its
cells must match where they are not flagged.  Tests run ``recover batch`` over it; so can anyone
(``recover hostile DIR``).

Files that git cannot hold (a named pipe, an unreadable file) and the 50 MB one are made only
with ``special=True`` and ``big=True``.
"""
from __future__ import annotations

import io
import json
import os
import random
import re
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .. import schema
from ..batch.inputs import printable
from ..excel import zip_of
from . import synth
from .render import blocks_from_truth, pdf_of, to_docx, to_pdf, zero_page_pdf

FAILED, FLAGGED, OK, NOT_A_REPORT = "failed", "flagged", "ok", "not_a_report"
READ = (OK, FLAGGED)  # a document that must be read, rightly or with its doubts flagged

# A file no document may ever bring into the outputs (external entities point at it).
SECRET_FILE = "/etc/passwd"
SECRET_MARK = "root:"


@dataclass
class Expected:
    outcomes: tuple[str, ...]
    reason: str = ""  # words the error (failed) or a flag (flagged) must contain
    truth: dict | None = None  # cells that, where not flagged, must hold these values
    note: str = ""  # what the file is, for a reader of expected.json


def source_report(seed: int = 0, template: str = "2021") -> tuple[list, dict]:
    """A report as blocks with every cell printed, and its truth: non-zero numbers, so a misread
    shows."""
    rng = random.Random(seed)
    cells = synth.random_matrix(rng, template, dense=True)
    prose = ["某县交通运输局2022年政府信息公开工作年度报告", "一、总体情况",
             "本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开工作。"]
    return blocks_from_truth(template, cells, prose), cells


def as_text(blocks: list) -> str:
    return synth.render(blocks, "tab", random.Random(0))


def as_html(blocks: list) -> str:
    return synth.render(blocks, "html", random.Random(0))


# --- damaged reports ----------------------------------------------------------------------------


def without_table(blocks: list, table: str) -> list:
    """The report with one of its three tables (and its heading) left out."""
    title = schema.TABLE_TITLES[table]
    out, skip = [], False
    for block in blocks:
        if isinstance(block, str) and title in block:
            skip = True
            continue
        if skip and isinstance(block, synth.Table):
            skip = False
            continue
        out.append(block)
    return out


def twice(blocks: list, table: str) -> list:
    """The report with one table printed a second time right after the first."""
    title = schema.TABLE_TITLES[table]
    out, after = [], False
    for block in blocks:
        out.append(block)
        if isinstance(block, str) and title in block:
            after = True
        elif after and isinstance(block, synth.Table):
            out += ["（续表）", block]
            after = False
    return out


def with_columns_swapped(blocks: list, first: int = 1, second: int = 2) -> list:
    """The requests table with two applicant columns (by index in schema.REQUEST_COLUMNS)
    swapped, header and values alike: the values still sit under their own headings."""
    requests = _table_after(blocks, schema.TABLE_TITLES["requests"])
    sub_header = requests.rows[2]  # 商业企业 … 其他: the columns under 法人或其他组织
    cells = sub_header.cells
    cells[first - 1], cells[second - 1] = cells[second - 1], cells[first - 1]
    width = len(schema.REQUEST_COLUMNS)
    for row in requests.rows[3:]:
        values = row.cells[-width:]
        values[first], values[second] = values[second], values[first]
        row.cells[-width:] = values
    return blocks


def _table_after(blocks: list, title: str) -> synth.Table:
    seen = False
    for block in blocks:
        if isinstance(block, str) and title in block:
            seen = True
        elif seen and isinstance(block, synth.Table):
            return block
    raise ValueError(f"no table after {title}")


def cut_mid_row(text: str, label: str, values: int = 3) -> str:
    """The text cut off inside the row labelled ``label``, after its first few values."""
    start = text.index(label) + len(label)
    for _ in range(values):
        start = text.index("\t", start + 1)
    return text[:start]


# --- broken files -------------------------------------------------------------------------------


def truncated(data: bytes, share: float = 0.5) -> bytes:
    return data[: int(len(data) * share)]


def with_broken_xref(pdf: bytes) -> bytes:
    """The PDF with every cross-reference offset wrong (readers must rebuild it from the objects)."""
    start = pdf.rindex(b"xref")
    table = pdf[start:]
    broken = re.sub(rb"\d{10} 00000 n", lambda m: b"%010d 00000 n" % (int(m.group()[:10]) + 7), table)
    return pdf[:start] + broken


def page_bomb(pages: int) -> bytes:
    """A PDF of ``pages`` empty pages (each a few bytes: a page-count bomb)."""
    kids = b" ".join(b"%d 0 R" % (i + 3) for i in range(pages))
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
                  + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages)


def page_tree_bomb(levels: int = 6, fanout: int = 10) -> bytes:
    """A tiny PDF claiming fanout**levels pages: a page tree whose every node lists the same
    child ``fanout`` times, down to one shared page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        kid = len(objects) + 2
        count = fanout ** (levels - level)
        parent = b"" if level == 0 else b" /Parent %d 0 R" % (len(objects))
        objects.append(b"<< /Type /Pages /Kids [" + b" ".join([b"%d 0 R" % kid] * fanout) +
                       b"] /Count %d%s >>" % (count, parent))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % len(objects))
    return pdf_of(objects)


def giant_page() -> bytes:
    """One page 40 million points (about 14 km) on a side; the PDF maximum is 14,400 (200 in)."""
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 40000000 40000000] >>"])


def blank_scan() -> bytes:
    """An image-only PDF of one blank page: nothing to read."""
    from PIL import Image

    buffer = io.BytesIO()
    fixed = time.gmtime(1577836800)  # 2020-01-01: the same bytes every time
    Image.new("L", (1240, 1754), 255).save(buffer, "PDF", resolution=150, creationDate=fixed, modDate=fixed)
    return buffer.getvalue()


def docx_with(document_xml: bytes, docx: bytes, extra: dict[str, bytes] | None = None,
              content_type: bytes | None = None) -> bytes:
    """A copy of a .docx with its body replaced (and files added, its main content type changed)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["word/document.xml"] = document_xml
    if content_type:
        files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", content_type
        ).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        files["word/_rels/document.xml.rels"] = files["word/_rels/document.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdVba" Target="vbaProject.bin" '
            b'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"/></Relationships>')
    files.update(extra or {})
    return zip_of(files)


def zip_with_bomb(files: dict[str, bytes], bomb: str, size: int) -> bytes:
    """A zip of ``files`` plus a member ``bomb`` of ``size`` zero bytes, written a block at a time
    (the bomb is never held in memory unpacked), fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(bomb, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                member.write(block)
    return buffer.getvalue()


def docx_files(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def stream_bomb(size: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``size`` bytes of spaces."""
    inflater = zlib.compressobj(9)
    block = b" " * (1 << 20)
    stream = b"".join(inflater.compress(block) for _ in range(size >> 20)) + inflater.flush()
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                   b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"])


def page_of_side(points: int) -> bytes:
    """One empty page ``points`` on a side."""
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>" % (points, points)])


def span_bomb(rows: int = 400, span: int = 200) -> str:
    """A small web page whose table, once its spans are expanded, has rows × span × span cells."""
    row = f'<tr><td rowspan="{span}" colspan="{span}">1</td></tr>'
    return f"<html><body><table>{row * rows}</table></body></html>"


def attribute_bomb(html: str, attributes: int = 80_000) -> str:
    """The page with one tag carrying ``attributes`` attributes (libxml2 is quadratic in them)."""
    tag = "<div " + " ".join(f"a{i}=1" for i in range(attributes)) + ">x</div>"
    return html.replace("<body>", "<body>" + tag, 1)


def glued_appeals(text: str, digits: int) -> str:
    """The report with its appeals row of 15 values printed as one run of ``digits`` digits."""
    lines = text.split("\n")
    row = max(i for i, line in enumerate(lines) if len(re.findall(r"\d+", line)) >= 15)
    lines[row] = "1" * digits
    return "\n".join(lines)


def with_external_entity(xml: bytes, where: bytes) -> bytes:
    """XML whose DOCTYPE declares an entity read from SECRET_FILE and a billion-laughs chain, used
    right after ``where``."""
    root = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    doctype = (b'\n<!DOCTYPE doc [<!ENTITY secret SYSTEM "file://' + SECRET_FILE.encode() + b'">'
               b'<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    at = xml.index(where) + len(where)
    return xml[:root] + doctype + xml[root:at] + b"&secret;&d;" + xml[at:]


def fetching_html(html: str, url: str) -> str:
    """The report's HTML with everything a browser would fetch or run pointing at ``url``."""
    head = (f'<link rel="stylesheet" href="{url}/style.css"><script src="{url}/app.js"></script>'
            f'<meta http-equiv="refresh" content="0; url={url}/moved">'
            f'<base href="{url}/">')
    body = (f'<img src="{url}/logo.png"><iframe src="{url}/frame.html"></iframe>'
            f'<object data="{url}/x.swf"></object><svg><image href="{url}/i.svg"/></svg>'
            f'<script>fetch("{url}/beacon")</script><a href="{url}/next.html">下一篇</a>')
    html = html.replace("<head>", "<head>" + head, 1) if "<head>" in html else head + html
    return html.replace("<body>", "<body>" + body, 1) if "<body>" in html else body + html


def unclosed(html: str) -> str:
    """The HTML with its closing tags for cells, rows, paragraphs and the page dropped, and the
    tables nested inside a layout table, as old CMS templates leave them."""
    html = re.sub(r"</(td|th|tr|p|div|body|html|tbody)>", "", html)
    return f"<table><tr><td>栏目导航<td>{html}</table>"


def deeply_nested(html: str, depth: int = 5000) -> str:
    return "<div>" * depth + html + "</div>" * depth


# --- the corpus ----------------------------------------------------------------------------------


BUDGET = ("某局2022年部门预算公开\n一、部门预算收支总表\n项目\t预算数\t上年数\n"
          "一般公共预算收入\t1234.56\t1100.00\n基本支出\t800\t760\n项目支出\t434.56\t340\n")
NOTICE = "关于进一步做好政务公开工作的通知\n各单位：为深入贯彻落实《条例》，现就有关事项通知如下。\n" * 5
OTHER_TABLES = ("<html><body><h1>某市2022年国民经济和社会发展统计公报</h1><table>"
                "<tr><td>指标</td><td>单位</td><td>绝对数</td><td>比上年增长</td></tr>"
                "<tr><td>地区生产总值</td><td>亿元</td><td>1234.5</td><td>5.2</td></tr>"
                "<tr><td>一般公共预算收入</td><td>亿元</td><td>98.7</td><td>3.1</td></tr>"
                "<tr><td>行政许可办件量</td><td>件</td><td>45678</td><td>12.0</td></tr></table></body></html>")


def corpus(seed: int = 0, big: bool = False) -> dict[str, tuple[bytes, Expected]]:
    """Every hostile file by its path in the corpus, with what recovering it must give."""
    blocks, cells = source_report(seed)
    truth = synth.truth_cells(cells)
    text, html = as_text(blocks), as_html(blocks)
    pdf, docx = to_pdf(blocks), to_docx(blocks)
    files: dict[str, tuple[bytes, Expected]] = {}

    def add(name, data, outcomes, reason="", truth_=None, note=""):
        files[name] = (data, Expected(outcomes, reason, truth_, note))

    # Well-formed, for comparison: these must be read right.
    add("good/report.txt", text.encode(), (OK,), truth_=truth, note="the source report, as tab-separated text")
    add("good/report.html", html.encode(), (OK,), truth_=truth, note="the source report as a web page")
    add("good/report.pdf", pdf, (OK,), truth_=truth, note="the source report as a digital PDF")
    add("good/report.docx", docx, (OK,), truth_=truth, note="the source report as Word")

    # Empty, junk and files of the wrong kind.
    add("empty.txt", b"", (FAILED,), "empty", note="zero bytes")
    add("zero-bytes.pdf", b"", (FAILED,), "empty", note="zero bytes with a .pdf name")
    add("whitespace.html", b" \n\t\n ", (FAILED,), "empty", note="only white space")
    add("junk.txt", random.Random(seed).randbytes(64_000), (FAILED,), "binary", note="random bytes")
    add("junk-named.pdf", b"%PDF-1.7\n" + random.Random(seed + 1).randbytes(20_000), (FAILED,), "PDF",
        note="random bytes behind a PDF header")
    add("legacy.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), (FAILED,), "legacy",
        note="an OLE (Word 97) file named .docx")
    add("not-word.docx", zip_of({"readme.txt": b"just a zip"}), (FAILED,), "not a Word",
        note="a zip of something else named .docx")
    add("report.ofd", zip_of({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"}), (FAILED,),
        "OFD", note="an OFD document (China's fixed-layout format), which recover does not read")
    add("report.rtf", b"{\\rtf1\\ansi " + text.encode("unicode_escape") + b"}", (FAILED,), "RTF",
        note="the report saved as RTF")
    add("zip-bomb.docx", docx_with(b"<w:document>" + b" " * 70_000_000 + b"</w:document>", docx),
        (FAILED,), "too large", note="a .docx whose body unpacks to 70 MB")
    add("corrupt-image.png", b"\x89PNG\r\n\x1a\n" + random.Random(seed + 2).randbytes(5000), (FAILED,), "image",
        note="a PNG header and noise")

    # Broken and dangerous PDFs.
    add("truncated.pdf", truncated(pdf), (FAILED, FLAGGED), "", truth, note="the PDF cut off half-way")
    add("broken-xref.pdf", with_broken_xref(pdf), (OK,), truth_=truth,
        note="every cross-reference offset wrong; the objects are intact")
    add("encrypted-password.pdf", to_pdf(blocks, user_password="secret"), (FAILED,), "password",
        note="needs a password to open")
    add("encrypted-no-password.pdf", to_pdf(blocks, user_password=""), (OK,), truth_=truth,
        note="encrypted with an owner password only: opens without one")
    add("page-bomb.pdf", page_bomb(2500), (FAILED,), "pages", note="2500 empty pages in 250 kB")
    add("page-tree-bomb.pdf", page_tree_bomb(), (FAILED,), "pages", note="a 1 kB PDF whose page tree claims a million "
        "pages by listing one page over and over")
    add("giant-page.pdf", giant_page(), (FAILED,), "points", note="one page 40 million points on a side")
    add("no-pages.pdf", zero_page_pdf(), (FAILED,), "no pages", note="a well-formed PDF with no pages")
    add("blank-scan.pdf", blank_scan(), (NOT_A_REPORT,), "", note="an image-only PDF of a blank page")

    # Text in other encodings and line endings: read as if UTF-8.
    add("gb18030.txt", text.encode("gb18030"), (OK,), truth_=truth, note="GB18030")
    add("utf16.txt", text.encode("utf-16"), (OK,), truth_=truth, note="UTF-16 with a byte-order mark")
    add("utf16le-no-bom.txt", text.encode("utf-16-le"), (OK,), truth_=truth, note="UTF-16LE without a BOM")
    add("big5.txt", _traditional(text).encode("big5"), (OK,), truth_=truth,
        note="the report in the traditional script, in Big5")
    add("gbk.html", html.replace("<head>", '<head><meta charset="gbk">').encode("gbk"), (OK,), truth_=truth,
        note="a GBK web page that says so")
    add("crlf.txt", text.replace("\n", "\r\n").encode(), (OK,), truth_=truth, note="Windows line endings")
    add("cr.txt", text.replace("\n", "\r").encode(), (OK,), truth_=truth, note="old Mac line endings")

    # Malformed HTML, and documents that try to fetch or include things.
    add("unclosed.html", unclosed(html).encode(), (OK,), truth_=truth,
        note="closing tags dropped, tables inside a layout table")
    add("deeply-nested.html", deeply_nested(html).encode(), READ + (FAILED,), "", truth,
        note="the report under 5000 nested <div>s")
    add("external-entity.html",
        with_external_entity(html.encode(), b"<body>"), READ, "", truth,
        note=f"declares entities reading {SECRET_FILE} and a billion-laughs chain, and uses them")
    add("fetching.html", fetching_html(html, "http://127.0.0.1:9").encode(), (OK,), truth_=truth,
        note="stylesheets, scripts, images, frames, a redirect and a beacon pointing at a local port")
    body = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    add("external-entity.docx", docx_with(with_external_entity(body, b"<w:body>"), docx), READ + (FAILED,), "",
        truth, note=f"a .docx whose body declares an entity reading {SECRET_FILE}")
    add("macro.docm", docx_with(body, docx, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)},
                                b"application/vnd.ms-word.document.macroEnabled.main+xml"),
        (OK,), truth_=truth, note="a macro-enabled Word file: read as a document, its macro left alone")

    # Other kinds of document.
    add("budget.txt", BUDGET.encode(), (NOT_A_REPORT,), "standard tables", note="a budget report")
    add("notice.txt", NOTICE.encode("gb18030"), (NOT_A_REPORT,), "table", note="a notice with no table, in GB18030")
    add("statistics.html", OTHER_TABLES.encode(), (NOT_A_REPORT,), "standard tables", note="a statistics bulletin")

    # Reports with their tables damaged.
    for table in schema.TABLES:
        add(f"missing-{table}.txt", as_text(without_table(blocks, table)).encode(), (FLAGGED,), "table_missing",
            truth, note=f"the {table} table left out")
    add("cut-mid-row.txt", cut_mid_row(text, "4.保护第三方合法权益").encode(), (FLAGGED,), "table_missing",
        truth, note="cut off in the middle of a row of the requests table")
    add("two-copies.txt", as_text(twice(blocks, "requests")).encode(), READ, "", truth,
        note="the requests table printed twice")
    swapped = with_columns_swapped(source_report(seed)[0])
    add("columns-swapped.txt", as_text(swapped).encode(), READ, "", truth,
        note="two applicant columns swapped, headers and values alike")
    add("columns-swapped.html", as_html(swapped).encode(), READ, "", truth,
        note="the same as a web page")
    old_blocks, old_cells = source_report(seed + 1, "2019")
    mixed = old_blocks[:_index_of(old_blocks, "requests")] + blocks[_index_of(blocks, "requests"):]
    mixed_truth = {**truth, **{k: v for k, v in synth.truth_cells(old_cells).items() if k.startswith("active/")}}
    add("mixed-2019-2021.txt", as_text(mixed).encode(), (FLAGGED,), "", mixed_truth,
        note="the 2019 form's first table with the 2021 form's other two")

    # Names a batch must keep apart.
    add("names/report with spaces.txt", text.encode(), (OK,), truth_=truth, note="spaces in the name")
    add("names/交通运输局 2022年报.txt", text.encode(), (OK,), truth_=truth, note="a Chinese name")
    add("names/a/report.txt", text.encode(), (OK,), truth_=truth, note="one of two files named report.txt")
    add("names/b/report.txt", b"", (FAILED,), "empty", note="the other, empty, in another folder")

    # Names by which a folder's files used to be passed over: recover reads every file by its content.
    add("odd-names/download.jsp?id=301", text.encode(), (OK,), truth_=truth, note="no suffix, a query in the name")
    add("odd-names/report.PDF.1", pdf, (OK,), truth_=truth, note="a PDF saved twice by a browser")
    add("odd-names/page.mht", html.encode(), (OK,), truth_=truth, note="a web page under a suffix nobody lists")
    add("odd-names/.hidden.txt", text.encode(), (OK,), truth_=truth, note="a hidden file")
    add("odd-names/=HYPERLINK(1).txt", text.encode(), (OK,), truth_=truth,
        note="a name a spreadsheet would take for a formula")

    # Amplifiers: small files that would cost without bound, and numbers no cell holds.
    add("span-bomb.html", span_bomb().encode(), (FAILED,), "spans", note="400 rows of rowspan=colspan=200 in 23 kB")
    add("giant-page-20000.pdf", page_of_side(20_000), (FAILED,), "points", note="a page exactly 20,000 points on a side")
    appeals_truth = {k: v for k, v in truth.items() if not k.startswith("appeals/")}
    add("glued-29-digits.txt", glued_appeals(text, 29).encode(), (FLAGGED,), "", appeals_truth,
        note="the appeals row's 15 values run together into 29 digits")
    add("glued-5000-digits.txt", glued_appeals(text, 5000).encode(), (FLAGGED,), "", appeals_truth,
        note="the appeals row as a run of 5000 digits")

    if big:
        add("styles-bomb.docx", zip_with_bomb({k: v for k, v in docx_files(docx).items() if k != "word/styles.xml"},
                                              "word/styles.xml", 3 << 30), (FAILED,), "unpacks",
            note="a 3 MB .docx whose styles.xml inflates to 3 GB")
        macro = docx_with(body, docx, None, b"application/vnd.ms-word.document.macroEnabled.main+xml")
        add("macro-bomb.docm", zip_with_bomb(docx_files(macro), "word/vbaProject.bin", 3 << 30), (FAILED,),
            "unpacks", note="a .docm whose vbaProject.bin inflates to 3 GB")
        add("stream-bomb.pdf", stream_bomb(1 << 30), (FAILED,), "inflates", note="a content stream inflating to 1 GB")
        add("attribute-bomb.html", attribute_bomb(html).encode(), (FAILED,), "attributes",
            note="a tag with 80,000 attributes")
        add("glued-19mb.txt", glued_appeals(text, 19_000_000).encode(), (FLAGGED,), "", appeals_truth,
            note="the appeals row as a run of 19 million digits")
        add("huge.txt", (text * (50_000_000 // len(text.encode()) + 1)).encode(), (FAILED,), "too large",
            note="50 MB of text")
    return files


def _traditional(text: str) -> str:
    from opencc import OpenCC

    return OpenCC("s2tw").convert(text)


def _index_of(blocks: list, table: str) -> int:
    title = schema.TABLE_TITLES[table]
    return next(i for i, b in enumerate(blocks) if isinstance(b, str) and title in b)


def write_corpus(directory: str | Path, seed: int = 0, big: bool = False, special: bool = False) -> int:
    """Write the corpus and ``expected.json``; return how many documents it holds.  ``special``
    adds links (to a report, to nowhere, in a loop), a named pipe and an unreadable file.

    expected.json: ``{"truths": {name: cells}, "documents": {path: {"outcomes", "reason",
    "truth" (a name in truths, or null), "note"}}}``.
    """
    directory = Path(directory)
    truths: dict[str, dict] = {}
    documents: dict[str, dict] = {}
    for name, (data, exp) in corpus(seed, big).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        documents[name] = {"outcomes": list(exp.outcomes), "reason": exp.reason,
                           "truth": _name_truth(truths, exp.truth), "note": exp.note}
    if special:
        documents.update(_special_files(directory, truth=documents["good/report.txt"]["truth"]))
    (directory / "expected.json").write_text(
        json.dumps({"truths": truths, "documents": documents}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    return len(documents)


def _name_truth(truths: dict[str, dict], cells: dict | None) -> str | None:
    if cells is None:
        return None
    for name, known in truths.items():
        if known == cells:
            return name
    name = f"truth{len(truths) + 1}"
    truths[name] = cells
    return name


def _special_files(directory: Path, truth: str) -> dict[str, dict]:
    links = directory / "links"
    links.mkdir(exist_ok=True)
    made = {}

    def link(name: str, target: str, outcomes, reason, truth_, note):
        path = links / name
        if path.is_symlink() or path.exists():
            path.unlink()
        path.symlink_to(target)
        made[f"links/{name}"] = {"outcomes": list(outcomes), "reason": reason, "truth": truth_, "note": note}

    link("to-report.txt", "../good/report.txt", (OK,), "", truth, "a link to a good report")
    del made["links/to-report.txt"]  # the same file as good/report.txt: read once, under that name
    link("dangling.txt", "nowhere.txt", (FAILED,), "cannot read", None, "a link to nothing")
    link("loop-a.txt", "loop-b.txt", (FAILED,), "cannot read", None, "two links pointing at each other")
    link("loop-b.txt", "loop-a.txt", (FAILED,), "cannot read", None, "two links pointing at each other")
    loop = links / "folder-loop"
    if not loop.is_symlink():
        loop.symlink_to(".", target_is_directory=True)  # a folder that contains itself
    names = directory / "names-special"
    names.mkdir(exist_ok=True)
    report = as_text(source_report()[0]).encode()
    for name, note in ((os.fsdecode("年报".encode("gbk")) + ".txt", "a GBK name, as unzipping a Windows archive gives"),
                       ("line\rbreak.txt", "a carriage return in the name"),
                       ("交" * 83 + ".txt", "a name of 253 bytes")):
        (names / name).write_bytes(report)
        made[f"names-special/{printable(name)}"] = {"outcomes": [OK], "reason": "", "truth": truth, "note": note}
    pipe = directory / "named-pipe.txt"
    if not pipe.exists():
        os.mkfifo(pipe)
    made["named-pipe.txt"] = {"outcomes": [FAILED], "reason": "not a regular file", "truth": None,
                              "note": "a named pipe: reading it would wait forever"}
    locked = directory / "unreadable.txt"
    locked.write_bytes(as_text(source_report()[0]).encode())
    locked.chmod(0)
    readable = os.access(locked, os.R_OK)  # root reads it anyway
    made["unreadable.txt"] = {"outcomes": [OK] if readable else [FAILED],
                              "reason": "" if readable else "cannot read", "truth": truth if readable else None,
                              "note": "permissions 000" + (" (read anyway: running as root)" if readable else "")}
    return made
