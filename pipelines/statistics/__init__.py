"""The statistics of sections 二, 三 and 四 of a report, under the canonical keys of the national form.

`parse_document` reads a `Document` (its tables with their spans, else its clean text),
`parse_text` any text shape of a report, `parse_html` a saved page, `parse_file` a file of any of
these. Each returns the same JSON-ready dict:

- `form`: "2019" or "2021" (None when no statistics table was recognised);
- `values`: canonical key → number as published, in the order of the form;
- `units`: key → unit, where a value has one (万元);
- `violations`: each broken rule of the form, with the numbers involved;
- `unreadable`: rows whose cells could not be read (keys, cells, reason), never guessed;
- `resolved`: rows whose digits were run together and split the only way they can be;
- `missing`: keys of the form that were not found; `complete`: every key read;
- `source`: the shape read (tables, rows, tab-cells, pipes, lines).
"""

from __future__ import annotations

import json
from pathlib import Path

from .form import form, normalize
from .reader import Parse, read_stream
from .rules import violations
from .shapes import tables_stream, text_stream

__all__ = ["form", "normalize", "parse_document", "parse_file", "parse_html", "parse_text", "parse_tables"]

# where surplus blank cells sit, by shape: see values.read_row
BLANKS_AT = {"tables": "start", "rows": "start", "tab-cells": "end", "pipes": "end", "lines": "end"}


def result(parse: Parse, source: str) -> dict:
    spec = form(parse.form) if parse.form else None
    order = spec.keys() if spec else []
    values = {k: parse.values[k] for k in order if k in parse.values}
    return {
        "form": parse.form,
        "source": source,
        "complete": bool(spec) and not parse.missing and not parse.unreadable,
        "values": values,
        "units": {k: parse.units[k] for k in order if k in parse.units},
        "violations": violations(spec, values) if spec else [],
        "unreadable": parse.unreadable,
        "resolved": parse.resolved,
        "missing": parse.missing,
    }


def parse_text(text: str) -> dict:
    stream, shape = text_stream(text)
    return result(read_stream(stream, BLANKS_AT[shape]), shape)


def parse_tables(tables: list[dict]) -> dict:
    return result(read_stream(tables_stream(tables), BLANKS_AT["tables"]), "tables")


def _gaps(parsed: dict) -> int:
    return len(parsed["missing"]) + sum(len(u["keys"]) for u in parsed["unreadable"]) + (parsed["form"] is None) * 1000


UNSURE = 80  # an OCR'd cell whose least sure word Tesseract gave less than this is reported


def parse_document(doc: dict) -> dict:
    """A `Document` (or a line of documents.jsonl): its tables as published are the surest
    source; its clean text is read too when they leave gaps, and the fuller reading is kept.
    Tables read by OCR say so (`ocr`), with the cells OCR was unsure of (`uncertain`)."""
    tables = doc.get("tables") or []
    parsed = parse_tables(tables)
    if _gaps(parsed) and doc.get("text"):
        from_text = parse_text(doc["text"])
        if _gaps(from_text) < _gaps(parsed):
            parsed = from_text
    if any(table.get("ocr") for table in tables):
        parsed["ocr"] = True
        parsed["uncertain"] = [
            {"row": next((c["text"] for c in row if c["text"]), ""), "cell": cell["text"], "confidence": cell["confidence"]}
            for table in tables if table.get("ocr") for row in table.get("rows", []) for cell in row
            if cell.get("confidence", 100) < UNSURE and cell["text"]]
    return parsed


def parse_html(html: str, url: str = "") -> dict:
    from pipelines.extraction import read_page

    page = read_page(html, url)
    return parse_document({"tables": page.tables, "text": page.text})


def parse_file(path: str | Path) -> list[dict]:
    """Every report in a file: an HTML page, documents.jsonl (one result per line, with its
    doc_id), or a report's text in any shape."""
    raw = Path(path).read_bytes()
    head = raw.lstrip()[:1]
    if head == b"{":
        # split at b"\n" only: a text may hold U+2028, which JSON leaves as is
        docs = [json.loads(line) for line in raw.split(b"\n") if line.strip()]
        return [{"doc_id": d.get("doc_id"), **parse_document(d)} for d in docs]
    if head == b"<" or Path(path).suffix.lower() in (".html", ".htm", ".shtml"):
        from w3lib.encoding import html_to_unicode

        return [parse_html(html_to_unicode(None, raw)[1])]
    return [parse_text(raw.decode("utf-8-sig"))]
