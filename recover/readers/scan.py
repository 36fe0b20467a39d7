"""Scans → lines of cells.

A page image is straightened (the angle of its table rules), its tables' grids are found with
OpenCV (long horizontal and vertical strokes, merged cells where a rule between two cells is
missing) and the rules are wiped out.  Each grid cell is cut into its lines of text, and so is
the running text outside the tables; PP-OCR's recognition model (the ONNX copy the ``rapidocr``
wheel ships, run by onnxruntime) reads all those lines in batches, with a confidence for each
character.  No text detection model runs: the grid and the ink's rows already say where the
lines are.  A page delivered a quarter turned (a landscape page on a portrait image) is found by
which way its characters join into lines, and turned back the way PP-OCR's text-line orientation
model reads its lines upright.  Every cell read this way is marked ``ocr`` so the reconciler can keep a digit in
doubt until an identity confirms it.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from ..errors import UnreadableDocumentError
from ..layout import Cell, Layout, Line, is_cjk, squeeze, tokenize, with_sources
from ..values import led_by_zero, looks_like_value, normalize
from .text import PAGE_NUMBER

OCR_DPI = 300  # PDF pages are rendered at this resolution for OCR
TARGET_WIDTH = 2480  # an A4 page at 300 dpi: smaller images are enlarged to about this
MAX_PIXELS = 80_000_000  # an image larger than this is not a page scan
# A number cell whose every digit the recogniser is this sure of (its share of the digit
# likelihood) is not in doubt; below it, the digit waits for an identity to confirm it.
SURE_DIGIT = 0.98
SPECK_PIXELS = 12  # at about 300 dpi a full stop is twice this
LINE_GAP = 4  # pixels at about 300 dpi: blank rows within a line of text, as between lines is more
ROW_MIN = 30  # pixels at about 300 dpi: less than a line of text and its cell's padding
# A rule straightened with its page slopes less than this (0.3°); a fax's streak slopes as the
# page was turned in the fax.  A rule's length that strokes of text cross: about none.
STREAK_SLOPE = 0.005
STREAK_CROSSINGS = 0.004
STREAK_TURN = 1.0  # degrees: turned this much, a rule 6 pixels thick runs level 350 pixels at most
STREAK_THICKNESS = 12  # pixels at about 300 dpi: a streak of two scan lines at 150 dpi, thickened
RULE_BREAK = 5  # pixels at about 300 dpi: a gap in a rule shorter than this is no gap
# A page whose characters a small gap closed joins this many times more often down it than across
# it is turned a quarter.  Upright, the real reports' pages scanned, photographed, stamped or
# faxed at 150 and 200 dpi measure at most 0.46, the densest page of number columns 0.97; turned,
# at least 1.82.
TURNED = 1.4
TURN_SIDE = 600  # pixels: the page's short side, where a 3 mm character is about 9 high
TURN_GAP = 4  # pixels there: more than between two characters of a line, less than between lines
ORIENTATION_LINES = 12  # lines of a turned page the orientation model reads to tell which way is up


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
    return [read_images([data])]


def read_images(images: list[bytes]) -> Layout:
    """Image files read by OCR as one document, their pages (a TIFF's frames too) numbered on from 1."""
    pages = [without_red(frame) for data in images for frame in frames(data)]
    lines = [line for number, page in enumerate(pages, start=1) for line in ocr_image(page, number)]
    return Layout(lines, "scan", notes=[f"{len(pages)} page image(s) read by OCR"])


def frames(data: bytes) -> list[Image.Image]:
    """An image file's pages as they are (a TIFF has one a frame), each checked to be page-sized."""
    try:
        image = Image.open(io.BytesIO(data))
        out = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableDocumentError(f"a {image.width} × {image.height} image is too large to be a page",
                                              reason="too_large")
            out.append(image.copy())
        return out
    except UnreadableDocumentError:
        raise
    except Exception as e:
        raise UnreadableDocumentError(f"not a readable image ({type(e).__name__})", reason="corrupt") from e


def ocr_pdf_pages(data: bytes, pages: dict[int, int]) -> list[Line]:
    """Render the given pages of a PDF (1-based page → the resolution its scan was made at, so
    it is neither blurred nor enlarged twice) and read them by OCR."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data, password="")
    lines: list[Line] = []
    try:
        for number, dpi in sorted(pages.items()):
            image = document[number - 1].render(scale=dpi / 72).to_pil()
            lines += ocr_image(without_red(image), number)
    finally:
        document.close()  # a batch worker reads many documents: pdfium's memory is freed now
    return lines


def without_red(image: Image.Image) -> Image.Image:
    """The page in grey with red ink dropped, as a scanner's colour dropout does: a seal pressed
    over numbers or a signature becomes paper, while black printed under it stays black.  A
    pixel much redder than it is green or blue takes its red channel (where red ink is light)."""
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return image.convert("L")
    rgb = np.asarray(image.convert("RGB"))
    gray = np.asarray(image.convert("L"))
    # saturating, so a pixel less red than green or blue comes out 0, not below it
    red = cv2.subtract(rgb[..., 0], np.maximum(rgb[..., 1], rgb[..., 2])) > 50
    if not red.any():
        return Image.fromarray(gray)
    return Image.fromarray(np.where(red, rgb[..., 0], gray))


def ocr_image(image: Image.Image, page: int = 1) -> list[Line]:
    gray = _even_light(_flatten(np.asarray(image.convert("L"))))
    # A page of black and white alone (a fax) has no JPEG noise, and its salt and pepper is left
    # to the speck filter: a median grown with the enlargement ate its digits' thin strokes.  Only
    # such a page has a fax's streaks to look for along its scan lines.
    two_tone = not cv2.inRange(gray, 1, 254).any()
    turned = _turned(gray)
    if turned:  # turned back counter-clockwise; the lines read say whether that was the way
        gray = np.ascontiguousarray(np.rot90(gray))
    scale = 1.0
    # the grid's measures are set for about 300 dpi: an A4 page's short side at 300 dpi, its
    # width, or its height where it lies landscape
    side = min(gray.shape) if 1.25 < gray.shape[1] / gray.shape[0] < 1.6 else gray.shape[1]
    if side < TARGET_WIDTH * 0.8:
        scale = TARGET_WIDTH / side
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    angle = _skew(gray)
    # a fax's streaks run along its scan lines: level in the page as received, not once it is turned
    scan_lines = _scan_line_streaks(gray) if two_tone and abs(angle) >= STREAK_TURN else None
    gray = _turn(gray, angle, 255)
    along = None if scan_lines is None else _turn(scan_lines, angle, 0) > 127
    grids, pieces = _pieces(gray, scale, along, two_tone)
    if turned and not _reads_upright(pieces):
        gray = np.ascontiguousarray(np.rot90(gray, 2))
        along = None if along is None else np.ascontiguousarray(np.rot90(along, 2))
        grids, pieces = _pieces(gray, scale, along, two_tone)
    _give_back_freed_memory()  # the page's masks, before the recogniser's working memory
    readings = recognise([p.image for p in pieces])
    texts = [r.text for r in readings]
    sure: set[int] = set()
    unreadable = set()
    numbers: dict[tuple | None, int] = {}  # a table cell's lines that read as numbers
    for i in _number_cells(pieces, readings):
        reading = readings[i]
        if any(is_cjk(ch) for ch in texts[i]):
            continue  # a word (the end of a label wrapped onto its own line), not a number
        if looks_like_value(reading.digits):  # a zero read as the letter O, a 1 as l
            texts[i] = reading.digits
        elif not looks_like_value(texts[i], ocr=True):  # a number unread: it keeps its place
            unreadable.add(pieces[i].cell)
        if led_by_zero(texts[i]):
            # "00": nobody prints a zero before a number; two cells' numbers whose rule between
            # them was lost, or a speck read as a digit.  Either way a value unread.
            unreadable.add(pieces[i].cell)
        if texts[i] == reading.digits and min(reading.digit_confidences, default=0) >= SURE_DIGIT:
            sure.add(i)
        numbers[pieces[i].cell] = numbers.get(pieces[i].cell, 0) + looks_like_value(texts[i], ocr=True)
    # A cell that holds two lines of numbers is two rows' cells whose rule between them was lost
    # (a fax's broken line): their digits run together would be a number nobody printed, and
    # one the row's identity may well confirm.  Such a cell is a value unread.
    unreadable |= {cell for cell, count in numbers.items() if count > 1}
    lines = _assemble(pieces, texts, sure, unreadable, grids, page, (image.width, image.height), scale)
    _give_back_freed_memory()
    return lines


@functools.cache
def _malloc_trim():
    import ctypes

    return getattr(ctypes.CDLL(None), "malloc_trim", None)


def _give_back_freed_memory() -> None:
    """Hand the memory freed by a page's arrays back to the system.  glibc keeps the freed
    blocks of page-sized arrays in its heap among blocks still in use and reuses them only in
    part: a batch worker that read twelve scanned reports (printed, stamped, faxed, photographed)
    peaked at 564 MB, 421 MB with this, in no more time.  Where the C library is not glibc there
    is nothing to do."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _pieces(gray: np.ndarray, scale: float, along: np.ndarray | None = None,
            two_tone: bool = False) -> tuple[list[_Grid], list[_Piece]]:
    """A straightened page's tables, and its lines of text to read: each table cell's and the
    running text's.  ``along``: where a fax's streaks run along its scan lines, if known."""
    horizontal, vertical, streaks = _rules(gray)
    if along is not None:
        streaks[along] = 255
        horizontal[along] = 0
    grids = _find_grids(horizontal, vertical)
    # speckle and JPEG noise: the filter grows with the enlargement, as the specks do
    clean = cv2.medianBlur(gray, 5 if scale > 1.6 and not two_tone else 3)
    clean = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    # rules confuse the recogniser; of a streak, the pixels where it crosses a character's
    # stroke are the character's
    strokes = (horizontal > 0) | (vertical > 0) | ((streaks > 0) & ~_crossed(streaks > 0, gray < 128))
    clean[strokes] = 255
    # specks left in the gaps between lines would join the lines into one block
    clean[_specks(clean == 0)] = 255
    # The recogniser reads the grey page, not the binary one: thresholding a blurred, JPEG'd or
    # 150-dpi page breaks the strokes of small characters, and PP-OCR was trained on grey text.
    # The binary page only says where the lines are.
    look = gray.copy()
    look[strokes] = 255
    return grids, _table_pieces(clean, look, grids) + _text_pieces(clean, look, grids)


