"""Scans → lines of cells.

A page image is straightened (the angle of its table rules), its tables' grids are found with
OpenCV (long horizontal and vertical strokes, merged cells where a rule between two cells is
missing), the rules are wiped out, and tesseract reads the page once (``chi_sim``, which covers
digits too).  Each word goes to the grid cell its centre falls in; words outside the tables
become running text.  Every cell read this way is marked ``ocr`` so the reconciler can keep a
digit in doubt until an identity confirms it.
"""
from __future__ import annotations

import io
import os
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from ..errors import UnreadableDocumentError
from ..layout import Cell, Layout, Line, is_cjk, squeeze, tokenize, with_sources
from ..values import looks_like_value, normalize

OCR_DPI = 300  # PDF pages are rendered at this resolution for OCR
TARGET_WIDTH = 2480  # an A4 page at 300 dpi: smaller images are enlarged to about this
MAX_PIXELS = 80_000_000  # an image larger than this is not a page scan
TESSERACT_CONFIG = "--psm 6"  # the stacked pieces read as one block, a line a piece
DIGITS_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789.-,"


@dataclass
class _Word:
    text: str
    x0: int
    y0: int
    x1: int
    y1: int
    confidence: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Grid:
    """One table: its rules' positions and its (possibly merged) cells as grid index ranges."""

    xs: list[int]
    ys: list[int]
    cells: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 (exclusive)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


def read(data: bytes) -> list[Layout]:
    """An image file (PNG, JPEG, TIFF with one page a frame) read by OCR."""
    try:
        image = Image.open(io.BytesIO(data))
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableDocumentError(f"a {image.width} × {image.height} image is too large to be a page", reason="too_large")
            frames.append(image.convert("L"))
    except UnreadableDocumentError:
        raise
    except Exception as e:
        raise UnreadableDocumentError(f"not a readable image ({type(e).__name__})", reason="corrupt") from e
    lines = [line for number, frame in enumerate(frames, start=1) for line in ocr_image(frame, number)]
    return [Layout(lines, "scan", notes=[f"{len(frames)} page image(s) read by OCR"])]


