"""What kind of file a saved download is, judged by its first bytes, never by its name.

Portals serve reports as pages, PDF, Word (OLE2 .doc, ZIP .docx), WPS and OFD files, often under
the wrong extension or Content-Type; a reader must know which it holds before choosing how to read.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

# (magic prefix, kind); a ZIP or OLE2 container is looked into further (`container_kind`)
MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"PK\x03\x04", "zip"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"RIFF", "media"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<div", b"<table", b"<p>", b"<p ")
TEXT_ENCODINGS = ("utf-8", "gb18030")  # and UTF-16 with its BOM


def sniff(raw: bytes) -> str:
    """One of: html, text, pdf, doc, docx, xls, xlsx, ole2, ofd, zip, executable, image, media,
    gzip, rar, 7z, binary, empty."""
    if not raw.strip():
        return "empty"
    if b"%PDF-" in raw[:1024]:  # readers accept a PDF header after some junk, and servers send such files
        return "pdf"
    for magic, kind in MAGIC:
        if raw.startswith(magic):
            return container_kind(raw) if kind in ("ole2", "zip") else kind
    text = as_text(raw[:8192])
    if text is None:
        return "binary"
    head = text.lstrip("\ufeff \t\r\n").lower().encode("utf-8", "replace")
    if head.startswith(b"<?xml") and b"<html" not in head[:2048]:
        return "text"
    return "html" if any(marker in head for marker in HTML_MARKERS) else "text"


def file_type(raw: bytes) -> str | None:
    """The kind of a report file — "pdf", "docx", "doc" (Word 97 or WPS: both OLE2; an OLE2 file of
    no stream we know is tried as one too), "ofd" — or None for anything else (pages, sheets, images)."""
    kind = sniff(raw)
    if kind == "ole2":
        return "doc"
    return kind if kind in ("pdf", "docx", "doc", "ofd") else None


def container_kind(raw: bytes) -> str:
    """ZIP: .docx (word/), .xlsx (xl/), OFD (OFD.xml) or a plain archive. OLE2: .doc (a
    WordDocument stream; Kingsoft WPS files of WPS 2005 and later are Word-compatible and sniff as
    doc too), .xls (Workbook), else ole2."""
    if raw.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(BytesIO(raw)).namelist()
        except zipfile.BadZipFile:  # truncated: judge by the names in the first local headers
            names = [raw[:1 << 16].decode("latin-1")]
        if any("word/" in n for n in names):
            return "docx"
        if any("xl/" in n for n in names):
            return "xlsx"
        if any(n.upper().endswith("OFD.XML") for n in names):
            return "ofd"
        return "zip"
    # OLE2 directory entries hold their stream names in UTF-16LE
    for stream, kind in (("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls")):
        if stream.encode("utf-16-le") in raw:
            return kind
    return "ole2"


def as_text(head: bytes) -> str | None:
    """The bytes as text in one of the encodings pages use, or None for binary data."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if b"\x00" in head:
        return None
    for encoding in TEXT_ENCODINGS:
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start > len(head) - 4:  # a character cut by the 8 KB window
                return head[: error.start].decode(encoding)
    return None
