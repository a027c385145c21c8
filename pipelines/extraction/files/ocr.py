"""Pages without a text layer (scans): straightened, their table rules found and erased, read by
Tesseract with its simplified-Chinese model (Debian's tesseract-ocr-chi-sim).

Each page is rendered at 300 dpi, deskewed (the angle that makes the rows of ink sharpest), the
long straight runs of ink become ruling lines (the table grid, as a PDF's paths do) and are painted
out so Tesseract does not read them as 丨 or 一, then Tesseract's words with their boxes and
confidences become glyphs for the same layout rules as a text layer.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from .layout import Glyph, Page

DPI = 300
LANG = "chi_sim"
MIN_RULE = {"h": 100, "v": 70}  # px at 300 dpi: longer than any stroke of a character
TIMEOUT = 300


class OcrUnavailable(RuntimeError):
    pass


def skew_angle(image: Image.Image) -> float:
    """Degrees to turn the page by so its lines run level (-3° … 3°, by 0.1°)."""
    small = image.convert("L").resize((image.width // 4, image.height // 4))
    ink = Image.eval(small, lambda v: 255 - v)
    best, best_score = 0.0, -1.0
    for tenth in range(-30, 31):
        rows = np.asarray(ink.rotate(tenth / 10, resample=Image.BILINEAR), dtype=np.float32).sum(axis=1)
        score = float(np.var(rows))
        if score > best_score:
            best, best_score = tenth / 10, score
    return best


def _runs(dark: np.ndarray, minimum: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the horizontal runs of ink of at least `minimum` pixels."""
    padded = np.pad(dark.astype(np.int8), ((0, 0), (1, 1)))
    diff = np.diff(padded, axis=1)
    starts, ends = np.nonzero(diff == 1), np.nonzero(diff == -1)
    out = []
    for row, a, b in zip(starts[0], starts[1], ends[1]):
        if b - a >= minimum // 4:
            out.append((int(row), int(a), int(b)))
    return out


def _rules(dark: np.ndarray, minimum: int) -> list[tuple[float, float, float]]:
    """Runs on neighbouring rows that overlap (or nearly join) are one line: (x0, x1, y)."""
    lines: list[list[float]] = []  # x0, x1, y0, y1
    for row, a, b in _runs(dark, minimum):
        for line in reversed(lines[-40:]):
            if row - line[3] <= 3 and a <= line[1] + 12 and b >= line[0] - 12:
                line[0], line[1], line[3] = min(line[0], a), max(line[1], b), row
                break
        else:
            lines.append([a, b, row, row])
    return [(x0, x1, (y0 + y1) / 2) for x0, x1, y0, y1 in lines if x1 - x0 >= minimum and y1 - y0 <= 8]


def find_rules(image: Image.Image) -> tuple[list, list]:
    dark = np.asarray(image.convert("L")) < 128
    horizontal = _rules(dark, MIN_RULE["h"])
    vertical = [(y0, y1, x) for y0, y1, x in _rules(dark.T, MIN_RULE["v"])]
    return horizontal, vertical


def erase(image: Image.Image, horizontal, vertical) -> Image.Image:
    pixels = np.asarray(image.convert("L")).copy()
    for x0, x1, y in horizontal:
        pixels[max(0, int(y) - 4): int(y) + 5, int(x0): int(x1) + 1] = 255
    for y0, y1, x in vertical:
        pixels[int(y0): int(y1) + 1, max(0, int(x) - 4): int(x) + 5] = 255
    return Image.fromarray(pixels)


def tesseract_words(image: Image.Image) -> list[tuple[Glyph, float]]:
    binary = shutil.which("tesseract")
    if not binary:
        raise OcrUnavailable("Tesseract is not installed: `make install` installs tesseract-ocr and tesseract-ocr-chi-sim")
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as tmp:
        path = Path(tmp) / "page.png"
        image.save(path, dpi=(DPI, DPI))
        proc = subprocess.run([binary, str(path), "stdout", "-l", LANG, "--psm", "6", "tsv"],
                              capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise OcrUnavailable(f"tesseract failed: {proc.stderr.decode(errors='replace')[-200:]}")
    words = []
    for row in csv.DictReader(io.StringIO(proc.stdout.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row["conf"]) < 0:
            continue
        left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
        words.append((Glyph(text, left, top, left + width, top + height), float(row["conf"])))
    return words


def ocr_page(page) -> tuple[Page, list[float]]:
    """A PDF page read by OCR: the layout's page (in pixels) and the confidence of every word."""
    image = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    angle = skew_angle(image)
    if angle:
        image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    horizontal, vertical = find_rules(image)
    words = tesseract_words(erase(image, horizontal, vertical))
    return (Page(image.width, image.height, [g for g, _ in words], horizontal, vertical),
            [conf for _, conf in words])
