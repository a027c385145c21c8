"""The portal registry: which portals a spider may crawl, kept as data (`data/*.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from .errors import UserError


def bare_host(host: str) -> str:
    """`www.hc.gov.cn` and `hc.gov.cn` are one portal: compare hosts without `www.`."""
    host = (host or "").lower().split(":")[0]
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class Portal:
    name: str  # as the portal calls itself, e.g. "合川区"
    code: str | None  # GB/T 2260 code; None for development zones
    level: str  # district, county or zone
    root_url: str
    platform: str = ""  # a hint only (crawler/platforms): "" when not known
    confirmed: bool = False  # domain seen on real report pages
    aliases: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()
    render: tuple[str, ...] = ()  # page kinds (home, column, list, report…) that need a browser
    parent: str | None = None  # the parent unit's GB/T 2260 code (national registry)
    valid_from: str | None = None  # when the unit came into being, if since 2008 (ISO date or year)
    valid_to: str | None = None  # when it was abolished, if it was

    @property
    def hosts(self) -> frozenset[str]:
        """Bare hosts (no `www.`) that belong to this portal."""
        return frozenset(bare_host(h) for h in (urlsplit(self.root_url).hostname, *self.extra_hosts))

    def owns(self, url: str) -> bool:
        return bare_host(urlsplit(url).hostname or "") in self.hosts

    def answers_to(self, label: str) -> bool:
        """Whether a user's label (`合川区`, `合川`, `500117`, `秀山县`) names this portal."""
        label = label.strip()
        names = {self.name, *self.aliases, self.code or ""}
        short = {n[:-1] for n in names if len(n) > 2 and n[-1] in "区县"}
        return label in names or label in short


@dataclass(frozen=True)
class Registry:
    platform: str
    portals: tuple[Portal, ...] = field(default=())

    def select(self, labels: str | list[str] | None) -> list[Portal]:
        """The portals a run is limited to (`-a districts=合川区,大渡口区`); all when empty."""
        if isinstance(labels, str):
            labels = [x for x in labels.replace("，", ",").split(",") if x.strip()]
        if not labels:
            return list(self.portals)
        chosen, unknown = [], []
        for label in labels:
            match = [p for p in self.portals if p.answers_to(label)]
            (chosen.extend(match) if match else unknown.append(label))
        if unknown:
            known = ", ".join(p.name for p in self.portals)
            raise UserError(f"unknown portal(s): {', '.join(unknown)}. Known: {known}")
        return list(dict.fromkeys(chosen))

    def portal_for(self, url: str) -> Portal | None:
        return next((p for p in self.portals if p.owns(url)), None)


@cache
def load_registry(name: str) -> Registry:
    raw = json.loads(resources.files("crawler.data").joinpath(f"{name}_portals.json").read_text("utf-8"))
    portals = tuple(
        Portal(
            name=p["name"],
            code=p["code"],
            level=p["level"],
            root_url=p["root_url"],
            platform=raw["platform"],
            confirmed=p["confirmed"],
            aliases=tuple(p.get("aliases", ())),
            extra_hosts=tuple(p.get("extra_hosts", ())),
            render=tuple(p.get("render", ())),
        )
        for p in raw["portals"]
    )
    return Registry(raw["platform"], portals)
