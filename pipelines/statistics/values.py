"""Reading the cells of one table row into numbers, without ever changing a published number.

A cell is blank (read as 0: the form has no other meaning for an empty cell), a number (`3`,
`+2`, `17.27万元`), or several numbers run together by a naive conversion (`0 000 000`). When a
row holds fewer numbers than the form has columns, the digits are split into cells only if they
can be split one way alone — a number is never written with a leading zero, so `000` is three
cells — and the row is unreadable otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

BLANKS = {"", "-", "—", "--", "——", "/", "\\", "无"}
# `1,234` only with whole groups of three: anything else with a comma is not one number
NUMBER = re.compile(r"^(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>万元|元)?(?:件|个|项|条|次)?$")
RUN = re.compile(r"^\d+(?:\s+\d+)+$|^0\d+$")  # digits in groups, or a group with a leading zero


@dataclass
class Cell:
    raw: str
    kind: str  # "blank", "number", "run" (digits run together) or "text"
    number: int | float | None = None
    unit: str = ""
    groups: list[str] = field(default_factory=list)


def read_cell(raw: str) -> Cell:
    kind, number, unit, groups = reading(raw)
    return Cell(raw, kind, number, unit, list(groups))


# a cell is read as a label's neighbour, then as a value: once. A few reports' worth (see
# pipelines.statistics.form.normalize)
@lru_cache(maxsize=1 << 12)
def reading(raw: str) -> tuple:
    """(kind, number, unit, groups) of a cell's text."""
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if text in BLANKS:
        return "blank", 0, "", ()
    match = NUMBER.match(text.replace(" ", "")) if not RUN.match(text) else None
    if match:
        num = match["num"].replace(",", "")
        number = float(num) if "." in num else int(num)
        return "number", number, match["unit"] or "", ()
    if RUN.match(text):
        return "run", None, "", tuple(text.split())
    return "text", None, "", ()


@dataclass
class Reading:
    """What a row's cells gave: numbers (with units), or why they could not be read."""

    numbers: list | None
    units: list[str] = field(default_factory=list)
    resolved: bool = False  # digits run together, split the only way they can be
    problem: str = ""


def splits(digits: str) -> list[list[str]]:
    """Every way to cut a run of digits into numbers without a leading zero."""
    out = []
    for cuts in product((False, True), repeat=len(digits) - 1):
        parts, start = [], 0
        for i, cut in enumerate(cuts, 1):
            if cut:
                parts.append(digits[start:i])
                start = i
        parts.append(digits[start:])
        if all(p == "0" or not p.startswith("0") for p in parts):
            out.append(parts)
    return out


def resolve_runs(groups: list[str], n: int) -> list[list[int]]:
    """Every reading of the digit groups as exactly n numbers (stops counting at two)."""
    found: list[list[int]] = []

    def walk(i: int, taken: list[str]) -> None:
        if len(found) > 1 or len(taken) > n:
            return
        if i == len(groups):
            if len(taken) == n:
                found.append([int(t) for t in taken])
            return
        for parts in splits(groups[i]):
            walk(i + 1, taken + parts)

    if sum(len(g) for g in groups) >= n and all(len(g) <= 16 for g in groups):
        walk(0, [])
    return found


def plain_count(cell: Cell) -> bool:
    """A cell that can take part in a run of digits: a whole number without sign or unit."""
    return cell.kind == "number" and isinstance(cell.number, int) and cell.raw.strip().isdigit()


def read_row(cells: list[Cell], n: int, blanks_at: str) -> Reading:
    """n numbers from the value cells after a row label.

    `blanks_at` says where surplus blank cells sit when some cells are blank: "end" in a stream
    of cells (the next row's empty span cells follow), "start" in a row of a grid (the label's
    spanned cells precede)."""
    numbers = [c for c in cells if c.kind == "number"]
    runs = [c for c in cells if c.kind == "run"]
    if not runs and len(numbers) == n:
        return Reading([c.number for c in numbers], [c.unit for c in numbers])
    if not runs and len(numbers) < n <= len(cells):
        extra = len(cells) - n
        kept, dropped = (cells[:n], cells[n:]) if blanks_at == "end" else (cells[extra:], cells[:extra])
        if all(c.kind == "blank" for c in dropped):
            return Reading([c.number for c in kept], [c.unit for c in kept])
        return Reading(None, problem=f"{len(cells)} cells for {n} columns, not all surplus cells blank")
    if runs and all(c.kind == "run" or plain_count(c) for c in cells):
        groups = [g for c in cells for g in (c.groups if c.kind == "run" else [str(c.number)])]
        readings = resolve_runs(groups, n)
        if len(readings) == 1:  # resolved only if digits had to be cut: `1 2 3` is just spaced
            return Reading(readings[0], [""] * n, resolved=readings[0] != [int(g) for g in groups])
        ways = "no way" if not readings else "more than one way"
        return Reading(None, problem=f"cells run together: {ways} to read {n} numbers from {' '.join(groups)!r}")
    if len(numbers) + len(runs) == 0:
        return Reading(None, problem="no numbers")
    return Reading(None, problem=f"{len(cells)} cells ({len(numbers)} numbers) for {n} columns")