# --- the image --------------------------------------------------------------------------------


def _even_light(gray: np.ndarray) -> np.ndarray:
    """A page lit unevenly (a photo with one side in shadow) evened out: each pixel divided by
    the paper's brightness around it, measured on a reduced copy with the ink filtered out.
    Pages lit evenly are left as they are."""
    small = cv2.resize(gray, None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA)
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((7, 7), np.uint8)), (0, 0), 4)
    inner = paper[paper.shape[0] // 8:-paper.shape[0] // 8 or None, paper.shape[1] // 8:-paper.shape[1] // 8 or None]
    if inner.size == 0 or int(inner.max()) - int(inner.min()) < 40:
        return gray
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.clip(gray.astype(np.float32) * 255 / np.maximum(paper, 1), 0, 255).astype(np.uint8)


def _flatten(gray: np.ndarray) -> np.ndarray:
    """A photographed page cut from its background and its perspective undone: the largest
    bright four-sided shape, where it covers between a quarter and nearly all of the image,
    warped back to a rectangle."""
    factor = 800 / max(gray.shape)
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    bright = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))  # the print inside the page
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return gray
    outline = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(outline) / small.size
    corners = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True)
    if len(corners) != 4 or not 0.25 < share < 0.93:
        return gray
    quad = _clockwise(corners.reshape(4, 2).astype(np.float32) / factor)
    width = int(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


def _clockwise(points: np.ndarray) -> np.ndarray:
    """Four corners as top-left, top-right, bottom-right, bottom-left."""
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    order = [total.argmin(), diff.argmin(), total.argmax(), diff.argmax()]
    return np.array([points[i] for i in order], np.float32)


def _binary(gray: np.ndarray) -> np.ndarray:
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)


