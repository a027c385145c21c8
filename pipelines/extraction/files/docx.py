"""A DOCX's paragraphs and tables in body order (python-docx), spans from gridSpan and vMerge."""

from __future__ import annotations

import io
from datetime import datetime

import docx
from docx.oxml.ns import qn

from ..tables import join_pieces, table_lines


def paragraph_text(p) -> str:
    return "".join(node.text or "" for node in p.iter() if node.tag in (qn("w:t"), qn("w:tab"))
                   ).strip() if p is not None else ""


def cell_text(tc) -> str:
    return join_pieces([paragraph_text(p) for p in tc.iter(qn("w:p"))])


def table_rows(tbl) -> list[list[dict]]:
    """Published cells with their spans: a vMerge continuation belongs to the cell above it."""
    grid: list[list[tuple[int, object]]] = []  # per row: (first grid column, tc)
    for tr in tbl.iter(qn("w:tr")):
        col, cells = 0, []
        for tc in tr.iter(qn("w:tc")):
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            width = int(span.get(qn("w:val"))) if span is not None else 1
            cells.append((col, width, tc))
            col += width
        grid.append(cells)

    def merge(tc) -> str | None:
        node = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        return None if node is None else (node.get(qn("w:val")) or "continue")

    rows = []
    for i, cells in enumerate(grid):
        row = []
        for col, width, tc in cells:
            if merge(tc) == "continue":
                continue
            rowspan = 1
            if merge(tc) == "restart":
                for below in grid[i + 1:]:
                    if any(c == col and merge(t) == "continue" for c, _, t in below):
                        rowspan += 1
                    else:
                        break
            row.append({"text": cell_text(tc), "rowspan": rowspan, "colspan": width})
        rows.append(row)
    return rows


def read_docx(body: bytes) -> tuple[list[str], list[dict], str | None]:
    """(lines, tables, date of the document's properties)."""
    document = docx.Document(io.BytesIO(body))
    try:
        return read_document(document)
    finally:
        empty_parts(document)


def read_document(document) -> tuple[list[str], list[dict], str | None]:
    lines, tables = [], []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = paragraph_text(child)
            if text:
                lines.append(text)
        elif child.tag == qn("w:tbl"):
            rows = [r for r in table_rows(child) if r]
            tables.append({"rows": rows})
            lines += table_lines(rows)
    props = document.core_properties
    moment = props.modified or props.created
    return lines, tables, moment.date().isoformat() if isinstance(moment, datetime) else None


def empty_parts(document) -> None:
    """Drop what the document's parts hold (their XML trees) once it is read. python-docx leaves its
    parts in a reference cycle (`OpcPackage.iter_parts` walks them with a recursive closure that keeps
    a list of them), which only Python's cyclic collector frees; it counts objects, not bytes, and
    came rarely: a crawl reading DOC and WPS reports kept some 3 MiB of XML trees per file read until
    it did (+50 MiB in a worker's peak when a hundred came together). Emptied, the parts hold nothing."""
    parts, stack = {}, [document.part.package]
    while stack:  # the parts, through the relationships (not `iter_parts`: it would make one more cycle)
        for rel in stack.pop().rels.values():
            if not rel.is_external and id(rel.target_part) not in parts:
                parts[id(rel.target_part)] = rel.target_part
                stack.append(rel.target_part)
    for part in parts.values():
        vars(part).clear()
