"""Page images damaged the way real ones are: phone photos, red seals, faxes.

Each function takes an RGB page image (a PIL image, as pypdfium2 renders one) and returns the
damaged image.  The damage is drawn from a seeded ``random.Random``, so the same seed gives the
same file.
"""
from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SEAL_RED = (215, 30, 40)
SEAL_CM = 4.0  # an official seal (公章) is about 4 cm across


def photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a printed page: the page on a background, in perspective (each corner
    2–5 % of the page off), lit unevenly (one side a third darker), slightly blurred, saved as
    JPEG at quality 60."""
    page = np.asarray(image.convert("RGB"))
    h, w = page.shape[:2]
    margin = int(0.08 * max(h, w))
    size = (w + 2 * margin, h + 2 * margin)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    moved = np.array([[x + margin + _off(rng, w), y + margin + _off(rng, h)] for x, y in corners], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, moved)
    background = np.full((size[1], size[0], 3), (92, 84, 70), np.uint8)  # a desk
    grain = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 12, background.shape)
    background = np.clip(background + grain, 0, 255).astype(np.uint8)
    warped = cv2.warpPerspective(page, matrix, size, flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, size) > 127
    shot = np.where(inside[..., None], warped, background).astype(np.float32)
    light = np.linspace(1.0, 2 / 3, size[0], dtype=np.float32)  # one side a third darker
    if rng.random() < 0.5:
        light = light[::-1]
    shot *= light[None, :, None]
    blurred = cv2.GaussianBlur(shot, (0, 0), 0.8)
    return _jpeg(Image.fromarray(np.clip(blurred, 0, 255).astype(np.uint8)), 60)


def _off(rng: random.Random, length: int) -> float:
    return rng.choice([-1, 1]) * rng.uniform(0.02, 0.05) * length


def seal(image: Image.Image, centre: tuple[float, float], dpi: int, agency: str, rng: random.Random) -> Image.Image:
    """A red official seal pressed over the page at ``centre`` (pixels): a ring, the agency's
    name around its upper part and a star in the middle, printed over (multiplied with) the ink
    beneath, a little uneven as a stamp is."""
    from .render import cjk_font_path

    page = np.asarray(image.convert("RGB")).astype(np.float32)
    radius = SEAL_CM / 2.54 * dpi / 2
    side = int(2 * radius) + 8
    mark = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mark)
    c = side / 2
    ring = max(2, int(radius * 0.07))
    draw.ellipse([c - radius, c - radius, c + radius, c + radius], outline=255, width=ring)
    font = ImageFont.truetype(cjk_font_path(), int(radius * 0.3), index=0)
    name = agency or "人民政府办公室"
    spread = math.radians(240)
    for i, ch in enumerate(name):
        angle = -math.pi / 2 - spread / 2 + spread * (i + 0.5) / len(name)
        x, y = c + radius * 0.74 * math.cos(angle), c + radius * 0.74 * math.sin(angle)
        glyph = Image.new("L", (int(radius * 0.4),) * 2, 0)
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, fill=255, font=font, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        mark.paste(255, (int(x - glyph.width / 2), int(y - glyph.height / 2)), glyph)
    star = [(c + radius * (0.3 if k % 2 == 0 else 0.12) * math.cos(-math.pi / 2 + k * math.pi / 5),
             c + radius * (0.3 if k % 2 == 0 else 0.12) * math.sin(-math.pi / 2 + k * math.pi / 5)) for k in range(10)]
    draw.polygon(star, fill=255)
    pressed = np.asarray(mark, np.float32) / 255
    pressed *= np.random.default_rng(rng.randrange(1 << 30)).uniform(0.7, 1.0, pressed.shape)  # uneven pressure
    ink = cv2.GaussianBlur(pressed, (0, 0), 0.7)
    x0, y0 = int(centre[0] - side / 2), int(centre[1] - side / 2)
    sx0, sy0 = max(0, -x0), max(0, -y0)
    x0, y0 = max(0, x0), max(0, y0)
    region = page[y0:y0 + side - sy0, x0:x0 + side - sx0]
    alpha = ink[sy0:sy0 + region.shape[0], sx0:sx0 + region.shape[1], None]
    tint = np.array(SEAL_RED, np.float32) / 255
    region *= 1 - alpha + alpha * tint  # printed over: the black beneath stays black
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))


def fax(image: Image.Image, rng: random.Random) -> Image.Image:
    """A faxed page: turned up to 3°, binarised, with streaks along the scan lines and
    salt-and-pepper noise, as a 1-bit image."""
    gray = image.convert("L").rotate(rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(gray) < 150
    noise = np.random.default_rng(rng.randrange(1 << 30))
    h, w = pixels.shape
    for _ in range(rng.randint(3, 7)):  # a streak: a scan line or two drawn black part of the way
        y, length = rng.randrange(h), rng.randint(w // 4, w)
        start = rng.randrange(w - length + 1)
        pixels[y:y + rng.randint(1, 2), start:start + length] = True
    pixels ^= noise.random(pixels.shape) < 0.002  # salt and pepper
    return Image.fromarray(np.where(pixels, 0, 255).astype(np.uint8)).convert("1")


def scanned(image: Image.Image, rng: random.Random) -> Image.Image:
    """A colour scan: turned 0.5–2°, a little noise, saved as JPEG at quality 70."""
    turned = image.convert("RGB").rotate(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0), resample=Image.Resampling.BICUBIC,
                                         expand=True, fillcolor=(255, 255, 255))
    pixels = np.asarray(turned, np.float32)
    pixels += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 5, pixels.shape)
    return _jpeg(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), 70)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))
