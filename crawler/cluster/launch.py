"""`nianbao crawl --redis URL --workers N`: N worker processes on this machine, one crawl.

Each worker is a plain `scrapy crawl` with REDIS_URL and the command's settings (so the same
crawl can be joined from other machines with `scrapy crawl … -s REDIS_URL=…`). Workers are named
after the machine and their number, so the same command started again after a crash gives each
worker back its own part and the requests it had taken.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import redis
from scrapy.settings import SETTINGS_PRIORITIES

from archive.snapshot import new_snapshot_id
from crawler.errors import UserError


def cluster_snapshot_id(redis_url: str, spider: str, wanted: str | None) -> str:
    """The snapshot of the crawl going on in Redis, or a new one (`wanted` if given)."""
    key = f"nianbao:{spider}:snapshot"
    try:
        server = redis.Redis.from_url(redis_url)
        server.set(key, wanted or new_snapshot_id(), nx=True)
        return server.get(key).decode()
    except (ValueError, redis.RedisError) as error:
        raise UserError(f"cannot use Redis at {redis_url}: {error}") from None


def worker_names(count: int) -> list[str]:
    host = re.sub(r"[^0-9A-Za-z_]", "_", socket.gethostname()) or "localhost"
    return [f"{host}_w{i}" for i in range(1, count + 1)]


def run_workers(spider: str, spider_args: dict, settings, workers: int) -> int:
    """Run the workers to their end; the highest exit status."""
    if workers < 1:
        raise UserError(f"--workers must be 1 or more, got {workers}")
    given = {name: value for name, value in settings.items()
             if settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"] and value is not None}
    procs = []
    for name in worker_names(workers):
        command = [sys.executable, "-m", "scrapy", "crawl", spider,
                   *[arg for k, v in {**given, "NIANBAO_CLUSTER_WORKER": name}.items() for arg in ("-s", f"{k}={v}")],
                   *[arg for k, v in spider_args.items() for arg in ("-a", f"{k}={v}")]]
        procs.append(subprocess.Popen(command, env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}))
    return max(proc.wait() for proc in procs)
