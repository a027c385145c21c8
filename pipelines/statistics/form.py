"""The national form as data: its two versions, the canonical keys and how each row label is known.

Everything comes from `national_form.json`, itself copied from `report-template.md` (the project's
reference on the form, kept beside it). A label is compared after `normalize` (full-width forms
folded, spaces and quotes removed), on its *core*: what follows the last ordinal (一、 (三) 2.), so
that `三、本年度办理结果(一)予以公开` and `(一) 予以公开` are the same row.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

FORMS = ("2019", "2021")
ORDINAL = re.compile(r"[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、]")
QUOTES = re.compile(r"[\"'“”‘’「」『』]")


# a report's cells are read as labels, headers and values: each once. A few reports' worth: a crawl's
# cells are mostly new: this and `values.reading`, 65 536 cells of 20 characters each, held 18 MiB (now 1.3)
@lru_cache(maxsize=1 << 12)
def normalize(text: str) -> str:
    return QUOTES.sub("", "".join(unicodedata.normalize("NFKC", text).split()))


def core(label: str) -> tuple[str, bool]:
    """(the label after its last ordinal, whether it had one), both from a normalized label."""
    last = None
    for last in ORDINAL.finditer(label):
        pass
    return (label[last.end():], True) if last else (label, False)


@dataclass(frozen=True)
class Row:
    section: str  # "s2" or "s3"
    key: str
    label: str
    columns: tuple[str, ...]
    match: tuple[str, ...]
    exact: bool = False  # short words (总计, 其他) that are also column headers: exact, with an ordinal

    def keys(self) -> list[str]:
        return [f"{self.section}.{self.key}.{c}" for c in self.columns]

    def is_label(self, label: str) -> bool:
        return self.is_core(*core(label))

    def is_core(self, text: str, numbered: bool) -> bool:
        """`is_label` of a label's `core` (computed once for all the rows a label is tried against)."""
        if self.section == "s2":
            return text in self.match
        if self.exact:
            return numbered and text in self.match
        return text.startswith(self.match)  # any of them


@dataclass(frozen=True)
class Form:
    version: str
    s2: tuple[Row, ...]
    s3: tuple[Row, ...]
    s3_results: tuple[str, ...]
    s4_groups: tuple[str, ...]
    s4_columns: tuple[str, ...]
    units: dict  # key → unit the form itself gives a column (本年收费金额(单位:万元))

    def keys(self) -> list[str]:
        """Every canonical key of this version, in the order of the form."""
        keys = [k for row in (*self.s2, *self.s3) for k in row.keys()]
        return keys + self.s4_keys()

    def s4_keys(self) -> list[str]:
        return [f"s4.{g}.{c}" for g in self.s4_groups for c in self.s4_columns]

    @property
    def s3_columns(self) -> tuple[str, ...]:
        return self.s3[0].columns


@cache
def definition() -> dict:
    return json.loads(resources.files(__package__).joinpath("national_form.json").read_text("utf-8"))


@cache
def form(version: str) -> Form:
    data = definition()
    if version not in FORMS:
        raise ValueError(f"unknown form version {version!r} (expected one of {FORMS})")
    spec = data["forms"][version]
    s2 = tuple(Row("s2", r["row"], r["label"], tuple(r["columns"]), tuple(normalize(m) for m in r["match"]))
               for r in spec["s2"])
    wanted = ["new", "carried_in", *spec["s3_results"], "r7_total", "carried_over"]
    by_key = {r["row"]: r for r in data["s3_rows"]}
    columns = tuple(c["key"] for c in data["s3_columns"])
    s3 = tuple(Row("s3", k, by_key[k]["label"], columns, (normalize(by_key[k]["match"]),), by_key[k].get("exact", False))
               for k in wanted)
    units = {f"s2.{row.key}.{c}": data["s2_units"][c] for row in s2 for c in row.columns if c in data["s2_units"]}
    return Form(version, s2, s3, tuple(spec["s3_results"]), tuple(g["key"] for g in data["s4_groups"]),
                tuple(c["key"] for c in data["s4_columns"]), units)


@cache
def s3_group_labels() -> frozenset[str]:
    return frozenset(normalize(g) for g in definition()["s3_groups"])


@cache
def s4_headers() -> frozenset[str]:
    return frozenset(normalize(h) for h in definition()["s4_headers"])


def detect_version(cells: list[str]) -> str | None:
    """The version, from the column labels of section 二 (the template's rule); failing those
    (a header lost in conversion), from the labels only one version has. None if undecided."""
    joined = "".join(normalize(c) for c in cells)
    markers = definition()["markers"]
    for kind in ("primary", "secondary"):
        found = {v: sum(normalize(m) in joined for m in markers[kind][v]) for v in FORMS}
        if found["2019"] != found["2021"]:
            return max(found, key=found.get)
    return None
