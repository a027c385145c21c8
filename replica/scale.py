"""The offline portal at scale: N more portals of the real platforms' shapes, each slow as a
real government server is, so that a crawl of it is bound by politeness and waiting (as on the
web), not by how fast a server on this machine answers.

Portal `i` is a copy of one platform portal of `replica/platforms` (they take turns: TRS,
Hanweb, gkmlpt…), with its pages, list APIs and documents moved to hosts of its own: the
portal's domain gets a suffix (`tjdl.gov.cn` → `tjdl-s7.gov.cn`, and so its disclosure
sub-domains too), its name one as well (`东丽区 s7`). Everything else — column depths, page
sizes, pagers, reports — is the platform's. A host's latency (the time its server takes before
answering each request) is drawn once per host from a fixed seed within a range.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from crawler.portals import Portal, bare_host

from .platforms.model import BuiltPortal
from .site import Replica

SEED = 2026  # the same portals and latencies on every run
DEFAULT_LATENCY = (0.2, 0.8)  # seconds: what a district portal behind its CDN takes to answer a page


def parse_latency(text: str | None) -> tuple[float, float] | None:
    """`200-800` (milliseconds), `300` (the same for every host) or empty/0 (none)."""
    if not text or str(text).strip() in ("0", "none"):
        return None
    low, _, high = str(text).strip().partition("-")
    try:
        bounds = (int(low) / 1000, int(high or low) / 1000)
    except ValueError:
        raise ValueError(f"latency must be milliseconds as LOW-HIGH (e.g. 200-800), got {text!r}") from None
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise ValueError(f"latency must be milliseconds as LOW-HIGH with LOW <= HIGH, got {text!r}")
    return bounds


class HostLatency:
    """Seconds a host's server takes before it answers: one draw per host from a fixed seed."""

    def __init__(self, bounds: tuple[float, float]):
        self.bounds = bounds

    def __call__(self, host: str) -> float:
        return random.Random(f"{SEED}:{bare_host(host)}").uniform(*self.bounds)


def copy_name(domain: str, number: int) -> str:
    label, _, rest = domain.partition(".")
    return f"{label}-s{number}.{rest}"


class HostMove:
    """Moves a portal's domain (and every sub-domain of it) to its copy's domain, in URLs and pages."""

    def __init__(self, domain: str, number: int):
        self.domain, self.target = domain, copy_name(domain, number)
        self.pattern = re.compile(rb"(?<![A-Za-z0-9.-])((?:[A-Za-z0-9-]+\.)*)" + re.escape(domain.encode()) + rb"(?![A-Za-z0-9-])")

    def host(self, host: str) -> str:
        return self.text(host)

    def text(self, text: str) -> str:
        return self.bytes(text.encode()).decode()

    def bytes(self, data: bytes) -> bytes:
        return self.pattern.sub(lambda m: m.group(1) + self.target.encode(), data)

    def page(self, page):
        if not page.content_type.startswith(("text/", "application/json", "application/javascript")):
            return page  # a PDF or DOC keeps its bytes (and its offsets)
        return replace(page, body=self.bytes(page.body))

    def endpoint(self, answer):
        return lambda request: self.page(answer(request))


class MovedPages(Mapping):
    """A portal's pages on its copy's hosts, each moved when it is asked for: a scale of
    thousands of portals is built in seconds and holds no copy of any page body."""

    def __init__(self, pages: Mapping, move: HostMove):
        self.source, self.move = pages, move
        self.hosts = {host: move.host(host) for host, _ in pages}  # original → moved
        self.back = {moved: host for host, moved in self.hosts.items()}

    def __getitem__(self, key):
        host, path = key
        if host not in self.back:
            raise KeyError(key)
        return self.move.page(self.source[(self.back[host], path)])

    def __contains__(self, key):
        return key[0] in self.back and (self.back[key[0]], key[1]) in self.source

    def __iter__(self):
        return ((self.hosts[host], path) for host, path in self.source)

    def __len__(self):
        return len(self.source)


class ScaledPages(Mapping):
    """The replica's own pages, then each copy's, found by host."""

    def __init__(self, pages: Mapping, copies: list[MovedPages]):
        self.base, self.copies = pages, copies
        self.by_host = {host: copy for copy in copies for host in copy.back}

    def __getitem__(self, key):
        copy = self.by_host.get(key[0])
        return copy[key] if copy is not None else self.base[key]

    def __contains__(self, key):
        copy = self.by_host.get(key[0])
        return key in copy if copy is not None else key in self.base

    def __iter__(self):
        yield from self.base
        for copy in self.copies:
            yield from copy

    def __len__(self):
        return len(self.base) + sum(map(len, self.copies))


def copy_portal(built: BuiltPortal, number: int) -> BuiltPortal:
    base = built.portal
    move = HostMove(bare_host(urlsplit(base.root_url).hostname), number)
    portal = replace(base, name=f"{base.name} s{number}", code=None, aliases=(), confirmed=False,
                     root_url=move.text(base.root_url), extra_hosts=tuple(move.host(h) for h in base.extra_hosts))
    return BuiltPortal(
        portal, built.platform,
        docs=[replace(d, host=move.host(d.host)) for d in built.docs],
        pages=MovedPages(built.pages, move),
        endpoints={(move.host(host), path): move.endpoint(answer) for (host, path), answer in built.endpoints.items()},
        source=f"copy {number} of {base.name}: {built.source}")


def scaled(replica: Replica, count: int) -> Replica:
    """The replica with `count` more portals, copies of its platform portals in turn."""
    if count < 0:
        raise ValueError(f"the scale is a number of portals, 0 or more, got {count}")
    copies = [copy_portal(replica.platforms[i % len(replica.platforms)], i + 1) for i in range(count)]
    endpoints = dict(replica.endpoints)
    for copy in copies:
        endpoints.update(copy.endpoints)
    return replace(replica, pages=ScaledPages(replica.pages, [c.pages for c in copies]), endpoints=endpoints,
                   platforms=replica.platforms + copies)


def scaled_portals(replica: Replica) -> list[Portal]:
    """The copies a scaled replica serves (what `--scale` crawls)."""
    return [b.portal for b in replica.platforms if b.source.startswith("copy ")]


def registry_entries(portals: list[Portal]) -> list[dict]:
    """The portals as a registry file for the `portals` spider (`-a registry=FILE`)."""
    return [{"name": p.name, "code": p.code, "level": p.level, "root": p.root_url, "platform": p.platform,
             "extra_hosts": list(p.extra_hosts), "render": list(p.render)} for p in portals]
