"""The end of a crawl on many workers: the last worker to stop merges the parts, writes the
coverage of the merged snapshot and seals, once."""

from __future__ import annotations

import logging

from archive.coverage import PORTALS_FILE
from archive.merge import merge_parts
from archive.sealing import seal_snapshot
from archive.snapshot import Snapshot

from ..coverage_report import write_snapshot_coverage

logger = logging.getLogger(__name__)


def unfinished(server, key: str) -> int:
    """Requests queued or taken and not done, over the whole cluster."""
    return server.zcard(f"{key}:ready") + sum(server.hlen(k) for k in server.scan_iter(match=f"{key}:flight:*"))


def finish_if_last(crawler, server, key: str) -> None:
    settings = crawler.settings
    me = settings.get("NIANBAO_CLUSTER_WORKER")
    running = [w.decode() for w in server.smembers(f"{key}:workers") if server.exists(f"{key}:alive:{w.decode()}")]
    if running:
        logger.info("worker %s done; %d others still running (%s): the last one seals", me, len(running), ", ".join(sorted(running)))
        return
    left = unfinished(server, key)
    if left:
        logger.warning("worker %s done, no other worker running, %d requests unfinished: the snapshot stays open; "
                       "start the crawl again with the same command (and REDIS_URL) to go on", me, left)
        return
    if not server.set(f"{key}:sealing", me, nx=True):
        return
    snapshot = Snapshot.create(settings.get("NIANBAO_STORE"), settings.get("NIANBAO_SNAPSHOT_ID"), settings.get("NIANBAO_SPOOL"))
    logger.info("worker %s is the last: merging the workers' parts of snapshot %s", me, snapshot.id)
    merge_and_seal(snapshot, settings)
    # the crawl is done: the same command starts a new one (as with a job directory)
    for stale in server.scan_iter(match=f"{key}:*"):
        server.delete(stale)


def merge_and_seal(snapshot: Snapshot, settings) -> None:
    """Merge the workers' parts into the snapshot, write its coverage, seal it."""
    for note in merge_parts(snapshot.root, snapshot.id):
        logger.warning("merging snapshot %s: %s", snapshot.id, note)
    logger.info("merged the workers' parts of snapshot %s", snapshot.id)
    if (snapshot.root / PORTALS_FILE).exists():
        write_snapshot_coverage(snapshot.root, snapshot.id)
    seal_snapshot(snapshot, settings)
