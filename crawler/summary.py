"""CrawlSummary: per-portal counts of a crawl, logged at the end and kept in the snapshot.

Hooked on signals only, so it sees what the crawl did without taking part in it.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import Counter, defaultdict

from scrapy import signals

from archive.snapshot import Snapshot
from crawler.hashes import HashSet, id_hash
from crawler.items import Attachment, CrawlFailure, Document

logger = logging.getLogger(__name__)

COLUMNS = ("columns", "list_pages", "reports", "not_reports", "attachments", "failures")


def step_found_nothing(row: dict, steps: dict) -> str:
    """The first step of the way in that found nothing for a portal ("" when reports were found):
    what to look at when a portal on an unknown platform gives no report."""
    if row["reports"]:
        return ""
    if not steps.get("home"):
        return "root page did not answer"
    if not steps.get("columns"):
        if steps.get("sections") or steps.get("units"):
            return "no 年报 column linked from the disclosure pages or sub-sites"
        return "no disclosure section (政务公开/信息公开) and no 年报 column linked from the root"
    if not row["list_pages"]:
        return "年报 column linked, no list page answered"
    if not steps.get("list_items"):
        return "年报 column read, no list items in it (a pager or list API no module knows?)"
    return "list items read, none is a report"


class CrawlSummary:
    def __init__(self, crawler):
        self.crawler = crawler
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.failure_reasons: dict[str, Counter] = defaultdict(Counter)
        self.documents = HashSet()  # the doc_ids counted

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def response_received(self, response, request, spider):
        if request.meta.get("kind") == "list":
            portal = self.counts[request.meta.get("portal", "")]
            portal["list_pages"] += 1
            if request.meta.get("page") == 0:
                portal["columns"] += 1

    def item_scraped(self, item, response, spider):
        if isinstance(item, Document):
            if self.documents.add(id_hash(item.doc_id)):
                self.counts[item.portal]["reports"] += 1
        elif isinstance(item, Attachment):
            self.counts[item.portal]["attachments"] += 1
        elif isinstance(item, CrawlFailure):
            self.counts[item.portal]["failures"] += 1
            self.failure_reasons[item.portal][item.reason] += 1

    def item_dropped(self, item, response, exception, spider):
        portal = getattr(item, "portal", "")
        self.counts[portal]["not_reports"] += 1

    def spider_closed(self, spider, reason):
        portals = list(getattr(spider, "portals", {})) or sorted(self.counts)
        steps = getattr(spider, "steps", {})
        rows = {
            name: {col: self.counts[name][col] for col in COLUMNS}
            | {"failure_reasons": dict(self.failure_reasons[name])}
            for name in portals
        }
        for name, row in rows.items():
            row["steps"] = dict(steps.get(name, {}))
            row["found_nothing_at"] = step_found_nothing(row, row["steps"])
        snapshot = Snapshot.from_crawler(self.crawler)
        summary = {
            "snapshot_id": snapshot.id,
            "spider": spider.name,
            "finish_reason": reason,
            "totals": {col: sum(r[col] for r in rows.values()) for col in COLUMNS},
            "portals": rows,
        }
        (snapshot.crawl_dir / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.crawler.stats.get_stats().items()}
        (snapshot.crawl_dir / "stats.json").write_text(json.dumps(stats, indent=1, default=str), encoding="utf-8")
        logger.info("crawl summary\n%s", format_summary(summary))


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def format_summary(summary: dict) -> str:
    """A table a person reads at the end of a crawl."""
    header = pad("portal", 22) + "".join(f"{c:>12}" for c in COLUMNS) + "  failures by reason"
    lines = [header, "-" * len(header)]
    for name, row in summary["portals"].items():
        reasons = ", ".join(f"{r} ×{n}" for r, n in row["failure_reasons"].items())
        lines.append(pad(name, 22) + "".join(f"{row[c]:>12}" for c in COLUMNS) + ("  " + reasons if reasons else ""))
        if row.get("found_nothing_at"):
            lines.append(" " * 4 + "found nothing: " + row["found_nothing_at"])
    lines.append("-" * len(header))
    lines.append(pad("total", 22) + "".join(f"{summary['totals'][c]:>12}" for c in COLUMNS))
    lines.append(f"snapshot {summary['snapshot_id']} ({summary['finish_reason']})")
    return "\n".join(lines)
