"""A PDF's text layer as positioned glyphs and ruling lines, through PDFium (pypdfium2).

PDFium maps a font's codes to Unicode the way Acrobat does: the ToUnicode map when there is one,
else the predefined CMaps of the Adobe-GB1 character collection for CID fonts and the glyph names
of simple fonts, so the CJK fonts Word and WPS embed as subsets read right. Whether the text
layer is any good is judged here too: a page with no text, or with text that is mostly not
Chinese, letters or digits (a font whose codes map to nothing), is left to OCR.
"""

from __future__ import annotations

import re
from datetime import date

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .layout import Glyph, Page

READABLE = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303fA-Za-z0-9，。、；：（）《》“”·.,;:()%+\-/]")
RULE_WIDTH = 2.0  # a path thinner than this (pt) is a ruling line


def open_pdf(body: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(body)


def page_glyphs(page) -> list[Glyph]:
    height = page.get_height()
    textpage = page.get_textpage()
    glyphs = []
    try:
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            if code in (0, 0xFFFE, 0xFFFF) or chr(code).isspace() or pdfium_c.FPDFText_IsGenerated(textpage.raw, i) == 1:
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            glyphs.append(Glyph(chr(code), left, height - top, right, height - bottom))
    finally:
        textpage.close()
    return glyphs


def page_rules(page) -> tuple[list, list]:
    """Ruling lines: the thin path objects (a table's borders as Word, WPS and Writer draw them)."""
    height = page.get_height()
    horizontal, vertical = [], []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        left, bottom, right, top = obj.get_bounds()
        if top - bottom <= RULE_WIDTH and right - left > RULE_WIDTH:
            horizontal.append((left, right, height - (top + bottom) / 2))
        elif right - left <= RULE_WIDTH and top - bottom > RULE_WIDTH:
            vertical.append((height - top, height - bottom, (left + right) / 2))
    return horizontal, vertical


def read_page(page) -> Page:
    horizontal, vertical = page_rules(page)
    return Page(page.get_width(), page.get_height(), page_glyphs(page), horizontal, vertical)


def has_text(page: Page) -> bool:
    """Enough readable text to trust the layer: 20 glyphs, four fifths of them readable."""
    text = "".join(g.text for g in page.glyphs)
    return len(text) >= 20 and len(READABLE.findall(text)) >= 0.8 * len(text)


PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")


def pdf_date(document: pdfium.PdfDocument) -> str | None:
    """The day the file was made (its document information), as a real 全真版 carries it."""
    meta = document.get_metadata_dict(skip_empty=True)
    for key in ("ModDate", "CreationDate"):
        match = PDF_DATE.match(meta.get(key, ""))
        if match:
            try:
                return date(*map(int, match.groups())).isoformat()
            except ValueError:
                continue
    return None
