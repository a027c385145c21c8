"""SnapshotSeal: when the engine has stopped (every other component has closed its files),
index and package the WARC files, then write the snapshot's SHA256SUMS and manifest.json.

Packaging happens here rather than in a spider_closed handler: the WARC writer is closed by the
capture middleware's own spider_closed handler and the corpus is sorted in the pipeline's
close_spider, and Scrapy does not order handlers of one signal; engine_stopped comes after all of
them. Doing it here rather than in the `nianbao` command after the crawl keeps the WACZ and index
inside the seal (listed in the manifest) and in the upload to a remote store, for every way of
starting a crawl (`scrapy crawl` too).
"""

from __future__ import annotations

import json
import logging

from scrapy import signals

from .manifest import seal
from .crawl_log import CRAWL_LOG, detach_crawl_log
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
        seal_snapshot(Snapshot.from_crawler(self.crawler), self.crawler.settings)


def seal_snapshot(snapshot: Snapshot, settings) -> None:
    """Index, package, seal and (to a remote store) upload a snapshot whose crawl has ended."""
    from .wacz import REFERRED, package_snapshot  # here: a crawl killed before its end never needs them

    summary_path = snapshot.crawl_dir / "summary.json"
    summary = json.loads(summary_path.read_text("utf-8")) if summary_path.exists() else {}
    if summary.get("finish_reason") not in (None, "finished"):
        logger.warning("crawl ended (%s): snapshot %s left unsealed", summary.get("finish_reason"), snapshot.id)
        return
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
    package = package_snapshot(snapshot.root, snapshot.id, store)
    logger.info("packaged snapshot %s as %s", snapshot.id, package.name)
    referred = snapshot.root / REFERRED
    if referred.exists():  # its revisits need records of these snapshots (copied into the WACZ)
        scope["depends_on"] = sorted({r["snapshot"] for r in json.loads(referred.read_text("utf-8"))})
    logger.info("sealing snapshot %s", snapshot.id)
    detach_crawl_log(snapshot.crawl_dir / CRAWL_LOG)  # the log the seal hashes must not grow after it
    files = seal(snapshot.root, snapshot_id=snapshot.id, scope=scope, counts=summary.get("totals", {}))
    logger.info("sealed snapshot %s: %d files", snapshot.id, files)
    if store.remote:
        status = publish(snapshot.root, store, snapshot.id,
                         patience=settings.getfloat("NIANBAO_STORE_PATIENCE", 600))
        if status["complete"]:
            logger.info("uploaded snapshot %s to %s (%d files, %d retries)",
                        snapshot.id, store, status["uploaded"], status["retries"])
