"""CoverageReport: at the end of a crawl, write the snapshot's coverage (`archive/coverage.py`)
before it is sealed, so the coverage files are listed in the manifest like every other file.

The units are the portals the spider was asked for (kept as `crawl/portals.json`, so the
`nianbao coverage` command sees the same units later) and the report years it wanted.

A worker of a crawl on many workers writes only `crawl/portals.json` into its part: its corpus is
a share of the crawl's, so the last worker writes the coverage of the merged snapshot
(`crawler/cluster/finish.py`, `write_snapshot_coverage`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from scrapy import signals

from archive.coverage import COVERAGE_DIR, PORTALS_FILE, format_coverage, portal_units, write_coverage
from archive.coverage_png import write_heatmap_png
from archive.snapshot import Snapshot

from .registry import load_national_registry

logger = logging.getLogger(__name__)


def portal_entries(portals) -> list[dict]:
    """The crawled portals as plain dicts, with the province they belong to."""
    units = load_national_registry().by_key()
    out = []
    for p in portals:
        unit = units.get(p.code or f"{p.parent}/{p.name}")
        out.append({"name": p.name, "unit_name": unit.name if unit else p.name, "code": p.code,
                    "level": p.level, "parent": p.parent or (unit.parent if unit else None),
                    "province": unit.path[0] if unit else "", "root_url": p.root_url,
                    "valid_from": p.valid_from, "valid_to": p.valid_to})
    return out


def wanted_years(stats: dict) -> tuple[int, ...]:
    span = stats.get("nianbao/years")
    if not span:
        return ()
    first, _, last = span.partition("-")
    return tuple(range(int(first), int(last or first) + 1))


class CoverageReport:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        # written at the start too: a crawl on many workers killed before its end is still sealed
        # with its coverage (`nianbao seal`)
        crawler.signals.connect(ext.write_wanted_units, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def write_wanted_units(self, spider) -> Snapshot:
        snapshot = Snapshot.from_crawler(self.crawler)
        entries = portal_entries(getattr(spider, "portals", {}).values())
        years = wanted_years(self.crawler.stats.get_stats()) or tuple(getattr(spider, "years", None) or ())
        (snapshot.root / PORTALS_FILE).write_text(
            json.dumps({"years": list(years), "portals": entries}, ensure_ascii=False, indent=1), encoding="utf-8")
        return snapshot

    def spider_closed(self, spider, reason):
        # the pipelines' close_spider (the corpus sorted, failures closed) has run before this signal
        snapshot = self.write_wanted_units(spider)
        if not self.crawler.settings.get("NIANBAO_SNAPSHOT_PART"):
            write_snapshot_coverage(snapshot.root, snapshot.id)


def write_snapshot_coverage(root: Path, snapshot_id: str) -> None:
    """The coverage files of a snapshot, for the units and years its `crawl/portals.json` names."""
    wanted = json.loads((root / PORTALS_FILE).read_text("utf-8"))
    summary = write_coverage(root, portal_units(wanted["portals"]), tuple(wanted["years"]), f"Coverage of snapshot {snapshot_id}")
    problem = write_heatmap_png(root / COVERAGE_DIR / "index.html", root / COVERAGE_DIR / "heatmap.png")
    if problem:
        logger.warning("coverage/heatmap.png not written: %s", problem)
    logger.info("%s", format_coverage(summary))
