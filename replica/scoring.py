"""How well a crawl did on a replica portal, against what the replica knows it serves.

`score(built, found, requests)`: `found` are the URLs the crawl recorded as reports (documents or
report files), `requests` the offline portal's request log (`OfflinePortal.requests`). Recall is
over the portal's reports, precision over what the crawl called a report; a request is off scope
when it went to a host that is not the portal's own (its registry entry: root and extra hosts).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.portals import bare_host
from crawler.urls import canonical_url


@dataclass(frozen=True)
class Score:
    recall: float
    precision: float
    missed: frozenset[str]  # reports the crawl did not find
    wrong: frozenset[str]  # what the crawl called a report and is not one
    off_scope: tuple[str, ...]  # requests to hosts outside the portal

    @property
    def perfect(self) -> bool:
        return self.recall == 1.0 and self.precision == 1.0 and not self.off_scope


def request_host(method: str, target: str) -> str:
    return target.rsplit(":", 1)[0] if method == "CONNECT" else (urlsplit(target).hostname or "")


def score(built, found, requests=(), other_portals=()) -> Score:
    """`other_portals`: portals crawled in the same run, whose hosts are not off scope."""
    expected = set(built.expected_reports())
    got = {canonical_url(u) for u in found if bare_host(urlsplit(u).hostname or "") in built.hosts}
    allowed = set(built.hosts) | {h for p in other_portals for h in p.hosts}
    off = tuple(t for m, t in requests if bare_host(request_host(m, t)) not in allowed)
    hit = expected & got
    return Score(
        recall=len(hit) / len(expected) if expected else 1.0,
        precision=len(hit) / len(got) if got else 1.0,
        missed=frozenset(expected - got),
        wrong=frozenset(got - expected),
        off_scope=off,
    )
