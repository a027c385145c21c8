"""Every shape a report arrives in, turned into one stream of cells.

A stream is a list of cell texts; `ROW_END` marks the end of a table row where the shape says
where rows end. Shapes:

- `tables`: the tables of a `Document` (rows of cells with their spans). Cells covered by a span
  are not cells of the stream, so a row's value cells are exactly its cells after the label.
- `rows`: our clean text (and seed 003): one row per line, cells separated by tabs.
- `tab-cells`: one cell per line behind a tab, blank lines between rows (seed 001).
- `pipes`: cells ended by `|`, one or several to a line (seed 002).
- `lines`: one cell per line (seeds 000 and 004), several numbers run together on some lines.
"""

from __future__ import annotations

import re

ROW_END = None  # marks the end of a row in a stream
TAB_CELL = re.compile(r"^\t[^\t]*$")


def text_shape(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    piped = sum(line.rstrip().endswith("|") for line in lines)
    tabbed = [line for line in lines if "\t" in line]
    if piped >= max(10, len(lines) // 4):
        return "pipes"
    if tabbed and sum(bool(TAB_CELL.match(line)) for line in tabbed) >= 0.8 * len(tabbed):
        return "tab-cells"
    if tabbed:
        return "rows"
    return "lines"


def text_stream(text: str, shape: str | None = None) -> tuple[list, str]:
    """(stream, shape) of a text in any of the text shapes."""
    shape = shape or text_shape(text)
    stream: list = []
    for line in text.splitlines():
        if shape == "rows":
            if line.strip():
                stream += [*line.split("\t"), ROW_END]
        elif shape == "tab-cells":
            if line.strip() or line.startswith("\t"):
                stream.append(line[1:] if line.startswith("\t") else line)
        elif shape == "pipes":
            if line.strip():
                cells = line.split("|")
                stream += cells[:-1] if line.rstrip().endswith("|") else cells
        elif line.strip():
            stream.append(line)
    return stream, shape


def tables_stream(tables: list[dict]) -> list:
    """The stream of a Document's tables: each published cell once (the grid cells a span covers
    are not cells of their own), a ROW_END after every row."""
    stream: list = []
    for table in tables:
        for cells in table.get("rows", []):
            stream += [cell.get("text", "") for cell in cells]
            stream.append(ROW_END)
    return stream
