"""Bounded cost (issue 15): amplifiers refused before the work starts, numbers no cell holds flagged."""
import io
import re
import zipfile
import zlib
from pathlib import Path

import pytest

import recover
from recover.tools.render import pdf_of

SEED = Path(__file__).parent / "fixtures" / "seeds" / "000_f75c2c88bf6d12f5.txt"


def _glued(digits: int) -> str:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    row = max(i for i, line in enumerate(lines) if len(re.findall(r"\d+", line)) >= 15)
    lines[row] = "1" * digits  # the appeals row's 15 values run together
    return "\n".join(lines)


@pytest.mark.parametrize("digits", [29, 50_000])
def test_a_run_of_digits_no_cell_holds_is_flagged_and_the_rest_read(model, digits):
    report = recover.recover_text(_glued(digits), "glued", model)
    appeals = [c for k, c in report.cells.items() if k.startswith("appeals/")]
    assert appeals and all(c.flags or c.status == "unknown" for c in appeals)
    assert report.value("requests/new/total") is not None and not report.cells["requests/new/total"].flags


def _refused(data: bytes, says: str):
    with pytest.raises(recover.UnreadableDocumentError, match=says):
        recover.recover_bytes(data, "bomb")


def test_a_table_of_huge_spans_is_refused():
    row = '<tr><td rowspan="200" colspan="200">1</td></tr>'
    _refused(f"<html><body><table>{row * 400}</table></body></html>".encode(), "spans")


def test_a_tag_with_80000_attributes_is_refused():
    tag = "<div " + " ".join(f"a{i}=1" for i in range(80_000)) + ">x</div>"
    _refused(f"<html><body>{tag}<p>报告</p></body></html>".encode(), "attributes")


def test_a_page_20000_points_on_a_side_is_refused():
    _refused(pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 20000 20000] >>"]), "points")


def test_a_content_stream_inflating_past_the_bound_is_refused():
    inflater = zlib.compressobj(9)
    stream = b"".join(inflater.compress(b" " * (1 << 20)) for _ in range(300)) + inflater.flush()
    _refused(pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                     b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]),
             "inflates")


def test_a_docx_whose_styles_inflate_past_the_bound_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/styles.xml", "w", force_zip64=True) as member:
            for _ in range(210):
                member.write(bytes(1 << 20))
    _refused(buffer.getvalue(), "unpacks")
