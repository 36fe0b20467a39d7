"""Reports rendered as users receive them — Word, digital PDF, and scans — keeping their truth.

A report to render is a list of blocks (paragraphs and :class:`recover.tools.synth.Table`): a
generated one as :mod:`recover.tools.synth` builds it, or a real one rebuilt from its truth (the
official form filled with the values the truth file holds, blank where it holds none) and its
own prose.  Scans are the PDF rasterised at 150–300 dpi, turned by a fraction of a degree,
speckled and JPEG-compressed; the degraded kinds (:mod:`recover.tools.degrade`) are phone photos
of the printed page, scans with a red seal over the appeals numbers and the signature, and faxes;
and the tables may be printed on landscape pages, scanned as they lie or turned a quarter.  Needs reportlab and a CJK TrueType font (Debian's
fonts-wqy-zenhei); both come with the ``test`` extra and CI.
"""
from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .. import schema
from ..excel import zip_of
from . import degrade
from .synth import Noise, _grid, active_table, appeals_table, requests_table, truth_cells

FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
              "/usr/share/fonts/truetype/arphic/uming.ttc")
# scans as users have them too: phone photos, stamped with the agency's red seal, faxed
DEGRADED = ("photo", "stamped", "fax")
SCANNED = ("scan", *DEGRADED)
# the tables on landscape pages, scanned: each page as it lies, and as a scanner delivers a page
# laid in sideways, a landscape page turned a quarter on a portrait image
LANDSCAPE = ("landscape", "turned")
KINDS = ("pdf", "docx", *SCANNED, *LANDSCAPE)
DEGRADED_DPI = 150  # photos and faxes come at 150 dpi; stamped scans at the scan's resolution


@dataclass
class Rendered:
    name: str
    data: bytes
    suffix: str


# --- real reports as blocks ------------------------------------------------------------------


def blocks_from_truth(template: str, cells: Mapping[str, int | float | Decimal | None], prose: list[str]) -> list:
    """The official form filled with ``cells`` (blank where a cell has no value), after the prose."""
    noise = Noise.plain()
    values = {k: cells.get(k) for k in schema.cell_keys(template)}
    titles = [f"二、{schema.TABLE_TITLES['active']}", f"三、{schema.TABLE_TITLES['requests']}",
              f"四、{schema.TABLE_TITLES['appeals']}"]
    return (list(prose) + [titles[0], active_table(template, values, noise), titles[1],
                           requests_table(template, values, noise), titles[2],
                           appeals_table(values, noise, labelled_rows=False), "五、存在的主要问题及改进情况"])


def prose_of(text: str, limit: int = 6) -> list[str]:
    """The first paragraphs of a report's prose: lines with sentences, not table rows."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if len(line) > 30 and "。" in line and "|" not in line and "\t" not in line:
            out.append(line[:400])
        if len(out) >= limit:
            break
    return out


# --- Word ----------------------------------------------------------------------------------------


def to_docx(blocks: list) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        grid = _grid(block)
        width = max(len(row) for row in grid)
        table = document.add_table(rows=len(grid), cols=width)
        table.style = "Table Grid"
        for r, slots in enumerate(grid):
            for c, (cell, origin) in enumerate(slots):
                if not origin:
                    continue
                target = table.cell(r, c)
                target.text = cell.text
                if cell.colspan > 1 or cell.rowspan > 1:
                    target.merge(table.cell(min(r + cell.rowspan, len(grid)) - 1, min(c + cell.colspan, width) - 1))
                    table.cell(r, c).paragraphs[0].text = cell.text  # merge keeps the text of every cell
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return zip_of({name: archive.read(name) for name in archive.namelist()})


# --- digital PDF ---------------------------------------------------------------------------------


def cjk_font() -> str:
    """Register a CJK TrueType font with reportlab and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "CJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("CJK", cjk_font_path(), subfontIndex=0))
    return "CJK"


def cjk_font_path() -> str:
    for path in FONT_PATHS:
        if Path(path).exists():
            return path
    raise RuntimeError("no CJK TrueType font found: install Debian's fonts-wqy-zenhei")


