"""ClusterAddon: with REDIS_URL set, this crawl is one worker of a crawl shared through Redis.

It swaps in the cluster's scheduler, duplicate filter and acknowledgements, names the worker
(NIANBAO_CLUSTER_WORKER, default host-pid) and its snapshot part and WARC prefix, and agrees on
the snapshot id with the other workers through Redis: the first worker's id (or
NIANBAO_SNAPSHOT_ID) is everybody's, until the crawl is sealed. Without REDIS_URL it does nothing.
"""

from __future__ import annotations

import os
import re
import socket

from scrapy.settings import SETTINGS_PRIORITIES

from archive.snapshot import is_sealed, new_snapshot_id

PRIORITY = "addon"
REDIS_RETRIES = 60  # about two minutes of a Redis server that does not answer


def default_worker_name() -> str:
    host = re.sub(r"[^0-9A-Za-z_]", "_", socket.gethostname()) or "localhost"
    return f"{host}_{os.getpid()}"


class ClusterAddon:
    def __init__(self, crawler):
        self.spider_name = crawler.spidercls.name

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def update_settings(self, settings):
        if not settings.get("REDIS_URL"):
            return
        # imported here: a crawl without Redis (every crawl on one machine) need not pay for them
        import redis
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry
        from scrapy_redis.connection import get_redis_from_settings

        key = f"nianbao:{self.spider_name}"
        worker = settings.get("NIANBAO_CLUSTER_WORKER") or default_worker_name()
        server = get_redis_from_settings(settings)
        wanted = settings.get("NIANBAO_SNAPSHOT_ID") or new_snapshot_id()
        server.set(f"{key}:snapshot", wanted, nx=True)
        snapshot_id = server.get(f"{key}:snapshot").decode()
        if is_sealed(settings.get("NIANBAO_STORE"), snapshot_id, settings.get("NIANBAO_SPOOL")):
            # a worker started after its crawl was over: it must not write into a sealed snapshot
            raise RuntimeError(f"the crawl of snapshot {snapshot_id} is over (sealed): this worker has nothing to do")
        # over the project's defaults (None there): these make the process a worker of this crawl
        for name, value in {
            "NIANBAO_CLUSTER_KEY": key,
            "NIANBAO_CLUSTER_WORKER": worker,
            "NIANBAO_SNAPSHOT_ID": snapshot_id,
            "NIANBAO_SNAPSHOT_PART": worker,
            "NIANBAO_WARC_PREFIX": f"nianbao-{worker}",
            "SCHEDULER": "crawler.cluster.scheduler.ClusterScheduler",
            "SCHEDULER_QUEUE_CLASS": "crawler.cluster.frontier.HostFrontier",
            "SCHEDULER_QUEUE_KEY": key,
            "SCHEDULER_DUPEFILTER_KEY": f"{key}:dupefilter",
            "DUPEFILTER_CLASS": "crawler.cluster.scheduler.ClusterDupeFilter",
            "SCHEDULER_PERSIST": True,
            "JOBDIR": None,  # the frontier in Redis is the job's state
            # Redis restarted (or failed over) mid-crawl: the worker waits for it rather than failing
            "REDIS_PARAMS": {"retry": Retry(ExponentialBackoff(cap=2.0, base=0.05), REDIS_RETRIES),
                             "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
                             **settings.getdict("REDIS_PARAMS")},
        }.items():
            settle(settings, name, value)
        # the last worker seals the merged snapshot (crawler.cluster.finish), not each worker its part
        add_components(settings, "EXTENSIONS", {"archive.sealing.SnapshotSeal": None,
                                                "crawler.cluster.tracking.ClusterWorker": 950})
        add_components(settings, "SPIDER_MIDDLEWARES", {"crawler.cluster.tracking.AckSpiderMiddleware": 1})
        add_components(settings, "DOWNLOADER_MIDDLEWARES", {"crawler.cluster.tracking.AckFailedDownloads": 1})


def settle(settings, name: str, value) -> None:
    """Set a value over the project's default, never below the priority it already has."""
    settings.set(name, value, priority=max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES[PRIORITY]))


def add_components(settings, name: str, components: dict) -> None:
    settle(settings, name, {**settings.getdict(name), **components})
