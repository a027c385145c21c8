"""A snapshot: one crawl's immutable folder in the store.

Every component of a crawl (the WARC capture middleware, the corpus pipeline, the summary
extension) writes into the same snapshot, so it is created once per crawler and shared. With a
local store the crawl writes in place (`<store>/snapshots/<id>/`); with a remote store it writes
into a local spool folder, uploaded when the snapshot is sealed (see `archive.sealing`).
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .store import open_store, store_uri

DEFAULT_SPOOL = "data/spool"
# an id names a folder (in the store and in the spool): one plain path segment, never `..`
SNAPSHOT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,99}")


def new_snapshot_id(now: datetime | None = None) -> str:
    """An id that sorts by time and does not collide between two crawls started together."""
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def spool_root(spool: str | None = None) -> Path:
    return Path(spool or os.environ.get("NIANBAO_SPOOL") or DEFAULT_SPOOL).expanduser().resolve()


@dataclass(frozen=True)
class Snapshot:
    id: str
    root: Path  # the local folder the crawl writes into
    store: str  # the store URI the snapshot belongs to

    @property
    def key(self) -> str:
        return f"snapshots/{self.id}"

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def crawl_dir(self) -> Path:
        return self.root / "crawl"

    @property
    def upload_status(self) -> Path:
        """Beside the snapshot, not in it: the snapshot's files are sealed before the upload."""
        return self.root.with_name(self.root.name + ".upload.json")

    @classmethod
    def create(cls, store: str | None = None, snapshot_id: str | None = None, spool: str | None = None) -> "Snapshot":
        snapshot_id = snapshot_id or new_snapshot_id()
        if not SNAPSHOT_ID.fullmatch(snapshot_id):
            raise ValueError(f"unsafe snapshot id {snapshot_id!r}")
        uri = store_uri(store)
        target = open_store(uri)
        root = spool_root(spool) / snapshot_id if target.remote else target.path(f"snapshots/{snapshot_id}")
        for sub in ("warc", "corpus", "crawl"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return cls(snapshot_id, root, uri)

    @classmethod
    def from_crawler(cls, crawler) -> "Snapshot":
        """The crawl's snapshot, created on first use from the NIANBAO_* settings."""
        snapshot = getattr(crawler, "_nianbao_snapshot", None)
        if snapshot is None:
            settings = crawler.settings
            snapshot = cls.create(settings.get("NIANBAO_STORE"), settings.get("NIANBAO_SNAPSHOT_ID"),
                                  settings.get("NIANBAO_SPOOL"))
            crawler._nianbao_snapshot = snapshot
        return snapshot