def to_pdf(blocks: list, landscape_tables: bool = False, user_password: str | None = None,
           ruled: bool = True) -> bytes:
    """A digital PDF, its tables ruled unless ``ruled`` is False.  ``landscape_tables`` prints
    the tables (from the first to the last, with the headings between them) on landscape pages,
    the prose before and after on portrait ones.  ``user_password`` encrypts it: "" makes one
    that opens without a password (only an owner password set), anything else one that needs it."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate, Paragraph,
                                    SimpleDocTemplate, Spacer)
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    small = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=10.5, wordWrap="CJK")
    buffer = io.BytesIO()
    encrypt = None
    if user_password is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(user_password, ownerPassword="owner-secret", canModify=0)
    margin = 18 * mm
    # no timestamps or random IDs: the same blocks give the same bytes
    settings = dict(pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
                    encrypt=encrypt, invariant=1)
    tables = [i for i, block in enumerate(blocks) if not isinstance(block, str)]
    if landscape_tables and tables:
        document: BaseDocTemplate = BaseDocTemplate(buffer, **settings)
        document.addPageTemplates([
            PageTemplate(id=name, pagesize=size, frames=[Frame(margin, margin, size[0] - 2 * margin,
                                                               size[1] - 2 * margin, id=name)])
            for name, size in (("portrait", A4), ("landscape", landscape(A4)))])
        turns = {tables[0]: "landscape", tables[-1] + 1: "portrait"}
    else:
        document = SimpleDocTemplate(buffer, **settings)
        turns = {}
    story: list = []
    usable = A4[0] - 2 * margin
    for index, block in enumerate(blocks):
        if index in turns:
            story += [NextPageTemplate(turns[index]), PageBreak()]
            usable = (landscape(A4) if turns[index] == "landscape" else A4)[0] - 2 * margin
        if isinstance(block, str):
            story += [Paragraph(block, body), Spacer(1, 4)]
            continue
        grid = _grid(block)
        width = max(len(row) for row in grid)
        data = [[""] * width for _ in grid]
        spans = []
        for r, slots in enumerate(grid):
            for c, (cell, origin) in enumerate(slots):
                if origin:
                    data[r][c] = Paragraph(cell.text, small) if not cell.is_value else cell.text
                    if cell.colspan > 1 or cell.rowspan > 1:
                        spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        rules = [("GRID", (0, 0), (-1, -1), 0.6, colors.black)] if ruled else []
        style = TableStyle(rules + [("FONTNAME", (0, 0), (-1, -1), font),
                            ("FONTSIZE", (0, 0), (-1, -1), 8.5), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                            ("ALIGN", (0, 0), (-1, -1), "CENTER")] + spans)
        story += [PdfTable(data, colWidths=_column_widths(grid, width, usable), style=style, repeatRows=0),
                  Spacer(1, 8)]
    document.build(story)
    return buffer.getvalue()


def _column_widths(grid, width: int, usable: float) -> list[float]:
    """Label columns (those holding text in data rows) wide, number columns narrow."""
    labels: set[int] = set()
    for slots in grid:
        if any(cell.is_value for cell, _ in slots):
            labels.update(c for c, (cell, origin) in enumerate(slots) if origin and not cell.is_value)
    weights = [3.0 if c in labels else 1.0 for c in range(width)]
    return [usable * w / sum(weights) for w in weights]


# --- scans ---------------------------------------------------------------------------------------


def to_scan_images(pdf: bytes, dpi: int = 200, seed: int = 0, angle: float | None = None,
                   jpeg_quality: int = 70) -> list:
    """Each page as a photographed/scanned image: rasterised, turned 0.5–2°, speckled, JPEG'd."""
    import numpy as np
    import pypdfium2
    from PIL import Image

    rng = random.Random(seed)
    document = pypdfium2.PdfDocument(pdf)
    images = []
    for page in document:
        image = page.render(scale=dpi / 72).to_pil().convert("L")
        turn = angle if angle is not None else rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)
        image = image.rotate(turn, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        pixels = np.asarray(image, dtype=np.int16)
        noise = np.random.default_rng(seed).normal(0, 5, pixels.shape)
        speckle = np.random.default_rng(seed + 1).random(pixels.shape) < 0.0015
        pixels = np.clip(pixels + noise, 0, 255)
        pixels[speckle] = 0
        image = Image.fromarray(pixels.astype(np.uint8), "L")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=jpeg_quality)
        scanned = Image.open(io.BytesIO(buffer.getvalue()))
        scanned.info["dpi"] = (dpi, dpi)
        images.append(scanned)
    return images