def _turn(image: np.ndarray, angle: float, fill: int) -> np.ndarray:
    """The page turned by ``angle`` degrees so its table rules and text lines are level.  A page
    already straight (within a twentieth of a degree) is left as it is."""
    if abs(angle) < 0.05:
        return image
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=fill)


def _scan_line_streaks(gray: np.ndarray) -> np.ndarray:
    """A fax's streaks in its page as received: ink running level along a quarter of the page's
    width at least.  On a page turned :data:`STREAK_TURN` or more, nothing else runs level that
    far: a rule at that angle runs level only its thickness over the angle's tangent."""
    binary = cv2.morphologyEx(_binary(gray), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (RULE_BREAK, 1)))
    run = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (gray.shape[1] // 4, 1)))
    return cv2.dilate(run, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))


def _skew(gray: np.ndarray) -> float:
    """The angle (degrees, within ±5) of the page's rules and lines of text: the angle at which
    the ink, projected onto the page's height, piles up in the sharpest peaks.  Coarse to fine:
    half a degree on a copy reduced to an eighth, then a twentieth around the best on one
    reduced to a half; a fraction of a second, where a Hough transform of the page took seconds."""
    coarse = _sharpest(gray, 0.125, np.arange(-5, 5.01, 0.5))
    return _sharpest(gray, 0.5, np.arange(coarse - 0.5, coarse + 0.51, 0.05))


