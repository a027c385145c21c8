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


PARTS = "parts"  # the workers' folders of a crawl on many workers, until it is sealed
JOB_MARKER = "nianbao_snapshot_id"  # in Scrapy's job directory: the snapshot a resumed crawl goes on writing


def snapshot_id_for(settings) -> str:
    """NIANBAO_SNAPSHOT_ID if set; else, with a JOBDIR, the snapshot that job started, unless
    it was sealed (then the job is done, and the same command starts a new crawl); else a new id,
    recorded in the JOBDIR so a crawl killed and started again goes on in the same snapshot."""
    explicit = settings.get("NIANBAO_SNAPSHOT_ID")
    jobdir = settings.get("JOBDIR")
    if explicit or not jobdir:
        return explicit or new_snapshot_id()
    marker = Path(jobdir) / JOB_MARKER
    if marker.exists():
        started = marker.read_text().strip()
        if started and not is_sealed(settings.get("NIANBAO_STORE"), started, settings.get("NIANBAO_SPOOL")):
            return started
    snapshot_id = new_snapshot_id()
    marker.parent.mkdir(parents=True, exist_ok=True)
    partial = marker.with_name(JOB_MARKER + ".part")
    partial.write_text(snapshot_id)
    partial.replace(marker)
    return snapshot_id


def is_sealed(store: str | None, snapshot_id: str, spool: str | None = None) -> bool:
    """Whether the snapshot has its manifest, in its local folder (the spool's) or in the store."""
    if (Snapshot.locate(store, snapshot_id, spool) / "manifest.json").exists():
        return True
    try:
        return open_store(store_uri(store)).exists(f"snapshots/{snapshot_id}/manifest.json")
    except Exception:  # a store that cannot be reached now: the local folder decides
        return False


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

    @staticmethod
    def locate(store: str | None, snapshot_id: str, spool: str | None = None) -> Path:
        """The local folder a crawl writes this snapshot into."""
        target = open_store(store_uri(store))
        return spool_root(spool) / snapshot_id if target.remote else target.path(f"snapshots/{snapshot_id}")

    @classmethod
    def create(cls, store: str | None = None, snapshot_id: str | None = None, spool: str | None = None) -> "Snapshot":
        snapshot_id = snapshot_id or new_snapshot_id()
        if not SNAPSHOT_ID.fullmatch(snapshot_id):
            raise ValueError(f"unsafe snapshot id {snapshot_id!r}")
        uri = store_uri(store)
        root = cls.locate(uri, snapshot_id, spool)
        for sub in ("warc", "corpus", "crawl"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return cls(snapshot_id, root, uri)

    @classmethod
    def from_crawler(cls, crawler) -> "Snapshot":
        """The crawl's snapshot, created on first use from the NIANBAO_* settings."""
        snapshot = getattr(crawler, "_nianbao_snapshot", None)
        if snapshot is None:
            settings = crawler.settings
            snapshot = cls.create(settings.get("NIANBAO_STORE"), snapshot_id_for(settings), settings.get("NIANBAO_SPOOL"))
            if settings.get("NIANBAO_SNAPSHOT_PART"):  # one of many workers: its own part, merged when sealed
                snapshot = snapshot.part(settings.get("NIANBAO_SNAPSHOT_PART"))
            crawler._nianbao_snapshot = snapshot
        return snapshot

    def part(self, worker: str) -> "Snapshot":
        """The folder one worker of a crawl writes in (`parts/<worker>/`), same id and store."""
        if not SNAPSHOT_ID.fullmatch(worker):
            raise ValueError(f"unsafe worker name {worker!r}")
        root = self.root / PARTS / worker
        for sub in ("warc", "corpus", "crawl"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return Snapshot(self.id, root, self.store)