def ocr_pdf_pages(data: bytes, pages: dict[int, int]) -> list[Line]:
    """Render the given pages of a PDF (1-based page → the resolution its scan was made at, so
    it is neither blurred nor enlarged twice) and read them by OCR."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data, password="")
    lines: list[Line] = []
    try:
        for number, dpi in sorted(pages.items()):
            image = document[number - 1].render(scale=dpi / 72, grayscale=True).to_pil()
            lines += ocr_image(image, number)
    finally:
        document.close()  # a batch worker reads many documents: pdfium's memory is freed now
    return lines


def ocr_image(image: Image.Image, page: int = 1) -> list[Line]:
    gray = np.asarray(image.convert("L"))
    scale = 1.0
    if gray.shape[1] < TARGET_WIDTH * 0.8:  # 150–200 dpi scans read better enlarged
        scale = TARGET_WIDTH / gray.shape[1]
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    gray = _deskew(gray)
    horizontal, vertical = _rules(gray)
    grids = _find_grids(horizontal, vertical)
    # speckle and JPEG noise: the filter grows with the enlargement, as the specks do
    clean = cv2.medianBlur(gray, 5 if scale > 1.6 else 3)
    clean = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    clean[(horizontal > 0) | (vertical > 0)] = 255  # rules confuse the recogniser
    pieces = _table_pieces(clean, grids) + _text_pieces(clean, grids)
    texts = _read_pieces(pieces, "chi_sim")
    # Numbers read by the Chinese model come back as look-alike characters now and then
    # ("4" as 长, "0" as 口): the cells of number columns are read again, digits only.
    numeric = [i for i in _number_cells(pieces, texts) if not looks_like_value(texts[i], ocr=True)
               and sum(is_cjk(ch) for ch in texts[i]) < 2]
    unreadable = set()
    if numeric:
        enlarged = [_Piece(cv2.resize(pieces[i].image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 0)
                    for i in numeric]  # the digits model misses small lone glyphs
        for i, text in zip(numeric, _read_pieces(enlarged, "eng", DIGITS_CONFIG)):
            if looks_like_value(text):
                texts[i] = text
            else:  # a number neither model could read: it keeps its place, unread
                unreadable.add(pieces[i].cell)
    return _assemble(pieces, texts, grids, page, unreadable, (image.width, image.height), scale)


# --- the image --------------------------------------------------------------------------------


def _binary(gray: np.ndarray) -> np.ndarray:
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)


def _deskew(gray: np.ndarray) -> np.ndarray:
    """Turn the page so its long horizontal strokes (table rules, text lines) are level.
    The angle is measured on a reduced copy: a tenth of the work, the same answer."""
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    binary = _binary(small)
    segments = cv2.HoughLinesP(binary, 1, np.pi / 1800, threshold=150, minLineLength=small.shape[1] // 4,
                               maxLineGap=6)
    if segments is None:
        return gray
    angles = [np.degrees(np.arctan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in segments.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) < 5]
    if not angles:
        return gray
    angle = float(np.median(angles))
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def _rules(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and vertical rules."""
    binary = _binary(gray)
    h_len = max(40, gray.shape[1] // 25)
    v_len = max(25, gray.shape[0] // 70)  # longer than a digit "1", shorter than one table row
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # close small gaps left by noise and JPEG, and thicken for the crossing tests below
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return horizontal, vertical


def _find_grids(horizontal: np.ndarray, vertical: np.ndarray) -> list[_Grid]:
    """Each table's rule positions, and its cells with merges where a rule is missing."""
    grids = []
    joined = cv2.bitwise_or(horizontal, vertical)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < horizontal.shape[1] // 5 or h < 40:
            continue
        region = labels[y:y + h, x:x + w] == i
        xs = _positions((vertical[y:y + h, x:x + w] > 0) & region, axis=0, offset=x)
        ys = _positions((horizontal[y:y + h, x:x + w] > 0) & region, axis=1, offset=y)
        if len(xs) < 2 or len(ys) < 2:
            continue
        grid = _Grid(xs, ys)
        grid.cells = _cells(grid, horizontal, vertical)
        grids.append(grid)
    return sorted(grids, key=lambda g: g.ys[0])


def _positions(mask: np.ndarray, axis: int, offset: int) -> list[int]:
    """Where the rules in a mask run: each rule segment's position across it, close ones merged.
    A rule between two columns may run through only a few rows, so every segment counts."""
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    along = cv2.CC_STAT_HEIGHT if axis == 0 else cv2.CC_STAT_WIDTH
    places = sorted(centroids[i][0 if axis == 0 else 1] for i in range(1, count) if stats[i][along] >= 20)
    groups: list[list[float]] = []
    for p in places:
        if groups and p - groups[-1][-1] <= 12:
            groups[-1].append(p)
        else:
            groups.append([p])
    return [int(np.mean(g)) + offset for g in groups]


def _cells(grid: _Grid, horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Merge the elementary cells of a grid wherever the rule between two of them is missing."""
    rows, cols = len(grid.ys) - 1, len(grid.xs) - 1
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for r in range(rows):
        y0, y1 = grid.ys[r], grid.ys[r + 1]
        for c in range(cols):
            if c + 1 < cols and not _ruled(vertical[y0 + 4:y1 - 3, grid.xs[c + 1] - 2:grid.xs[c + 1] + 3], axis=0):
                union(r * cols + c, r * cols + c + 1)
            if r + 1 < rows:
                x0, x1 = grid.xs[c], grid.xs[c + 1]
                if not _ruled(horizontal[grid.ys[r + 1] - 2:grid.ys[r + 1] + 3, x0 + 4:x1 - 3], axis=1):
                    union(r * cols + c, (r + 1) * cols + c)
    members: dict[int, list[int]] = {}
    for index in range(rows * cols):
        members.setdefault(find(index), []).append(index)
    cells = []
    for group in members.values():
        rs = [i // cols for i in group]
        cs = [i % cols for i in group]
        cells.append((min(rs), min(cs), max(rs) + 1, max(cs) + 1))
    return sorted(cells)


def _ruled(strip: np.ndarray, axis: int) -> bool:
    """Whether a rule runs along most of a strip between two cells."""
    if strip.size == 0:
        return True
    covered = (strip > 0).any(axis=1 - axis) if axis == 0 else (strip > 0).any(axis=0)
    return covered.mean() > 0.6


# --- the words ---------------------------------------------------------------------------------


@dataclass
class _Piece:
    """A part of the page to read: one table cell, or one line of text outside the tables."""

    image: np.ndarray
    top: int  # where it sits on the page
    cell: tuple[int, int, int, int, int] | None = None  # grid index, r0, c0, r1, c1


def _ink(crop: np.ndarray) -> np.ndarray | None:
    """The crop trimmed to its ink (with a margin), or None where there is none."""
    ys, xs = np.where(crop < 128)
    if len(ys) < 12:
        return None
    return crop[max(ys.min() - 6, 0):ys.max() + 7, max(xs.min() - 6, 0):xs.max() + 7]


def _table_pieces(clean: np.ndarray, grids: list[_Grid]) -> list[_Piece]:
    pieces = []
    for g, grid in enumerate(grids):
        for r0, c0, r1, c1 in grid.cells:
            crop = _ink(clean[grid.ys[r0] + 5:grid.ys[r1] - 5, grid.xs[c0] + 5:grid.xs[c1] - 5])
            if crop is not None:
                pieces.append(_Piece(crop, grid.ys[r0], (g, r0, c0, r1, c1)))
    return pieces


def _text_pieces(clean: np.ndarray, grids: list[_Grid]) -> list[_Piece]:
    """The lines of text outside the tables, found by the rows of the page that hold ink."""
    page = clean.copy()
    for grid in grids:
        x0, y0, x1, y1 = grid.bbox
        page[max(y0 - 8, 0):y1 + 8, max(x0 - 8, 0):x1 + 8] = 255
    inked = (page < 128).sum(axis=1) > 2
    pieces, start = [], None
    for y, on in enumerate(list(inked) + [False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            if y - start >= 12:
                crop = _ink(page[max(start - 4, 0):y + 4])
                if crop is not None:
                    pieces.append(_Piece(crop, start))
            start = None
    return pieces


def _number_cells(pieces: list[_Piece], texts: list[str]) -> list[int]:
    """The short pieces in table columns or rows where most cells read as numbers."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(pieces):
        if p.cell is not None:
            g, r0, c0, _, c1 = p.cell
            groups.setdefault(("column", g, c0, c1), []).append(i)
            groups.setdefault(("row", g, r0), []).append(i)
    chosen: set[int] = set()
    for members in groups.values():
        numbers = sum(looks_like_value(texts[i], ocr=True) for i in members)
        if numbers * 2 >= len(members):
            chosen.update(i for i in members if len(texts[i]) <= 12)
    return sorted(chosen)


def _read_pieces(pieces: list[_Piece], lang: str, config: str = TESSERACT_CONFIG) -> list[str]:
    """Read every piece with one tesseract run: the pieces stacked one under another."""
    if not pieces:
        return []
    import pytesseract

    gap, margin = 30, 20
    width = max(p.image.shape[1] for p in pieces) + 2 * margin
    height = sum(p.image.shape[0] + gap for p in pieces) + margin
    canvas = np.full((height, width), 255, np.uint8)
    spans, y = [], margin
    for p in pieces:
        h, w = p.image.shape
        canvas[y:y + h, margin:margin + w] = p.image
        spans.append((y, y + h))
        y += h + gap
    try:
        with _one_thread():
            data = pytesseract.image_to_data(Image.fromarray(canvas), lang=lang, config=config,
                                             output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as e:
        raise UnreadableDocumentError("this document is a scan and needs tesseract (with chi_sim) to be read; "
                                      "install tesseract-ocr and tesseract-ocr-chi-sim", reason="needs_software") from e
    words: list[list[_Word]] = [[] for _ in pieces]
    tops = [a for a, _ in spans]
    for text, conf, left, top, w, h in zip(data["text"], data["conf"], data["left"], data["top"],
                                           data["width"], data["height"]):
        text = normalize(text or "").strip()
        if not text:
            continue
        middle = top + h / 2
        index = max(0, min(len(spans) - 1, int(np.searchsorted(tops, middle, side="right")) - 1))
        words[index].append(_Word(text, left, top, left + w, top + h, float(conf)))
    return [squeeze(" ".join(t for _, t in _text_lines(ws))) for ws in words]


@contextmanager
def _one_thread():
    """tesseract's own threads fight each other (and a batch's workers) for the cores: one is
    faster.  The child process inherits the setting; this process's environment is restored."""
    previous = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["OMP_THREAD_LIMIT"]
        else:
            os.environ["OMP_THREAD_LIMIT"] = previous


def _assemble(pieces: list[_Piece], texts: list[str], grids: list[_Grid], page: int,
              unreadable: AbstractSet[tuple[int, int, int, int, int] | None] = frozenset(),
              size: tuple[int, int] | None = None, scale: float = 1.0) -> list[Line]:
    """Tables as grid lines and the other lines as text, top to bottom.  A table cell's source
    is its box in pixels of the page image of ``size`` (read enlarged ``scale`` times)."""
    cell_text = {p.cell: t for p, t in zip(pieces, texts) if p.cell is not None}
    blocks: list[tuple[int, list[Line]]] = []
    for g, grid in enumerate(grids):
        rows: dict[int, list[Cell]] = {}
        for r0, c0, r1, c1 in grid.cells:
            text = squeeze(cell_text.get((g, r0, c0, r1, c1), ""), digits=True)
            box = [round(v / scale) for v in (grid.xs[c0], grid.ys[r0], grid.xs[c1], grid.ys[r1])]
            source = {"page": page, "box": box, **({"size": list(size)} if size else {})}
            rows.setdefault(r0, []).append(Cell(text, col=c0, span=c1 - c0, ocr=True, source=source,
                                                unreadable=(g, r0, c0, r1, c1) in unreadable))
            for r in range(r0 + 1, r1):
                rows.setdefault(r, []).append(Cell(text, col=c0, span=c1 - c0, spanned=True, ocr=True))
        lines = [Line(sorted(rows[r], key=lambda c: c.col or 0), grid=True, aligned=True, number=r + 1,
                      table=g + 1, page=page) for r in sorted(rows)]
        blocks.append((grid.ys[0], [line for line in lines if any(c.text for c in line.cells)]))
    for p, text in zip(pieces, texts):
        if p.cell is None and text:
            cells = with_sources(tokenize(text, ocr=True), text, {"page": page})
            blocks.append((p.top, [Line(cells, grid=False, page=page)]))
    return [line for _, lines in sorted(blocks, key=lambda b: b[0]) for line in lines]


def _text_lines(words: list[_Word]) -> list[tuple[int, str]]:
    """Words grouped into lines (a word joins a line its middle lies within), each left to right."""
    lines: list[list[_Word]] = []
    for w in sorted(words, key=lambda w: w.cy):
        if lines and min(v.y0 for v in lines[-1]) <= w.cy <= max(v.y1 for v in lines[-1]):
            lines[-1].append(w)
        else:
            lines.append([w])
    return [(min(w.y0 for w in line), squeeze(" ".join(w.text for w in sorted(line, key=lambda w: w.x0))))
            for line in lines]
