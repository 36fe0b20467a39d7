"""camelot's reading of a PDF's tables (lattice where the pages have rules, stream where they
have none), with the text around them from pdfplumber: a second opinion, slower than the PDF
reader's own readings, asked for only while a table stays in doubt, and only of the pages where
pdfplumber's rules found no table (elsewhere the reading keeps pdfplumber's tables)."""
from __future__ import annotations

import tempfile

from ..layout import Cell, Layout, squeeze
from ..values import normalize
from .pdf import MAX_PAGES, Table, has_text_layer, open_pdf, page_lines, plumber_table, with_page


def read(data: bytes) -> list[Layout]:
    import camelot

    pdf = open_pdf(data)
    with pdf:
        texts = [number for number, page in enumerate(pdf.pages[:MAX_PAGES], start=1) if has_text_layer(page)]
        ruled = {number: [plumber_table(t) for t in tables] for number in texts
                 if (tables := pdf.pages[number - 1].find_tables())}
        unruled = [number for number in texts if number not in ruled]
        if not unruled:
            return []
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(data)
            f.flush()
            pages = ",".join(map(str, unruled))
            try:
                found = camelot.read_pdf(f.name, pages=pages, flavor="lattice")
                if not found.n:
                    found = camelot.read_pdf(f.name, pages=pages, flavor="stream")
            except Exception:  # a second opinion: when camelot cannot read the PDF, go without
                return []
        by_page: dict[int, list[Table]] = {}
        for table in found:
            page = pdf.pages[int(table.page) - 1]
            x0, y0, x1, y1 = table._bbox  # PDF space: y grows upwards
            rows = [[Cell(squeeze(normalize(str(text)), digits=True), col=c, source=_bbox(box, page.height))
                     for c, (text, box) in enumerate(zip(row, boxes))]
                    for row, boxes in zip(table.df.itertuples(index=False), table.cells)]
            by_page.setdefault(int(table.page), []).append(Table((x0, page.height - y1, x1, page.height - y0), rows))
        if not by_page:
            return []
        lines = []
        for number in texts:
            lines += with_page(page_lines(pdf.pages[number - 1], by_page.get(number) or ruled.get(number, [])), number)
    return [Layout(lines, "pdf", notes=["camelot"])]


def _bbox(cell, height: float) -> dict:
    """A camelot cell's box in pdfplumber's page space (points from the top left)."""
    return {"bbox": [round(cell.x1, 1), round(height - cell.y2, 1), round(cell.x2, 1), round(height - cell.y1, 1)]}
