"""Walk a stream of cells and read the form's values under their canonical keys.

Rows are found by their labels, never by position: section 二's rows until the first row of
section 三, then section 三's, then section 四 from its header cell 行政复议. A row's values are the
value cells that follow its label, up to the next text cell or the end of the row; a label that
has no value cells after it (a prose sentence that happens to start like one) is passed over.
Section 四 has no row labels: its values are the value cells after its last header cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .form import ORDINAL, Form, Row, core, detect_version, form, normalize, s3_group_labels, s4_headers
from .shapes import ROW_END
from .values import Cell, read_cell, read_row

# a label with its numbers in the same cell: `三、本年办理结果(一)予以公开 0 000 000`
LABEL_AND_NUMBERS = re.compile(r"^(?P<label>.*?\D)(?P<tail>(?:\s*[+-]?\d+(?:\.\d+)?)+)\s*$", re.S)


@dataclass
class Parse:
    form: str | None
    values: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    unreadable: list = field(default_factory=list)
    resolved: list = field(default_factory=list)
    missing: list = field(default_factory=list)

    def take(self, keys: list[str], cells: list[Cell], blanks_at: str, default_units: dict) -> None:
        reading = read_row(cells, len(keys), blanks_at)
        shown = [c.raw.strip() for c in cells]
        if reading.numbers is None:
            self.unreadable.append({"keys": keys, "cells": shown, "reason": reading.problem})
            return
        for key, number, unit in zip(keys, reading.numbers, reading.units):
            self.values[key] = number
            if unit or key in default_units:
                self.units[key] = unit or default_units[key]
        if reading.resolved:
            self.resolved.append({"keys": keys, "cells": shown, "read": reading.numbers,
                                  "reason": "cells run together; the digits split into the row's cells one way only"})


def value_cells(stream: list, start: int) -> list[Cell]:
    """The value cells from `start` up to the next text cell or row end."""
    out = []
    for token in stream[start:]:
        if token is ROW_END:
            break
        cell = read_cell(token)
        if cell.kind == "text":
            break
        out.append(cell)
    return out


def is_continuation(stream: list, i: int, spec: Form) -> bool:
    """Whether the cell at i is the second line of a long label (one cell per line): short
    text that starts no row of its own."""
    token = stream[i] if i < len(stream) else ROW_END
    if token is ROW_END or read_cell(token).kind != "text":
        return False
    text = normalize(token)
    if len(text) > 40 or ORDINAL.match(text) or text in s3_group_labels() or text in s4_headers():
        return False
    return find_row((*spec.s2, *spec.s3), text) is None


def split_label(token: str) -> tuple[str, str]:
    match = LABEL_AND_NUMBERS.match(token)
    return (match["label"], match["tail"]) if match else (token, "")


def find_row(rows, label: str) -> Row | None:
    text, numbered = core(label)
    return next((row for row in rows if row.is_core(text, numbered)), None)


def read_stream(stream: list, blanks_at: str) -> Parse:
    cells = [t for t in stream if t is not ROW_END]
    version = detect_version(cells)
    if version is None:
        return Parse(None)
    spec: Form = form(version)
    result = Parse(version)
    pending = {"s2": list(spec.s2), "s3": list(spec.s3)}
    stage, s4_start = "s2", None
    for i, token in enumerate(stream):
        if token is ROW_END or not token.strip():
            continue
        if normalize(token) == "行政复议":
            s4_start = i
            break
        label, tail = split_label(token)
        label = normalize(label)
        if len(label) > 80 or read_cell(token).kind != "text":
            continue
        row = find_row(pending["s3"], label) or (find_row(pending["s2"], label) if stage == "s2" else None)
        if row is None:
            continue
        found = ([read_cell(tail)] if tail.strip() else []) + value_cells(stream, i + 1)
        if not found and blanks_at == "end" and is_continuation(stream, i + 1, spec):
            found = value_cells(stream, i + 2)  # a label wrapped onto a second line
        if not found:
            continue  # a label with no numbers after it: prose, or a heading; keep looking
        if row.section == "s3":
            stage = "s3"
        pending[row.section].remove(row)
        result.take(row.keys(), found, blanks_at, spec.units)
    if s4_start is not None:
        found = s4_values(stream, s4_start, len(spec.s4_keys()))
        if found:
            result.take(spec.s4_keys(), found, blanks_at, {})
    seen = set(result.values) | {k for u in result.unreadable for k in u["keys"]}
    result.missing = [k for k in spec.keys() if k not in seen]
    return result


def s4_values(stream: list, start: int, n: int) -> list[Cell]:
    """The value cells after section 四's last header cell (blank cells between headers are
    the spans of the header rows, not values; a row of n blank cells is a row of zeros)."""
    headers = s4_headers()
    values: list[Cell] = []
    for token in stream[start:]:
        if token is ROW_END:
            continue
        if normalize(token) in headers:
            values = []
            continue
        cell = read_cell(token)
        if cell.kind == "text":
            if len(values) >= n or any(c.kind in ("number", "run") for c in values):
                break
            values = []
            continue
        values.append(cell)
    return values
