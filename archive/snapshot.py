"""A snapshot: one crawl's immutable folder in the store.

Every component of a crawl (the WARC capture middleware, the corpus pipeline, the summary
extension) writes into the same snapshot, so it is created once per crawler and shared.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_STORE = "data"


def new_snapshot_id(now: datetime | None = None) -> str:
    """An id that sorts by time and does not collide between two crawls started together."""
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def store_root(uri: str | None) -> Path:
    """The local folder of a store URI (a path or file://…)."""
    uri = uri or os.environ.get("NIANBAO_STORE") or DEFAULT_STORE
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if "://" in uri:
        raise ValueError(f"unsupported store {uri!r}: only local paths and file:// for now")
    return Path(uri).expanduser().resolve()


@dataclass(frozen=True)
class Snapshot:
    id: str
    root: Path

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def crawl_dir(self) -> Path:
        return self.root / "crawl"

    @classmethod
    def create(cls, store: str | None = None, snapshot_id: str | None = None) -> "Snapshot":
        snapshot_id = snapshot_id or new_snapshot_id()
        root = store_root(store) / "snapshots" / snapshot_id
        for sub in ("warc", "corpus", "crawl"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return cls(snapshot_id, root)

    @classmethod
    def from_crawler(cls, crawler) -> "Snapshot":
        """The crawl's snapshot, created on first use from the NIANBAO_* settings."""
        snapshot = getattr(crawler, "_nianbao_snapshot", None)
        if snapshot is None:
            settings = crawler.settings
            snapshot = cls.create(settings.get("NIANBAO_STORE"), settings.get("NIANBAO_SNAPSHOT_ID"))
            crawler._nianbao_snapshot = snapshot
        return snapshot