def images_to_pdf(images: list, dpi: int) -> bytes:
    """An image-only PDF, as a scanner makes (JPEG pages kept as JPEG)."""
    buffer = io.BytesIO()
    first, *rest = images
    first.save(buffer, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return buffer.getvalue()


def without_unicode_map(pdf: bytes) -> bytes:
    """The same PDF with its fonts' ToUnicode maps blanked out: text that shows right on screen
    but copies out as glyph codes, as some PDFs do.  Offsets are kept, so it stays valid."""
    import re

    return re.sub(rb"/ToUnicode \d+ 0 R", lambda m: b" " * len(m.group()), pdf)


def zero_page_pdf() -> bytes:
    """A well-formed PDF with no pages."""
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF written by hand from its objects (object 1 the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def render(name: str, blocks: list, kind: str, dpi: int = 200, seed: int = 0, agency: str = "") -> list[Rendered]:
    """One report in one kind: ``pdf``, ``docx``, ``scan`` (an image-only PDF), one of the
    degraded scans: ``photo`` (150 dpi), ``stamped`` (signed by ``agency`` and sealed), ``fax``
    (150 dpi), or a scan with its tables on landscape pages: ``landscape``, ``turned``."""
    if kind == "docx":
        return [Rendered(name, to_docx(blocks), ".docx")]
    if kind in LANDSCAPE:
        return [landscape_scan(name, blocks, kind, dpi, seed)]
    pdf = to_pdf(signed(blocks, agency) if kind == "stamped" else blocks)
    if kind == "pdf":
        return [Rendered(name, pdf, ".pdf")]
    return [scanned_as(name, pdf, kind, dpi, seed, agency)]


def scanned_as(name: str, pdf: bytes, kind: str, dpi: int = 200, seed: int = 0, agency: str = "") -> Rendered:
    """A PDF's pages as a scan of ``kind`` (``scan`` or one of :data:`DEGRADED`), as an
    image-only PDF."""
    if kind == "scan":
        return Rendered(f"{name}_scan{dpi}", images_to_pdf(to_scan_images(pdf, dpi=dpi, seed=seed), dpi), ".pdf")
    dpi = dpi if kind == "stamped" else DEGRADED_DPI
    images = degraded_images(pdf, kind, random.Random(f"{name}-{kind}-{seed}"), dpi, agency)
    return Rendered(f"{name}_{kind}", images_to_pdf(images, dpi), ".pdf")


def landscape_scan(name: str, blocks: list, kind: str, dpi: int = 200, seed: int = 0) -> Rendered:
    """The report with its tables on landscape pages (see :func:`to_pdf`), scanned; ``turned``:
    each landscape page a quarter turned, one way or the other, on a portrait image."""
    images = to_scan_images(to_pdf(blocks, landscape_tables=True), dpi=dpi, seed=seed)
    if kind == "turned":
        rng = random.Random(f"{name}-{kind}-{seed}")
        images = [image.rotate(rng.choice([90, 270]), expand=True) if image.width > image.height else image
                  for image in images]
    return Rendered(f"{name}_{kind}{dpi}", images_to_pdf(images, dpi), ".pdf")


def signed(blocks: list, agency: str) -> list:
    """The report with a signature at its end (the agency and a date), which a seal covers."""
    return [*blocks, agency or "人民政府办公室", "2025年1月20日"]


def degraded_images(pdf: bytes, kind: str, rng: random.Random, dpi: int, agency: str = "") -> list:
    """The pages of a PDF as a degraded kind of scan (see :data:`DEGRADED`)."""
    pages = page_images(pdf, dpi)
    if kind == "photo":
        return [degrade.photo(page, rng) for page in pages]
    if kind == "fax":
        return [degrade.fax(page, rng) for page in pages]
    for number, centre in seal_places(pdf, agency or "人民政府办公室", dpi):
        pages[number] = degrade.seal(pages[number], centre, dpi, agency, rng)
    return [degrade.scanned(page, rng) for page in pages]


def page_images(pdf: bytes, dpi: int) -> list:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def seal_places(pdf: bytes, agency: str, dpi: int) -> list[tuple[int, tuple[float, float]]]:
    """Where seals go (page index, centre in pixels at ``dpi``): over the numbers of the appeals
    table's last row, and over the signature (the last time the agency's name is printed)."""
    import pdfplumber

    places, signature = [], None
    scale = dpi / 72
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for index, page in enumerate(document.pages):
            for table in page.find_tables():
                if "行政诉讼" in "".join(c or "" for row in table.extract() for c in row):
                    x0, _, x1, bottom = table.bbox
                    places.append((index, ((x0 + 0.55 * (x1 - x0)) * scale, (bottom - 12) * scale)))
            for found in page.search(agency, regex=False):
                signature = (index, ((found["x0"] + found["x1"]) / 2 * scale, found["bottom"] * scale))
    return places + ([signature] if signature else [])


def write(rendered: list[Rendered], directory: Path, truth: dict) -> None:
    """Each rendering with a truth file naming it."""
    directory = Path(directory)
    (directory / "truth").mkdir(parents=True, exist_ok=True)
    for r in rendered:
        (directory / f"{r.name}{r.suffix}").write_bytes(r.data)
        record = dict(truth, document=f"{r.name}{r.suffix}")
        record["cells"] = truth_cells(truth["cells"])
        (directory / "truth" / f"{r.name}{r.suffix}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def render_real(truth_dir: Path, out: Path, kinds=KINDS, dpi: int = 200) -> int:
    """Render every real report that has a truth file, from its truth and its own prose."""
    from .. import readers

    count = 0
    for path in sorted(Path(truth_dir).glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        source = Path(truth_dir).parent / truth["document"]
        try:
            prose = prose_of(readers.read(source.read_bytes())[0].text()) if source.exists() else []
        except Exception:  # a source we cannot read still renders, without its prose
            prose = []
        blocks = blocks_from_truth(truth["template"], truth["cells"], prose)
        for kind in kinds:
            write(render(Path(truth["document"]).stem, blocks, kind, dpi=dpi, agency=truth.get("agency", "")),
                  out, truth)
            count += 1
    return count


def render_printed(truth_dir: Path, out: Path, kinds=SCANNED, dpi: int = 200) -> int:
    """Scan the real reports that are PDFs as they were printed (their own layout, not the form
    rebuilt from their truth): each in each kind of scan."""
    count = 0
    for path in sorted(Path(truth_dir).glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        source = Path(truth_dir).parent / truth["document"]
        if source.suffix.lower() != ".pdf" or not source.exists():
            continue
        for kind in kinds:
            write([scanned_as(f"{source.stem}_printed", source.read_bytes(), kind, dpi, agency=truth.get("agency", ""))],
                  out, truth)
            count += 1
    return count


def render_synthetic(seed: int, count: int, out: Path, kinds=KINDS, dpi: int = 200) -> int:
    """Render generated reports (their settled truth kept) in each kind."""
    from .synth import generate_blocks

    written = 0
    for name, template, blocks, truth in generate_blocks(seed, count):
        record = {"template": template, "complete": True, "cells": truth}
        for kind in kinds:
            write(render(name, blocks, kind, dpi=dpi, seed=seed), out, record)
            written += 1
    return written