def _sharpest(gray: np.ndarray, factor: float, angles: np.ndarray) -> float:
    """Of ``angles``, the one at which the ink of the page reduced by ``factor`` projects onto
    its height in the sharpest peaks (the largest sum of squared row counts)."""
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(_binary(small))
    if len(ys) < 100:
        return 0.0
    xs = xs.astype(np.float32) - small.shape[1] / 2
    ys = ys.astype(np.float32)

    def sharpness(angle: float) -> float:
        t = np.radians(angle)
        rows = np.round(ys * np.cos(t) - xs * np.sin(t)).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(np.float64)
        return float(counts @ counts)

    return round(float(max(angles, key=sharpness)), 2)


def _turned(gray: np.ndarray) -> bool:
    """Whether a page lies turned a quarter (a landscape page as a scanner delivers it, on a
    portrait image): its characters join up into lines down the image, not across it.  On a
    copy with the page's short side :data:`TURN_SIDE` pixels, the rules and specks taken out,
    the strokes a gap of :data:`TURN_GAP` pixels closed down the page joins, against those it
    joins across.  (The profile of the ink along each side, which sees lines of prose, does not
    tell a page of narrow number columns.)"""
    factor = TURN_SIDE / min(gray.shape)
    ink = _binary(cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA))
    for kernel in ((25, 1), (1, 25)):
        rule = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        ink[cv2.dilate(rule, np.ones((3, 3), np.uint8)) > 0] = 0
    ink[_specks(ink > 0, 6)] = 0

    def parts(kernel: tuple[int, int]) -> int:
        closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        return cv2.connectedComponents(closed, connectivity=8)[0]

    alone = parts((1, 1))
    return alone - parts((1, TURN_GAP)) > TURNED * max(alone - parts((TURN_GAP, 1)), 1)


def _reads_upright(pieces: list[_Piece]) -> bool:
    """Whether a page's lines read upright rather than upside down, as PP-OCR's text-line
    orientation model sees its longest ones."""
    longest = sorted((p.image for p in pieces if p.image.shape[1] > 3 * p.image.shape[0]),
                     key=lambda image: -image.shape[1])[:ORIENTATION_LINES]
    return not longest or _orientation()(longest) >= 0


def _specks(ink: np.ndarray, pixels: int = SPECK_PIXELS) -> np.ndarray:
    """Where the ink blots smaller than a full stop (``pixels``) are, in a mask of the ink."""
    count, labels, stats, _ = _components(ink)
    speck = stats[:, cv2.CC_STAT_AREA] < pixels
    speck[0] = False  # the paper
    return speck[labels]


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """A mask's 8-connected parts: their count, labels, stats and centroids, as
    ``cv2.connectedComponentsWithStats`` gives them.  Grana's block-based algorithm labels them
    the same, in under half the time of OpenCV's default on a page (four times a page, the
    largest cost of a page but the recogniser)."""
    return cv2.connectedComponentsWithStatsWithAlgorithm(mask.astype(np.uint8, copy=False), 8, cv2.CV_32S, cv2.CCL_BBDT)


