"""Report files (pipelines/extraction/files/): the generated files of replica/data/files/ — the
seeds written out by LibreOffice Writer as DOCX, DOC, WPS and PDF, and one printed and scanned —
read back against the seeds' own text and values."""

from __future__ import annotations

import io
import shutil
import sys
from importlib import resources
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the bench/ folder is not installed
from bench.eval import bigram_f1  # noqa: E402
from bench.labelled import form_rows  # noqa: E402
from pipelines.extraction.files import UnreadableFile, file_type, read_file  # noqa: E402
from pipelines.extraction.files.layout import Glyph, Page, document_layout  # noqa: E402
from pipelines.statistics import parse_document  # noqa: E402
from replica.reports import load_report  # noqa: E402

FILES = resources.files("replica.data").joinpath("files")
SEEDS = ("seed_000", "seed_001", "seed_002", "seed_003", "seed_004")


def gold(name: str) -> str:
    """The seed's own text as the file was typed from it: its title, blocks and form rows."""
    report = load_report(name)
    tables, lines = form_rows(report), [report["title"]]
    for block in report["blocks"]:
        if block["kind"] == "table":
            lines += ["\t".join(row) for row in tables[block["table"]]]
        elif not (block["section"] == "preamble" and block["kind"] == "heading"):
            lines.append(block["text"])
    return "\n".join(lines)


def wrong_values(name: str, read) -> list[str]:
    values = parse_document({"tables": read.tables, "text": read.text})["values"]
    return [k for k, v in load_report(name)["values"].items() if values.get(k) != v]


@pytest.mark.parametrize("name", SEEDS)
@pytest.mark.parametrize("ext", ["pdf", "docx"])
def test_text_layer_files_give_the_seed_text_and_every_value(name, ext):
    read = read_file(FILES.joinpath(f"{name}.{ext}").read_bytes())
    assert bigram_f1(gold(name), read.text) >= 0.98
    assert read.title == load_report(name)["title"] and not read.ocr
    assert wrong_values(name, read) == []


needs_office = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed (make install)")
needs_tesseract = pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract not installed (make install)")


@needs_office
@pytest.mark.parametrize("filename", ["seed_000.doc", "seed_002.wps"])
def test_word_97_and_wps_files_are_read_through_libreoffice(filename):
    name = filename.split(".")[0]
    read = read_file(FILES.joinpath(filename).read_bytes())
    assert read.file_type == "doc" and bigram_f1(gold(name), read.text) >= 0.98
    assert wrong_values(name, read) == []


def test_pdf_layout_drops_page_numbers_and_headers_and_keeps_han_unspaced():
    read = read_file(FILES.joinpath("seed_003.pdf").read_bytes())
    assert read.pages == 6 and read.publish_date == "2021-01-26"
    lines = read.text.splitlines()
    assert "中卫市科学技术局政府信息公开" not in lines and "- 2 -" not in lines
    assert "科学技术局" in read.text and "科 学" not in read.text
    # the 三 table runs over a page break, a row cut in two by it: one table, the row whole
    assert "\t\t6.属于四类过程性信息\t0\t0\t0\t0\t0\t0\t0" in lines
    assert len(read.tables) == 3


def test_a_table_over_a_page_break_is_one_table():
    def ruled(top: float, texts: list[str]) -> Page:
        glyphs, hs, vs = [], [], []
        for i, text in enumerate(texts):
            y = top + 20 * i
            glyphs.append(Glyph(text, 110, y + 5, 120, y + 15))
            hs.append((100, 300, y))
        hs.append((100, 300, top + 20 * len(texts)))
        vs += [(top, top + 20 * len(texts), 100), (top, top + 20 * len(texts), 300)]
        return Page(600, 800, glyphs, hs, vs)

    lines, tables = document_layout([ruled(600, ["1", "2"]), ruled(100, ["3"])])
    assert lines == ["1", "2", "3"] and len(tables) == 1
    # a row the break cut in two (no number after it): put back together
    lines, tables = document_layout([ruled(600, ["1", "属于四类过程性信"]), ruled(100, ["息"])])
    assert lines == ["1", "属于四类过程性信息"] and len(tables) == 1
    # a row spanning other columns after the break is the table's next row, not the end of one
    two_columns = ruled(600, ["规范性文件"])
    two_columns.vertical.append((600, 620, 200))
    two_columns.glyphs.append(Glyph("0", 210, 605, 220, 615))
    lines, tables = document_layout([two_columns, ruled(100, ["第二十条第(五)项"])])
    assert lines == ["规范性文件\t0", "第二十条第(五)项\t"] and len(tables) == 1


@needs_tesseract
def test_a_scanned_page_is_read_by_ocr_with_its_confidence():
    import pypdfium2 as pdfium

    scanned = pdfium.PdfDocument(FILES.joinpath("seed_003.scan.pdf").read_bytes())
    one_page = pdfium.PdfDocument.new()
    one_page.import_pages(scanned, [2])  # the page of section 二's tables
    buffer = io.BytesIO()
    one_page.save(buffer)
    read = read_file(buffer.getvalue())
    assert read.ocr and read.ocr_pages == 1 and 0.5 < read.ocr_confidence <= 1
    parsed = parse_document({"tables": read.tables, "text": read.text})
    assert parsed["ocr"] is True and all(t.get("ocr") for t in read.tables)
    assert all(u["confidence"] < 80 for u in parsed["uncertain"])  # what OCR was unsure of, reported
    values = parsed["values"]
    expected = load_report("seed_003")["values"]
    s2 = [k for k in expected if k.startswith("s2.") and k in values]
    assert len(s2) >= 10 and sum(values[k] == expected[k] for k in s2) >= 0.9 * len(s2)


def test_bytes_that_are_no_report_file_are_refused():
    assert file_type(b"<html></html>") is None and file_type(b"%PDF-1.7\n") == "pdf"
    with pytest.raises(UnreadableFile):
        read_file(b"%PDF-1.4 broken")
    with pytest.raises(UnreadableFile):
        read_file(b"GIF89a")
