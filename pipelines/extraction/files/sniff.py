"""What a report file is, by its first bytes (a server's Content-Type and a URL's extension lie)."""

from __future__ import annotations

import io
import zipfile

OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def file_type(body: bytes) -> str | None:
    """"pdf", "docx", "doc" (Word 97 or WPS: both OLE2), "ofd", or None for anything else."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(OLE2):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names:
            return "ofd"
    return None