def _rules(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the horizontal and vertical rules, and of the streaks that look like rules."""
    binary = _binary(gray)
    h_len = max(40, gray.shape[1] // 25)
    v_len = max(25, gray.shape[0] // 70)  # longer than a digit "1", shorter than one table row
    # a rule broken for a pixel or two (a thin line binarised by a fax) is still one rule
    across = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (RULE_BREAK, 1)))
    down = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, RULE_BREAK)))
    horizontal = cv2.morphologyEx(across, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(down, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # close small gaps left by noise and JPEG, and thicken for the crossing tests below
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    rules, streaks = _streaks_apart(horizontal, (binary > 0) & (vertical == 0))
    return rules, vertical, streaks


def _streaks_apart(horizontal: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal rules, and apart from them a fax's streaks (scan lines drawn black part of
    the way).  A streak runs along the fax's scan lines, so once the page is straightened it is
    the one stroke that slopes: of a sloping stroke only the rows that run much further than the
    rest are kept (a rule it crosses).  And where a stroke lies level it may still be a streak running through lines of
    text, whose strokes go on above and below it, while a rule keeps clear of the text in its
    cells.  A row boundary along a streak would cut a line of text in two."""
    level_run = horizontal.shape[1] // 5
    streaks = np.zeros_like(horizontal)
    stats, parts = _strokes(horizontal)
    long = stats[:, cv2.CC_STAT_WIDTH] >= level_run
    thickness = float(np.median(stats[long if long.any() else slice(None), cv2.CC_STAT_HEIGHT])) if len(stats) else 0
    for (x, y, w, h, _), (box, part) in zip(stats, parts):
        if (h - thickness) / w > STREAK_SLOPE:
            # a rule it crosses: the rows where the stroke runs much further than the streak alone
            counts = (part > 0).sum(axis=1)
            rule_rows = (counts >= level_run) & (counts >= 2 * np.median(counts))
            streaks[box] |= np.where(rule_rows[:, None], 0, part).astype(part.dtype)
    rules = horizontal & ~streaks
    stats, parts = _strokes(rules)
    for (x, y, w, h, _), (box, part) in zip(stats, parts):
        above = ink[max(y - 3, 0):y, x:x + w].all(axis=0)  # a stroke's run of ink, not a speck or a jag
        below = ink[y + h:y + h + 3, x:x + w].all(axis=0)
        if (above & below).mean() > STREAK_CROSSINGS:
            streaks[box] |= part
    return horizontal & ~streaks, streaks


def _crossed(mask: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Where a stroke crosses the thin marks of ``mask`` (streaks): the pixels of a mark with ink
    right above it and right below it.  Worked out column by column, within the marks' box."""
    crossed = np.zeros_like(mask)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return crossed
    box = np.s_[max(rows[0] - 1, 0):rows[-1] + 2, cols[0]:cols[-1] + 1]
    marks = mask[box]
    edge = ink[box] & ~marks
    above, below = np.zeros_like(marks), np.zeros_like(marks)
    above[1:], below[:-1] = edge[:-1] & marks[1:], edge[1:] & marks[:-1]
    for _ in range(STREAK_THICKNESS):  # carried across the mark's thickness
        above[1:] |= above[:-1] & marks[1:]
        below[:-1] |= below[1:] & marks[:-1]
    crossed[box] = above & below
    return crossed


def _strokes(mask: np.ndarray) -> tuple[np.ndarray, list[tuple[tuple[slice, slice], np.ndarray]]]:
    """The connected strokes of a mask: their stats (x, y, w, h, area) and each its bounding box
    and its own pixels there."""
    count, labels, stats, _ = _components(mask > 0)
    parts = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        box = np.s_[y:y + h, x:x + w]
        parts.append((box, np.where(labels[box] == i, mask[box], 0).astype(mask.dtype)))
    return stats[1:], parts


def _find_grids(horizontal: np.ndarray, vertical: np.ndarray) -> list[_Grid]:
    """Each table's rule positions, and its cells with merges where a rule is missing."""
    grids = []
    joined = cv2.bitwise_or(horizontal, vertical)
    count, labels, stats, _ = _components(joined)
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < horizontal.shape[1] // 5 or h < 40:
            continue
        region = labels[y:y + h, x:x + w] == i
        xs = _positions((vertical[y:y + h, x:x + w] > 0) & region, axis=0, offset=x, gap=12)
        # a fax's streak beside a rule is no row: a row holds at least a line of text
        ys = _positions((horizontal[y:y + h, x:x + w] > 0) & region, axis=1, offset=y, gap=ROW_MIN)
        if len(xs) < 2 or len(ys) < 2:
            continue
        # A table cut off by the end of its page may have no rule under its last row: its column
        # rules run on below the last rule, and the row ends where they do.
        if y + h - ys[-1] > ROW_MIN:
            ys.append(y + h - 5)  # the rules' end, less the thickening
        grid = _Grid(xs, ys)
        grid.cells = _cells(grid, horizontal, vertical)
        grids.append(grid)
    return sorted(grids, key=lambda g: g.ys[0])


def _positions(mask: np.ndarray, axis: int, offset: int, gap: int) -> list[int]:
    """Where the rules in a mask run: each rule segment's position across it, segments within
    ``gap`` of each other taken as one rule at the longest one's position.  A rule between two
    columns may run through only a few rows, so every segment counts."""
    count, _, stats, centroids = _components(mask)
    along = cv2.CC_STAT_HEIGHT if axis == 0 else cv2.CC_STAT_WIDTH
    segments = sorted((centroids[i][0 if axis == 0 else 1], stats[i][along]) for i in range(1, count)
                      if stats[i][along] >= 20)
    groups: list[list[tuple[float, int]]] = []
    for segment in segments:
        if groups and segment[0] - groups[-1][-1][0] <= gap:
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return [int(max(g, key=lambda s: s[1])[0]) + offset for g in groups]


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


# --- the lines of text ----------------------------------------------------------------------------


@dataclass
class _Piece:
    """One line of text to read: in a table cell (a cell may hold several), or outside the tables."""

    image: np.ndarray
    top: int  # where it sits on the page
    cell: tuple[int, int, int, int, int] | None = None  # grid index, r0, c0, r1, c1


def _table_pieces(clean: np.ndarray, look: np.ndarray, grids: list[_Grid]) -> list[_Piece]:
    pieces = []
    for g, grid in enumerate(grids):
        for r0, c0, r1, c1 in grid.cells:
            y0, x0 = grid.ys[r0] + 5, grid.xs[c0] + 5
            box = np.s_[y0:grid.ys[r1] - 5, x0:grid.xs[c1] - 5]
            for top, crop in _lines(clean[box], look[box]):
                pieces.append(_Piece(crop, y0 + top, (g, r0, c0, r1, c1)))
    return pieces


def _text_pieces(clean: np.ndarray, look: np.ndarray, grids: list[_Grid]) -> list[_Piece]:
    """The lines of text outside the tables."""
    page, look = clean.copy(), look.copy()
    for grid in grids:
        x0, y0, x1, y1 = grid.bbox
        page[max(y0 - 8, 0):y1 + 8, max(x0 - 8, 0):x1 + 8] = look[max(y0 - 8, 0):y1 + 8, max(x0 - 8, 0):x1 + 8] = 255
    return [_Piece(crop, top) for top, crop in _lines(page, look)]


def _lines(region: np.ndarray, look: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The lines of text in a binary region (black ink on white), top to bottom: each its top and
    its crop from ``look`` (the same region in grey), trimmed to its ink with a margin, as the
    recogniser expects a text line.

    A line is a run of rows that hold ink; a run much lower than the tallest (the strokes of 二,
    a stray speck) is part of the line nearest it, not a line of its own."""
    ink = region < 128
    inked = np.flatnonzero(ink.sum(axis=1) >= 2)
    if len(inked) == 0:
        return []
    # a gap of a few rows is within a character whose thin strokes the noise filter took (a
    # fax's 0 in two halves), not between two lines
    breaks = np.flatnonzero(np.diff(inked) > LINE_GAP)
    runs = [[int(inked[a]), int(inked[b])] for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(inked) - 1])]
    tallest = max(b - a for a, b in runs) + 1
    merged = True
    while merged and len(runs) > 1:
        merged = False
        for i, (a, b) in enumerate(runs):
            if b - a + 1 < tallest / 2:
                gaps = [(a - runs[i - 1][1], i - 1) if i else (np.inf, -1),
                        (runs[i + 1][0] - b, i + 1) if i + 1 < len(runs) else (np.inf, -1)]
                _, j = min(gaps)
                runs[min(i, j)] = [min(a, runs[j][0]), max(b, runs[j][1])]
                del runs[max(i, j)]
                merged = True
                break
    out = []
    for a, b in runs:
        band = ink[a:b + 1]
        cols = np.flatnonzero(band.any(axis=0))
        if band.sum() < 12 or len(cols) == 0:
            continue  # a speck
        margin = max(4, (b - a) // 6)
        top, left = max(a - margin, 0), max(int(cols[0]) - margin, 0)
        out.append((top, look[top:b + 1 + margin, left:int(cols[-1]) + 1 + margin]))
    return out


@dataclass
class Reading:
    """A line as the recogniser read it: its text and each character's confidence, and the same
    line read as digits only (the characters it saw, each the likeliest digit), for number cells."""

    text: str
    confidences: tuple[float, ...]
    digits: str = ""
    digit_confidences: tuple[float, ...] = ()


REC_MODEL = "PP-OCRv6_rec_small.onnx"  # the recognition model the rapidocr wheel ships
REC_HEIGHT = 48  # the model's input height
# A batch's lines, each padded to the widest, hold at most this many columns between them: the
# model's working memory grows with a batch's columns, and time goes on padding as on ink.
REC_COLUMNS = 1024
REC_PADDING = 0.1  # the share of a batch's columns that may be padding
_NUMBER_CHARS = "0123456789.,-"


class _Recogniser:
    """PP-OCR's text recognition model (CTC over 18,708 characters: Chinese, Latin, digits).
    Lines go in batches of similar width, each batch as wide as its widest line, so a lone digit
    costs a tenth of a label."""

    def __init__(self) -> None:
        self.session = _session(REC_MODEL)
        # the model carries its alphabet; class 0 is CTC's blank and the last a space
        alphabet = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.characters = ["", *alphabet, " "]
        self.number_ids = np.array([self.characters.index(ch) for ch in _NUMBER_CHARS])

    def __call__(self, images: list[np.ndarray]) -> list[Reading]:
        inputs = [self._input(im) for im in images]
        readings: list[Reading | None] = [None] * len(inputs)
        for chosen in _batches([x.shape[2] for x in inputs]):
            width = max(inputs[i].shape[2] for i in chosen)
            batch = np.zeros((len(chosen), 3, REC_HEIGHT, width), np.float32)
            for row, i in enumerate(chosen):
                batch[row, :, :, :inputs[i].shape[2]] = inputs[i]
            probabilities = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0]
            for row, i in enumerate(chosen):
                readings[i] = self._decode(probabilities[row])
        return readings  # type: ignore[return-value]

    @staticmethod
    def _input(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        width = max(REC_HEIGHT // 4, int(np.ceil(w * REC_HEIGHT / h)))
        shrink = cv2.INTER_AREA if h > REC_HEIGHT else cv2.INTER_LINEAR
        resized = cv2.resize(image, (width, REC_HEIGHT), interpolation=shrink)
        return (resized.astype(np.float32) / 127.5 - 1.0)[None]  # the model's scaling, one grey channel shared

    def _decode(self, probabilities: np.ndarray) -> Reading:
        """CTC: the likeliest class each frame, repeats merged, blanks dropped; and, on the frames
        that hold a character, the likeliest digit (or . , -) instead.  A digit's confidence is its
        share of the frame's digit likelihood, since a zero read as the letter O is no doubt about
        the number; a frame left blank that looks much like a digit adds a doubt of its own (a
        digit perhaps dropped)."""
        best = probabilities.argmax(axis=1)
        keep = best != 0
        keep[1:] &= best[1:] != best[:-1]
        text = "".join(self.characters[c] for c in best[keep])
        confidences = tuple(float(p) for p in probabilities[keep, best[keep]])
        numbers = probabilities[:, self.number_ids]
        mass = numbers.sum(axis=1)
        digit = np.where(best != 0, self.number_ids[numbers.argmax(axis=1)], 0)
        held = digit != 0
        held[1:] &= digit[1:] != digit[:-1]
        digits = "".join(self.characters[c] for c in digit[held])
        shares = numbers.max(axis=1) / np.maximum(mass, 1e-9)
        digit_confidences = [float(s) for s in shares[held]]
        dropped = mass[best == 0]
        if digits and len(dropped) and dropped.max() > 0.2:
            digit_confidences.append(1 - float(dropped.max()))
        return Reading(normalize(text), confidences, digits, tuple(digit_confidences))


def _batches(widths: list[int]) -> list[list[int]]:
    """The lines (indices into ``widths``, their widths at the model's height) in batches of
    similar width, narrowest first: a line joins the batch before it while the batch stays
    within :data:`REC_COLUMNS` and :data:`REC_PADDING`; a line wider than that goes alone."""
    batches: list[list[int]] = []
    inked = 0  # the columns of the last batch's lines themselves
    for i in sorted(range(len(widths)), key=widths.__getitem__):
        padded = (len(batches[-1]) + 1) * widths[i] if batches else 0
        if batches and padded <= REC_COLUMNS and inked + widths[i] >= (1 - REC_PADDING) * padded:
            batches[-1].append(i)
            inked += widths[i]
        else:
            batches.append([i])
            inked = widths[i]
    return batches


class _Orientation:
    """PP-OCR's text-line orientation model (0° or 180°; the ONNX copy the rapidocr wheel ships)."""

    MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
    WIDTH = 192  # the model's input: 48 high, at most this wide

    def __init__(self) -> None:
        self.session = _session(self.MODEL)

    def __call__(self, images: list[np.ndarray]) -> float:
        """The lines' summed log odds of reading upright rather than upside down."""
        batch = np.zeros((len(images), 3, REC_HEIGHT, self.WIDTH), np.float32)
        for row, image in enumerate(images):
            h, w = image.shape[:2]
            width = min(self.WIDTH, max(1, int(np.ceil(w * REC_HEIGHT / h))))
            resized = cv2.resize(image, (width, REC_HEIGHT), interpolation=cv2.INTER_AREA)
            batch[row, :, :, :width] = resized.astype(np.float32) / 127.5 - 1.0
        probabilities = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0]
        return float(np.log(np.maximum(probabilities[:, 0], 1e-9) / np.maximum(probabilities[:, 1], 1e-9)).sum())


def _session(model: str):
    """An onnxruntime session of one of the rapidocr wheel's models, on one thread: a batch's
    workers are the parallelism."""
    import importlib.resources

    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # no memory arena: it keeps the largest batch's memory for the life of the worker
    options.enable_cpu_mem_arena = False
    path = importlib.resources.files("rapidocr") / "models" / model
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@functools.cache
def _orientation() -> _Orientation:
    """Loaded once a process, by the first page that lies turned."""
    return _Orientation()


@functools.cache
def _recogniser() -> _Recogniser:
    """Loaded once a process: the first page read pays for it."""
    return _Recogniser()


def recognise(images: list[np.ndarray]) -> list[Reading]:
    """Read text-line images (grey, black on white), all in one call of the recogniser."""
    return _recogniser()(images) if images else []


def _number_cells(pieces: list[_Piece], readings: list[Reading]) -> list[int]:
    """The short pieces in table columns or rows where most cells read as numbers.  A piece with
    no Chinese in it that reads as a number digit by digit counts as one (a decimal point read
    as a colon, a 0 as the letter O)."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(pieces):
        if p.cell is not None:
            g, r0, c0, _, c1 = p.cell
            groups.setdefault(("column", g, c0, c1), []).append(i)
            groups.setdefault(("row", g, r0), []).append(i)

    def number(r: Reading) -> bool:
        return looks_like_value(r.text, ocr=True) or (looks_like_value(r.digits) and not any(is_cjk(ch) for ch in r.text))

    chosen: set[int] = set()
    for members in groups.values():
        if sum(number(readings[i]) for i in members) * 2 >= len(members):
            chosen.update(i for i in members if len(readings[i].text) <= 12)
    return sorted(chosen)


def _assemble(pieces: list[_Piece], texts: list[str], sure: set[int], unreadable: set, grids: list[_Grid],
              page: int, size: tuple[int, int] | None = None, scale: float = 1.0) -> list[Line]:
    """Tables as grid lines and the other lines as text, top to bottom.  A cell is sure of its
    digits where each of its lines is.  A table cell's source is its box in pixels of the page
    image of ``size`` (read enlarged ``scale`` times)."""
    cell_text: dict[tuple, list[str]] = {}
    cell_sure: dict[tuple, bool] = {}
    for i, (p, text) in enumerate(zip(pieces, texts)):
        if p.cell is not None:
            cell_text.setdefault(p.cell, []).append(text)
            cell_sure[p.cell] = cell_sure.get(p.cell, True) and i in sure
    blocks: list[tuple[int, list[Line]]] = []
    for g, grid in enumerate(grids):
        rows: dict[int, list[Cell]] = {}
        for r0, c0, r1, c1 in grid.cells:
            key = (g, r0, c0, r1, c1)
            text = squeeze(" ".join(cell_text.get(key, [])), digits=True)
            box = [round(v / scale) for v in (grid.xs[c0], grid.ys[r0], grid.xs[c1], grid.ys[r1])]
            source = {"page": page, "box": box, **({"size": list(size)} if size else {})}
            rows.setdefault(r0, []).append(Cell(text, col=c0, span=c1 - c0, ocr=True, ocr_sure=cell_sure.get(key, False),
                                                source=source, unreadable=key in unreadable))
            for r in range(r0 + 1, r1):
                rows.setdefault(r, []).append(Cell(text, col=c0, span=c1 - c0, spanned=True, ocr=True))
        lines = [Line(sorted(rows[r], key=lambda c: c.col or 0), grid=True, aligned=True, number=r + 1,
                      table=g + 1, page=page) for r in sorted(rows)]
        blocks.append((grid.ys[0], [line for line in lines if any(c.text for c in line.cells)]))
    for p, text in zip(pieces, texts):
        # a page's number ("- 3 -") between a table and its continuation is no row's value
        if p.cell is None and text.strip() and not PAGE_NUMBER.match(text):
            cells = with_sources(tokenize(squeeze(text), ocr=True), squeeze(text), {"page": page})
            blocks.append((p.top, [Line(cells, grid=False, page=page)]))
    return [line for _, lines in sorted(blocks, key=lambda b: b[0]) for line in lines]
