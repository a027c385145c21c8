"""Tables: one line per row, cells separated by a tab, spans expanded into a full grid.

A cell spanning several rows or columns keeps its text in the first grid cell of its span; the
cells it covers are empty fields. So every row of a form table has the form's number of cells,
and a reader can tell a spanned label from a repeated one. The JSON form keeps the cells as
published, with their spans.
"""

from __future__ import annotations

import re

import lxml.etree

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
BLOCKS_IN_CELL = {"p", "div", "br", "li"}


def join_pieces(pieces: list[str]) -> str:
    """Join the lines of a cell: no space between two Chinese characters (本年新<br/>制作数量)."""
    out = ""
    for piece in pieces:
        piece = " ".join(piece.split())
        if not piece:
            continue
        if out and not (CJK.match(out[-1]) or CJK.match(piece[0])):
            out += " "
        out += piece
    return out


def cell_text(td) -> str:
    pieces, current = [], []

    def walk(el):
        if el.tag in BLOCKS_IN_CELL and current:
            pieces.append("".join(current))
            current.clear()
        if el.text and el.tag not in ("script", "style"):
            current.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                current.append(child.tail)
        if el.tag in BLOCKS_IN_CELL and current:
            pieces.append("".join(current))
            current.clear()

    walk(td)
    pieces.append("".join(current))
    return join_pieces([p.replace("\xa0", " ").replace("\u3000", " ") for p in pieces])


def span(td, name: str) -> int:
    try:
        return max(1, min(int((td.get(name) or "1").strip() or 1), 100))
    except ValueError:
        return 1


def table_rows(table) -> list[list[dict]]:
    """The cells as published: [[{"text", "rowspan", "colspan"}, …], …]."""
    rows = []
    for tr in table.iter("tr"):
        if tr.getparent() is not None and _owner_table(tr) is not table:
            continue  # a row of a nested table
        cells = [
            {"text": cell_text(td), "rowspan": span(td, "rowspan"), "colspan": span(td, "colspan")}
            for td in tr
            if isinstance(td.tag, str) and td.tag in ("td", "th")
        ]
        if cells:
            rows.append(cells)
    return rows


def _owner_table(el):
    el = el.getparent()
    while el is not None and el.tag != "table":
        el = el.getparent()
    return el


def grid(rows: list[list[dict]]) -> list[list[str]]:
    """Expand spans: every row gets every column, covered cells are empty strings."""
    taken: dict[tuple[int, int], str] = {}
    for i, cells in enumerate(rows):
        j = 0
        for cell in cells:
            while (i, j) in taken:
                j += 1
            for a in range(cell["rowspan"]):
                for b in range(cell["colspan"]):
                    taken[(i + a, j + b)] = cell["text"] if a == b == 0 else ""
            j += cell["colspan"]
    width = max((j for _, j in taken), default=-1) + 1
    height = len(rows)
    return [[taken.get((i, j), "") for j in range(width)] for i in range(height)]


def table_lines(rows: list[list[dict]]) -> list[str]:
    lines = []
    for row in grid(rows):
        if any(cell.strip() for cell in row):
            lines.append("\t".join(cell.replace("\t", " ") for cell in row))
    return lines


# a cell holding a table, or more than 300 characters of text (string(): its text nodes, as
# itertext, not its comments), in libxml2: walked in Python, every cell and its content was an
# object made and asked for its text
LAYOUT_CELL = lxml.etree.XPath("boolean(.//*[self::td or self::th][.//table or string-length(string(.)) > 300])")


def is_layout_table(table) -> bool:
    """A table used to lay out a page rather than to hold data: long prose or tables inside."""
    return LAYOUT_CELL(table)
