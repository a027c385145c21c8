"""SnapshotSeal: when the engine has stopped (every other component has closed its files),
write the snapshot's SHA256SUMS and manifest.json."""

from __future__ import annotations

import json
import logging

from scrapy import signals

from .manifest import seal
from .crawl_record import write_crawl_record
from .delta import write_delta
from .publish import publish
from .snapshot import Snapshot
from .store import open_store

logger = logging.getLogger(__name__)


class SnapshotSeal:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        # engine_stopped comes after every spider_closed handler: WARC files are closed by then
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self):
        snapshot = Snapshot.from_crawler(self.crawler)
        summary_path = snapshot.crawl_dir / "summary.json"
        summary = json.loads(summary_path.read_text("utf-8")) if summary_path.exists() else {}
        if summary.get("finish_reason") not in (None, "finished"):
            logger.warning("crawl ended (%s): snapshot %s left unsealed", summary.get("finish_reason"), snapshot.id)
            return
        settings = self.crawler.settings
        scope = {
            "spider": summary.get("spider"),
            "portals": sorted(summary.get("portals", {})),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "through_proxy": bool(settings.get("NIANBAO_PROXY")),  # the offline portal is one
        }
        store = open_store(snapshot.store)
        write_crawl_record(snapshot.crawl_dir, settings)
        delta = write_delta(snapshot.root, store, snapshot.id)
        logger.info("against %s: %s", delta["previous"] or "no earlier snapshot", delta["counts"])
        manifest = seal(snapshot.root, snapshot_id=snapshot.id, scope=scope, counts=summary.get("totals", {}))
        logger.info("sealed snapshot %s: %d files", snapshot.id, len(manifest["resources"]))
        if store.remote:
            status = publish(snapshot.root, store, snapshot.id,
                             patience=settings.getfloat("NIANBAO_STORE_PATIENCE", 600))
            if status["complete"]:
                logger.info("uploaded snapshot %s to %s (%d files, %d retries)",
                            snapshot.id, store, status["uploaded"], status["retries"])
