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

from .layout import Glyph, Page, cell_boxes, ruled_grids

DPI = 300
LANG = "chi_sim"
MIN_RULE = {"h": 100, "v": 70}  # px at 300 dpi: longer than any stroke of a character
TEXT_HEIGHT = 36  # px: the height of a line of text Tesseract's Chinese model reads best (measured)
TIMEOUT = 300


class OcrUnavailable(RuntimeError):
    pass


def gray(image: Image.Image) -> Image.Image:
    """The image in 8-bit gray: itself when it is (`convert` would copy a page's 9 MB each time)."""
    return image if image.mode == "L" else image.convert("L")


def skew_angle(image: Image.Image) -> float:
    """Degrees to turn the page by so its lines run level (-3° … 3°, by 0.1°)."""
    small = gray(image).resize((image.width // 4, image.height // 4))
    ink = Image.eval(small, lambda v: 255 - v)
    best, best_score = 0.0, -1.0
    for tenth in range(-30, 31):
        rows = np.asarray(ink.rotate(tenth / 10, resample=Image.BILINEAR), dtype=np.float32).sum(axis=1)
        score = float(np.var(rows))
        if score > best_score:
            best, best_score = tenth / 10, score
    return best


STRIP = 256  # rows taken at once: a page's runs found whole cost some 40 MB for a moment


def _runs(dark: np.ndarray, minimum: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the horizontal runs of ink of at least `minimum` pixels, row by row.
    Found a strip of rows at a time: each step of it copies what it reads, and a crawl worker's
    peak memory should not be set by the first scanned page it reads."""
    out = []
    for first in range(0, dark.shape[0], STRIP):
        padded = np.pad(dark[first:first + STRIP].astype(np.int8), ((0, 0), (1, 1)))
        diff = np.diff(padded, axis=1)
        starts, ends = np.nonzero(diff == 1), np.nonzero(diff == -1)
        long = ends[1] - starts[1] >= minimum // 4
        out += zip((starts[0][long] + first).tolist(), starts[1][long].tolist(), ends[1][long].tolist())
    return out


def _rules(dark: np.ndarray, minimum: int) -> list[tuple[float, float, float]]:
    """Runs on neighbouring rows that overlap (or nearly join) are one line: (x0, x1, y)."""
    lines: list[list[float]] = []  # x0, x1, y0, y1
    for row, a, b in _runs(dark, minimum):
        for line in reversed(lines[-40:]):
            if row - line[3] <= 3 and a <= line[1] + 4 and b >= line[0] - 4:
                line[0], line[1], line[3] = min(line[0], a), max(line[1], b), row
                break
        else:
            lines.append([a, b, row, row])
    return [(x0, x1, (y0 + y1) / 2) for x0, x1, y0, y1 in lines if x1 - x0 >= minimum and y1 - y0 <= 8]


def find_grids(image: Image.Image) -> list[tuple[list, list]]:
    """The ruling lines of the page's tables: long thin runs of ink that meet others in a grid
    (a long stroke of a character, or a run of them, is not one)."""
    dark = np.asarray(gray(image)) < 128
    horizontal = _rules(dark, MIN_RULE["h"])
    vertical = [(y0, y1, x) for y0, y1, x in _rules(dark.T, MIN_RULE["v"])]
    return ruled_grids(Page(image.width, image.height, [], horizontal, vertical), max(image.size) / 400)


def erase(image: Image.Image, horizontal, vertical) -> Image.Image:
    pixels = np.array(gray(image))
    for x0, x1, y in horizontal:
        pixels[max(0, int(y) - 4): int(y) + 5, int(x0): int(x1) + 1] = 255
    for y0, y1, x in vertical:
        pixels[int(y0): int(y1) + 1, max(0, int(x) - 4): int(x) + 5] = 255
    return Image.fromarray(pixels)


def text_height(image: Image.Image) -> float:
    """The usual height of a line of text: runs of rows with ink (rules erased), measured in narrow
    strips so that lines side by side (the cells of a table) do not run together; upper quartile."""
    page, runs = gray(image), []
    step = max(60, page.width // 16)
    for left in range(0, page.width, step):  # a strip's pixels at a time, not a copy of the page
        strip = page.crop((left, 0, min(left + step, page.width), page.height))
        rows = (np.asarray(strip) < 128).sum(axis=1) > 1
        diff = np.diff(np.pad(rows.astype(np.int8), 1))
        runs.append(np.nonzero(diff == -1)[0] - np.nonzero(diff == 1)[0])
    runs = np.sort(np.concatenate(runs)) if runs else np.array([])
    runs = runs[runs >= 8]
    return float(runs[int(0.75 * (len(runs) - 1))]) if len(runs) else float(TEXT_HEIGHT)


def tesseract_words(image: Image.Image) -> list[tuple[Glyph, float]]:
    """Tesseract's words, the image scaled so its text is of the height the model reads best;
    boxes in the image's own pixels."""
    scale = min(1.0, max(0.25, TEXT_HEIGHT / text_height(image)))
    if scale < 0.95:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    else:
        scale = 1.0
    return [(Glyph(g.text, g.x0 / scale, g.top / scale, g.x1 / scale, g.bottom / scale), conf)
            for g, conf in _tesseract_images([image], 6)[0]]


def _tesseract_images(images: list[Image.Image], psm: int) -> list[list[tuple[Glyph, float]]]:
    """Tesseract's words of each image, in one run (the model is loaded once: a list of image
    files is one of its inputs)."""
    binary = shutil.which("tesseract")
    if not binary:
        raise OcrUnavailable("Tesseract is not installed: `make install` installs tesseract-ocr and tesseract-ocr-chi-sim")
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as tmp:
        paths = []
        for n, image in enumerate(images):
            paths.append(Path(tmp) / f"{n:04d}.png")
            image.save(paths[-1])  # no resolution: a stated one makes the model misjudge the (rescaled) text size
        listing = Path(tmp) / "images.txt"
        listing.write_text("".join(f"{p}\n" for p in paths))
        proc = subprocess.run([binary, str(listing), "stdout", "-l", LANG, "--psm", str(psm), "tsv"],
                              capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise OcrUnavailable(f"tesseract failed: {proc.stderr.decode(errors='replace')[-200:]}")
    words: list[list[tuple[Glyph, float]]] = [[] for _ in images]
    for row in csv.DictReader(io.StringIO(proc.stdout.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row["conf"]) < 0:
            continue
        left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
        words[int(row["page_num"]) - 1].append((Glyph(text, left, top, left + width, top + height), float(row["conf"])))
    return words


def cell_words(image: Image.Image, hs, vs) -> list[tuple[Glyph, float]]:
    """Every cell of a table read on its own (a table read as one block mixes a cell's two lines
    with its neighbours' one), all cells in one Tesseract run."""
    crops, offsets = [], []
    for x0, top, x1, bottom in cell_boxes(hs, vs, max(image.size) / 400):
        box = (int(x0) + 6, int(top) + 6, int(x1) - 5, int(bottom) - 5)
        if box[2] - box[0] < 8 or box[3] - box[1] < 8:
            continue
        crop = image.crop(box)
        if not (np.asarray(crop) < 128).any():
            continue
        pad = Image.new("L", (crop.width + 40, crop.height + 40), 255)  # Tesseract reads ink near an edge badly
        pad.paste(crop, (20, 20))
        crops.append(pad)
        offsets.append((box[0] - 20, box[1] - 20))
    words = []
    for found, (dx, dy) in zip(_tesseract_images(crops, 6) if crops else [], offsets):
        words += [(Glyph(g.text, g.x0 + dx, g.top + dy, g.x1 + dx, g.bottom + dy), conf) for g, conf in found]
    return words


def ocr_page(page) -> tuple[Page, list[float]]:
    """A PDF page read by OCR: the layout's page (in pixels) and the confidence of every word.
    Each table is read on its own, scaled for its own (smaller) text."""
    image = gray(page.render(scale=DPI / 72, grayscale=True).to_pil())
    angle = skew_angle(image)
    if angle:
        image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    grids = find_grids(image)
    horizontal = [r for hs, _ in grids for r in hs]
    vertical = [r for _, vs in grids for r in vs]
    clean = erase(image, horizontal, vertical)
    width, height = image.size
    del image  # only the erased page is read from here on: one page image held, not two
    boxes = [(min(x0 for x0, _, _ in hs), min(y for _, _, y in hs), max(x1 for _, x1, _ in hs), max(y for _, _, y in hs))
             for hs, _ in grids]

    def in_table(g: Glyph) -> bool:
        return any(x0 <= g.cx <= x1 and y0 <= g.cy <= y1 for x0, y0, x1, y1 in boxes)

    words = [w for w in tesseract_words(clean) if not in_table(w[0])]
    for hs, vs in grids:
        words += cell_words(clean, hs, vs)
    glyphs = [Glyph(g.text, g.x0, g.top, g.x1, g.bottom, conf) for g, conf in words]
    return Page(width, height, glyphs, horizontal, vertical, ocr=True), [conf for _, conf in words]
