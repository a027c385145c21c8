"""What a saved file is, by its bytes: the reader's first question (pipelines/extraction/sniff.py)."""

import io
import zipfile
from pathlib import Path

import pytest

from pipelines.extraction.sniff import sniff

FIXTURES = Path(__file__).parent / "fixtures"


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize("raw, kind", [
    ("<!DOCTYPE html><html><head><meta charset=gbk><title>年报</title>".encode("gbk"), "html"),
    ("\ufeff<html><body><p>政府信息公开工作年度报告</p>".encode("utf-16"), "html"),
    ("  <div class=zwxl-article><p>一、总体情况</p></div>".encode("utf-8"), "html"),
    ("一、总体情况\n2022年，本机关……\n".encode("gb18030"), "text"),
    ('{"doc_id": "a"}\n'.encode(), "text"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "pdf"),
    (zipped("[Content_Types].xml", "word/document.xml"), "docx"),
    (zipped("[Content_Types].xml", "xl/workbook.xml"), "xlsx"),
    (zipped("OFD.xml", "Doc_0/Document.xml"), "ofd"),
    (zipped("readme.txt"), "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le"), "doc"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "Workbook".encode("utf-16-le"), "xls"),
    (b"\x7fELF\x02\x01\x01" + bytes(50), "executable"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image"),
    (b"\x1f\x8b\x08\x00" + bytes(20), "gzip"),
    (bytes(range(256)) * 4, "binary"),
    (b" \n\t", "empty"),
])
def test_kinds(raw, kind):
    assert sniff(raw) == kind


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*.html")), ids=lambda p: p.name)
def test_every_saved_page_is_html(path):
    assert sniff(path.read_bytes()) == "html"
