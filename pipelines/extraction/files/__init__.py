"""How to read a report published as a file: PDF (text layer, or OCR for scanned pages), DOCX,
DOC and WPS (through LibreOffice). The result has the fields of a page's reading
(`ExtractedPage`) plus whether OCR read it and how sure it was.

    read_file(body, listed_title="…") -> ExtractedFile

The type is judged by the bytes (`pipelines.extraction.sniff.file_type`), never by the URL or Content-Type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dates import parse_date
from ..metadata import form_version, issuer_from_title, region_and_level, report_year
from ..page import ExtractedPage
from ..sniff import file_type

TITLE_END = re.compile(r"(报告|年报)$")
SIGNED_DATE = re.compile(r"^\s*((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*$")


class UnreadableFile(ValueError):
    """Bytes that are no report file this reader knows (or a broken one)."""


@dataclass
class ExtractedFile(ExtractedPage):
    file_type: str = ""
    pages: int = 0
    ocr: bool = False
    ocr_confidence: float | None = None  # mean word confidence of the OCR'd pages, 0–1
    ocr_pages: int = 0


def title_lines(lines: list[str]) -> tuple[str, int]:
    """The title: the first lines up to the one ending in 报告 (a title set over two or three
    lines), else the first line."""
    for n in range(min(3, len(lines))):
        joined = "".join(lines[: n + 1])
        if TITLE_END.search(joined) and len(joined) <= 80:
            return "".join(lines[: n + 1]), n + 1
    return (lines[0], 1) if lines and len(lines[0]) <= 60 else ("", 0)


def signed_date(lines: list[str]) -> str | None:
    for line in reversed(lines[-6:]):
        match = SIGNED_DATE.match(line)
        if match:
            return parse_date(match.group(1))
    return None


def read_pdf(body: bytes, result: ExtractedFile) -> tuple[list[str], list[dict], str | None]:
    from . import pdf
    from .layout import document_layout

    document = pdf.open_pdf(body)
    try:
        pages, confidences = [], []
        for page in document:
            read = pdf.read_page(page)
            if not pdf.has_text(read):
                from .ocr import ocr_page

                read, confs = ocr_page(page)
                confidences += confs
                result.ocr_pages += 1
            pages.append(read)
        result.pages = len(pages)
        if result.ocr_pages:
            result.ocr = True
            result.ocr_confidence = round(sum(confidences) / len(confidences) / 100, 3) if confidences else 0.0
        lines, tables = document_layout(pages)
        return lines, tables, pdf.pdf_date(document)
    finally:
        document.close()


def read_file(body: bytes, listed_title: str = "", region_hint: str | None = None) -> ExtractedFile:
    kind = file_type(body)
    result = ExtractedFile(file_type=kind or "", extractor=kind or "")
    try:
        if kind == "pdf":
            lines, tables, made = read_pdf(body, result)
        elif kind in ("docx", "doc"):
            from .docx import read_docx

            if kind == "doc":
                from .office import to_docx

                body = to_docx(body)
            lines, tables, made = read_docx(body)
        else:
            raise UnreadableFile("not a PDF, DOCX, DOC or WPS file" + (" (OFD has no maintained reader)" if kind == "ofd" else ""))
    except UnreadableFile:
        raise
    except Exception as exc:  # a broken file is bad input, not a crash
        if type(exc).__name__ in ("ConversionError", "OcrUnavailable"):
            raise
        raise UnreadableFile(f"unreadable {kind} file: {exc}") from exc
    title, used = title_lines(lines)
    if not title or not TITLE_END.search(title):
        title, used = (" ".join(listed_title.split()) or title), (used if title and TITLE_END.search(title) else 0)
    text_lines = ([title] if title else []) + lines[used:] if used else lines
    result.text = "\n".join(text_lines)
    result.tables = tables
    result.title = title
    result.publish_date = made or signed_date(lines)
    result.issuer = issuer_from_title(title)
    result.region, result.admin_level = region_and_level(result.issuer, region_hint)
    result.report_year = report_year(title, result.publish_date)
    result.form = form_version(result.text)
    return result


__all__ = ["ExtractedFile", "UnreadableFile", "file_type", "read_file"]
