"""From positioned glyphs and ruling lines to a report's lines and tables, page after page.

The same rules serve a PDF's text layer and OCR's words: both give, per page, glyphs (a character
or a word with its box, y growing downwards) and the ruling lines drawn on it. Tables are found
from their rules (the grid of a Word or WPS table), their cells from where rules are missing (a
span); text outside tables becomes lines, and lines become paragraphs where the text wraps.
Page headers, footers and page numbers are dropped; a table that goes on over a page break is
one table.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..tables import join_pieces, table_lines

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
PAGE_NUMBER = re.compile(r"^[-—–_\s]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–_\s]*$")
MARGIN = 0.1  # headers and footers stand in the top and bottom tenth of a page


@dataclass
class Glyph:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float | None = None  # OCR's, 0–100; None for a text layer

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Page:
    width: float
    height: float
    glyphs: list[Glyph]
    horizontal: list[tuple[float, float, float]] = field(default_factory=list)  # (x0, x1, y)
    vertical: list[tuple[float, float, float]] = field(default_factory=list)  # (y0, y1, x)
    ocr: bool = False  # its glyphs are OCR's words


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # a glyph's height: the font size, near enough


@dataclass
class Table:
    top: float
    bottom: float
    rows: list[list[dict]]
    continued: bool = False  # the last block of its page: the next page's first table may go on with it
    ocr: bool = False


# -- lines --------------------------------------------------------------------------------------

def join_glyphs(glyphs: list[Glyph]) -> str:
    """Glyphs of one line, left to right: a space only where the gap is wide and neither side is
    Chinese (no space between Han characters, whatever the spacing of the font)."""
    out, last = "", None
    for g in sorted(glyphs, key=lambda g: g.x0):
        if last is not None:
            gap = g.x0 - last.x1
            size = max(last.bottom - last.top, 1.0)
            if gap > 0.25 * size and not (CJK.match(out[-1]) or CJK.match(g.text[0])):
                out += " "
        out += g.text
        last = g
    return out


def group_lines(glyphs: list[Glyph]) -> list[Line]:
    lines: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (g.cy, g.x0)):
        if lines:
            current = lines[-1]
            mid = sum(x.cy for x in current) / len(current)
            height = max(x.bottom - x.top for x in current)
            if abs(g.cy - mid) < 0.45 * max(height, g.bottom - g.top):
                current.append(g)
                continue
        lines.append([g])
    out = []
    for gs in lines:
        text = join_glyphs(gs).strip()
        if text:
            heights = sorted(g.bottom - g.top for g in gs)
            out.append(Line(text, min(g.x0 for g in gs), max(g.x1 for g in gs), min(g.top for g in gs),
                            max(g.bottom for g in gs), heights[len(heights) // 2]))
    return out


# -- tables -------------------------------------------------------------------------------------

def _merge(values: list[float], tolerance: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tolerance:
            continue
        out.append(v)
    return out


def ruled_grids(page: Page, tol: float) -> list[tuple[list, list]]:
    """Groups of rules that touch each other: each group with two rules each way is a table."""
    rules = [("h", r) for r in page.horizontal] + [("v", r) for r in page.vertical]
    parent = list(range(len(rules)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (ki, (a0, a1, a)) in enumerate(rules):
        for j in range(i + 1, len(rules)):
            kj, (b0, b1, b) = rules[j]
            if ki == kj:
                touch = abs(a - b) <= tol and a0 <= b1 + tol and b0 <= a1 + tol
            else:
                touch = a0 - tol <= b <= a1 + tol and b0 - tol <= a <= b1 + tol
            if touch:
                parent[find(i)] = find(j)
    groups: dict[int, tuple[list, list]] = {}
    for i, (kind, rule) in enumerate(rules):
        groups.setdefault(find(i), ([], []))[0 if kind == "h" else 1].append(rule)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def _covered(rules, at: float, lo: float, hi: float, tol: float) -> bool:
    """Whether a rule at `at` runs over the middle of lo..hi."""
    mid = (lo + hi) / 2
    return any(abs(pos - at) <= tol and a - tol <= mid <= b + tol for a, b, pos in rules)


def grid_cells(hs, vs, tol: float) -> tuple[list[float], list[float], dict]:
    """The grid's row and column edges and its cells: top-left slot → the slots it covers (a cell
    spans the slots between which a rule is missing)."""
    ys = _merge([y for _, _, y in hs], tol)
    xs = _merge([x for _, _, x in vs], tol)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    owner = {(i, j): (i, j) for i in range(n_rows) for j in range(n_cols)}

    def find(slot):
        while owner[slot] != slot:
            slot = owner[slot]
        return slot

    for i in range(n_rows):
        for j in range(n_cols):
            if j + 1 < n_cols and not _covered(vs, xs[j + 1], ys[i], ys[i + 1], tol):
                owner[find((i, j + 1))] = find((i, j))
            if i + 1 < n_rows and not _covered(hs, ys[i + 1], xs[j], xs[j + 1], tol):
                owner[find((i + 1, j))] = find((i, j))
    cells: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for slot in owner:
        cells.setdefault(find(slot), []).append(slot)
    return ys, xs, {min(slots): slots for slots in cells.values()}


def cell_boxes(hs, vs, tol: float) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) of every cell of a ruled grid."""
    ys, xs, cells = grid_cells(hs, vs, tol)
    return [(xs[min(j for _, j in slots)], ys[min(i for i, _ in slots)],
             xs[max(j for _, j in slots) + 1], ys[max(i for i, _ in slots) + 1]) for slots in cells.values()]


