"""The national registry: every province, prefecture and county government of China with its
portal roots and the years it existed (`data/china_registry.jsonl`, rebuilt by
`tools/build_registry.py`).

A unit is expected to publish the report for year Y when it existed on 31 December of Y: a unit
abolished during Y published its last report for Y-1, a unit set up during Y reports for Y.
`valid_from`/`valid_to` are ISO dates, to the day when known (`2026-01-25`), else the year
(`2011`); missing means before 2008 (the first report year) or still in force.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from archive.coverage import reports_for

from .portals import Portal

LEVELS = ("province", "prefecture", "county", "zone")
FIRST_REPORT_YEAR = 2008
YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


@dataclass(frozen=True)
class Unit:
    code: str | None  # GB/T 2260; None for a development zone without one
    name: str
    path: tuple[str, ...]  # 重庆市 / 合川区
    level: str
    parent: str | None
    roots: tuple[str, ...] = ()
    valid_from: str | None = None
    valid_to: str | None = None
    confirmed: bool = False  # a real report page was seen on a root's host
    sources: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    former_names: tuple[dict, ...] = ()
    former_codes: tuple[dict, ...] = ()
    platform: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        """Unique in the registry: the code, else the parent's code and the name (zones)."""
        return self.code or f"{self.parent}/{self.name}"

    def reports_for(self, year: int) -> bool:
        return reports_for(year, self.valid_from, self.valid_to)

    def answers_to(self, label: str) -> bool:
        names = {self.name, *self.aliases, self.code or "", "".join(self.path[-2:])}
        return label in names or any(label == n[:-1] for n in names if len(n) > 2 and n[-1] in "区县市")

    def to_json(self) -> dict:
        out = asdict(self)
        out["path"] = list(self.path)
        return out

    def to_portal(self, name: str | None = None) -> Portal:
        root, *others = self.roots
        return Portal(
            name=name or self.name,
            code=self.code,
            level=self.level,
            root_url=root,
            platform=self.platform,
            confirmed=self.confirmed,
            aliases=self.aliases,
            extra_hosts=tuple(urlsplit(u).hostname for u in others),
            parent=self.parent,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )


def parse_years(text: str | None) -> tuple[int, ...]:
    """`2019-2024`, `2021`, `2019,2021`: the report years wanted; empty means all."""
    years: list[int] = []
    for part in (text or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        match = YEARS.match(part)
        if not match:
            raise ValueError(f"years must look like 2019-2024 or 2021, got {part.strip()!r}")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if first > last:
            raise ValueError(f"years {part.strip()!r} run backwards")
        years.extend(range(first, last + 1))
    return tuple(sorted(set(years)))


def labels(text: str | list[str] | None) -> list[str]:
    if isinstance(text, list):
        return text
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


@dataclass(frozen=True)
class NationalRegistry:
    units: tuple[Unit, ...] = field(default=())

    def by_key(self) -> dict[str, Unit]:
        return {u.key: u for u in self.units}

    def select(self, provinces=None, levels=None, codes=None, years=None) -> list[Unit]:
        """Units of the named provinces and levels (or codes/names), valid in any of the years."""
        chosen = list(self.units)
        if provinces := labels(provinces):
            known = {u.name for u in self.units if u.level == "province"}
            unknown = [p for p in provinces if not any(p == k or p == k.rstrip("省市") for k in known)]
            if unknown:
                raise ValueError(f"unknown province(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}")
            chosen = [u for u in chosen if any(u.path[0] == p or u.path[0].rstrip("省市") == p for p in provinces)]
        if levels := labels(levels):
            unknown = [x for x in levels if x not in LEVELS]
            if unknown:
                raise ValueError(f"unknown level(s): {', '.join(unknown)}. Known: {', '.join(LEVELS)}")
            chosen = [u for u in chosen if u.level in levels]
        if codes := labels(codes):
            match = {c: [u for u in chosen if u.answers_to(c)] for c in codes}
            unknown = [c for c, found in match.items() if not found]
            if unknown:
                known = ", ".join(u.name for u in chosen[:50]) + (" …" if len(chosen) > 50 else "")
                raise ValueError(f"unknown unit(s): {', '.join(unknown)} (a GB/T 2260 code or a name); "
                                 f"this selection has: {known}")
            chosen = list({u.key: u for found in match.values() for u in found}.values())
        if years := (parse_years(years) if isinstance(years, str) else tuple(years or ())):
            chosen = [u for u in chosen if any(u.reports_for(y) for y in years)]
        return chosen

    def portals(self, units: list[Unit]) -> list[Portal]:
        """Portals of the units that have a root. Names repeat across China (朝阳区): a repeated
        name is qualified with its parent's (北京市朝阳区), so each portal's name is unique."""
        crawlable = [u for u in units if u.roots]
        counts = Counter(u.name for u in crawlable)
        names = {u.key: u.name if counts[u.name] == 1 else "".join(u.path[-2:]) for u in crawlable}
        again = Counter(names.values())
        return [u.to_portal(names[u.key] if again[names[u.key]] == 1 else f"{names[u.key]}{u.code}")
                for u in crawlable]

    def figures(self) -> dict:
        """Units per level (in force today and abolished), roots, confirmed roots, sources."""
        levels = Counter((u.level, "current" if u.valid_to is None else "abolished") for u in self.units)
        sources = Counter(s.split(":")[0] for u in self.units for s in u.sources)
        return {
            "units": len(self.units),
            "levels": {f"{level} {state}": n for (level, state), n in sorted(levels.items())},
            "with_root": sum(bool(u.roots) for u in self.units),
            "confirmed": sum(u.confirmed for u in self.units),
            "sources": dict(sources.most_common()),
        }


@cache
def load_national_registry() -> NationalRegistry:
    text = resources.files("crawler.data").joinpath("china_registry.jsonl").read_text("utf-8")
    raw = [json.loads(line) for line in text.splitlines() if line.strip()]
    by_code = {}
    for r in raw:  # a parent is the unit of that code in force the longest
        if r["code"] and (r["code"] not in by_code or r.get("valid_to") is None):
            by_code[r["code"]] = r

    def path(r: dict) -> tuple[str, ...]:
        names = [r["name"]]
        parent = r.get("parent")
        while parent:
            names.insert(0, by_code[parent]["name"])
            parent = by_code[parent].get("parent")
        return tuple(names)

    return NationalRegistry(tuple(
        Unit(
            code=r["code"], name=r["name"], path=path(r), level=r["level"], parent=r.get("parent"),
            roots=tuple(r.get("roots", ())), valid_from=r.get("valid_from"), valid_to=r.get("valid_to"),
            confirmed=r.get("confirmed", False), sources=tuple(r.get("sources", ())),
            aliases=tuple(r.get("aliases", ())), former_names=tuple(r.get("former_names", ())),
            former_codes=tuple(r.get("former_codes", ())), platform=r.get("platform", ""), note=r.get("note", ""),
        )
        for r in raw
    ))