def read_table(hs, vs, glyphs: list[Glyph], tol: float) -> tuple[Table, list[Glyph]]:
    """The cells of one ruled grid (spans where a rule is missing) and the glyphs it holds."""
    ys, xs, cells = grid_cells(hs, vs, tol)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    slot_cell = {slot: first for first, slots in cells.items() for slot in slots}
    inside = [g for g in glyphs if xs[0] - tol <= g.cx <= xs[-1] + tol and ys[0] - tol <= g.cy <= ys[-1] + tol]
    content: dict[tuple[int, int], list[Glyph]] = {}
    for g in inside:
        i = next((k for k in range(n_rows) if g.cy <= ys[k + 1]), n_rows - 1)
        j = next((k for k in range(n_cols) if g.cx <= xs[k + 1]), n_cols - 1)
        content.setdefault(slot_cell[(i, j)], []).append(g)
    rows: list[list[dict]] = [[] for _ in range(n_rows)]
    for first, slots in sorted(cells.items()):
        held = content.get(first, [])
        cell = {"text": join_pieces([line.text for line in group_lines(held)]),
                "rowspan": max(s[0] for s in slots) - first[0] + 1, "colspan": max(s[1] for s in slots) - first[1] + 1}
        confidences = [g.confidence for g in held if g.confidence is not None]
        if confidences:  # read by OCR: how sure it was of the least sure word of the cell
            cell["confidence"] = round(min(confidences))
        rows[first[0]].append(cell)
    rows = [r for r in rows if r]
    return Table(ys[0], ys[-1], rows), inside


# -- pages --------------------------------------------------------------------------------------

def page_blocks(page: Page) -> list:
    """A page's lines and tables, top to bottom."""
    tol = max(page.width, page.height) / 400
    tables, used = [], set()
    for hs, vs in ruled_grids(page, tol):
        table, inside = read_table(hs, vs, page.glyphs, tol)
        table.ocr = page.ocr
        if table.rows:
            tables.append(table)
            used.update(id(g) for g in inside)
    lines = group_lines([g for g in page.glyphs if id(g) not in used])
    return sorted(lines + tables, key=lambda b: b.top)


NUMBER = re.compile(r"^[+\-]?\d[\d,.]*$")


def _starts(rows: list[list[dict]]) -> tuple[list[int], int]:
    """The grid column where each cell of the last row starts, and the grid's width."""
    taken: set[tuple[int, int]] = set()
    starts: list[int] = []
    for i, cells in enumerate(rows):
        j, starts = 0, []
        for cell in cells:
            while (i, j) in taken:
                j += 1
            starts.append(j)
            taken |= {(i + a, j + b) for a in range(cell["rowspan"]) for b in range(cell["colspan"])}
            j += cell["colspan"]
    return starts, max((j for _, j in taken), default=-1) + 1


def join_split_row(before: list[list[dict]], after: list[list[dict]]) -> list[list[dict]]:
    """A row the page break cut in two: the part on the next page holds only the end of some
    cells' text (no number); it is put back into the row above. The rows to append are returned."""
    if not before or not after:
        return after
    first = after[0]
    texts = [c["text"] for c in first]
    if not any(texts) or any(NUMBER.match(t) for t in texts):
        return after
    last_starts, width = _starts(before)
    first_starts, first_width = _starts([first])
    if first_width != width:
        return after
    last = before[-1]
    spans = dict(zip(first_starts, (c["colspan"] for c in first)))
    if any(spans.get(start) != cell["colspan"] for start, cell in zip(last_starts, last)):
        return after  # not the same columns: the next row of the table (a heading row, say)
    targets = []
    for cell, start in zip(first, first_starts):
        if not cell["text"]:
            continue
        owner = next((k for k, s in enumerate(last_starts) if s <= start < s + last[k]["colspan"]), None)
        if owner is None:
            return after
        targets.append((owner, cell["text"]))
    for owner, text in targets:
        last[owner]["text"] = join_pieces([last[owner]["text"], text])
    return after[1:]


def _signature(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def running_lines(pages: list[Page], blocks: list[list]) -> set[tuple[int, int]]:
    """(page, block) of the headers, footers and page numbers: lines in a page's top or bottom
    margin that are a page number or come back on other pages."""
    def margin(page, line):
        return line.bottom < page.height * MARGIN or line.top > page.height * (1 - MARGIN)

    marginal = [(p, b) for p, (page, bs) in enumerate(zip(pages, blocks)) for b, line in enumerate(bs)
                if isinstance(line, Line) and margin(page, line)]
    counts = Counter(_signature(blocks[p][b].text) for p, b in marginal)
    return {(p, b) for p, b in marginal
            if PAGE_NUMBER.match(blocks[p][b].text) or (len(pages) > 1 and counts[_signature(blocks[p][b].text)] > 1)}


def paragraphs(lines: list[Line]) -> list[str]:
    """Lines that wrap (the previous one reaches the right edge, this one is not indented) are
    one paragraph."""
    if not lines:
        return []
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right = sorted(line.x1 for line in lines)[int(0.9 * (len(lines) - 1))]
    out: list[str] = []
    previous = None
    for line in lines:
        wraps = (previous is not None and previous.x1 >= right - 1.5 * previous.size
                 and abs(line.x0 - left) < 0.6 * line.size and abs(line.size - previous.size) < 0.2 * line.size)
        if wraps:
            out[-1] += line.text
        else:
            out.append(line.text)
        previous = line
    return out


def document_layout(pages: list[Page]) -> tuple[list[str], list[dict]]:
    """The text lines (tables one row a line, cells tab-separated) and the tables of a document."""
    blocks = [page_blocks(page) for page in pages]
    running = running_lines(pages, blocks)
    items: list = []  # Line runs and Tables in reading order
    for p, bs in enumerate(blocks):
        for b, block in enumerate(bs):
            if (p, b) in running:
                continue
            if isinstance(block, Table) and items and isinstance(items[-1], Table) and items[-1].continued:
                items[-1].rows += join_split_row(items[-1].rows, block.rows)  # the same table, over a page break
                continue
            items.append(block)
        if items and isinstance(items[-1], Table):
            items[-1].continued = True  # nothing after it on this page: it may go on
    lines, tables, run = [], [], []
    for item in items + [None]:
        if isinstance(item, Line):
            run.append(item)
            continue
        lines += paragraphs(run)
        run = []
        if isinstance(item, Table):
            item.continued = False
            tables.append({"rows": item.rows, **({"ocr": True} if item.ocr else {})})
            lines += table_lines(item.rows)
    return lines, tables
