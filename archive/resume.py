"""Resume after a crash: the snapshot's WARC files are the crawl's journal.

Scrapy's job directory keeps its request queue in files written when the crawl closes, so after a
SIGKILL they are stale while `requests.seen` already lists requests that were never made: a
crawl resumed from them would stop at once or lose pages. A crawl that finds its snapshot already
started (the snapshot id is kept in the job directory, see `archive.snapshot`) therefore

1. repairs the WARC file the kill left `.open`: keeps every complete exchange (up to its last
   metadata record; a torn gzip member and a half-written exchange go), renames it closed;
2. drops Scrapy's request state in the job directory and leftovers of an interrupted sealing;
3. starts again from the start URLs and answers every request whose final answer is already
   archived from the WARC (`ReplayArchivedMiddleware`), so callbacks see the same pages and the
   crawl finds the same requests, fetching from the network only what was not archived yet. With
   a job directory, a callback that went to its end on an archived page in the killed run is not
   run again: `crawler.frontier` yields what it journaled then (a layer above this one), and does
   not even ask this layer for an answer whose journaled output needs no page.

Only a final answer stands in for the network. An archived answer the crawl would have asked
again (a status of RETRY_HTTP_CODES, an anti-bot challenge, a cut or empty body) says nothing
about what the next attempt gets: the request goes to the network as in an uninterrupted crawl,
its retry budget counted afresh (the archived attempt is not counted: a kill costs a host at most
RETRY_TIMES more requests, never a report). What the browser fetched is never replayed, and a
request for the browser is never answered from the WARC: a clearance cookie lives in a browser
that died with the crawl, so a resumed crawl meets the challenge and solves it again.

The corpus writer skips documents already written (`pipelines.corpus`), so nothing is lost or
written twice. Nothing of this depends on the proxy's port: requests go to the real URLs.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from scrapy.utils.job import job_dir

from .item_refs import CAPTURE_META_KEY
from .records import Capture, RecordReader, archived_payload, archived_response, gzip_members, latest_by_url, scan_snapshot
from .snapshot import Snapshot
from .store import open_store
from .warc import payload_digest

logger = logging.getLogger(__name__)

WARC_TYPE = re.compile(rb"^WARC-Type:\s*(\S+)", re.M)
EXCHANGE_END = (b"warcinfo", b"metadata")  # an exchange ends with its metadata record
SCRAPY_JOB_STATE = ("requests.queue", "requests.seen")
REPLAYED = "replayed"
EMPTY_PAYLOAD = payload_digest(b"")
# what anti-bot challenges answer (crawler/challenges.py: 瑞数 412 or 202, 加速乐 521): never final
CHALLENGE_STATUSES = frozenset({202, 412, 521})


def repair_open_warc(path: Path) -> str:
    """Cut a `.open` WARC file after its last complete exchange and close it; what was done."""
    keep = 0
    with open(path, "rb") as stream:
        for _, end, head in gzip_members(stream):
            found = WARC_TYPE.search(head)
            if found and found.group(1) in EXCHANGE_END:
                keep = end
    size = path.stat().st_size
    if keep == 0:
        path.unlink()
        return f"{path.name}: nothing complete, removed"
    with open(path, "r+b") as stream:
        stream.truncate(keep)
        stream.flush()
        os.fsync(stream.fileno())
    closed = path.with_name(path.name[: -len(".open")])
    os.replace(path, closed)
    return f"{closed.name}: kept {keep} of {size} bytes"


def prepare_resume(snapshot: Snapshot, jobdir: str | None) -> list[str]:
    """Make a started snapshot ready to go on: repaired WARCs, no stale Scrapy state or partial files."""
    notes = [repair_open_warc(p) for p in sorted(snapshot.warc_dir.glob("*.warc.gz.open"))]
    for leftover in snapshot.root.rglob("*.part"):
        leftover.unlink()
        notes.append(f"removed {leftover.relative_to(snapshot.root)}")
    if jobdir:
        for name in SCRAPY_JOB_STATE:
            state = Path(jobdir) / name
            if state.is_dir():
                shutil.rmtree(state)
            elif state.exists():
                state.unlink()
    return notes


def replayed_response(request, capture: Capture, reader: RecordReader):
    """The archived response, as the downloader gave it the first time (body still encoded)."""
    status, headers, payload = archived_payload(capture, reader)
    return archived_response(request, capture.url, status, headers, payload, ["cached", REPLAYED])


def archived_captures(crawler) -> list[Capture]:
    """What this crawl's snapshot already holds (nothing for a new crawl), after repairing what a
    kill left; computed once per crawl, for the replay and for the WARC writer's dedupe."""
    if not hasattr(crawler, "_nianbao_archived"):
        snapshot = Snapshot.from_crawler(crawler)
        # Scrapy's request state goes whatever happened: this crawl starts from its start URLs
        for note in prepare_resume(snapshot, job_dir(crawler.settings)):
            logger.warning("resuming snapshot %s: %s", snapshot.id, note)
        found = any(snapshot.warc_dir.glob("*.warc.gz"))
        crawler._nianbao_archived = scan_snapshot(open_store(snapshot.store), snapshot.id, snapshot.warc_dir) if found else []
    return crawler._nianbao_archived


def final_answers(captures: list[Capture], retried: frozenset[int]) -> dict[str, Capture]:
    """URL → its last archived answer by Scrapy's downloader, where that answer was final."""
    transient = retried | CHALLENGE_STATUSES
    fetched = latest_by_url([c for c in captures if c.meta.get("via") != "browser"])
    return {url: c for url, c in fetched.items()
            if c.payload_at and not c.truncated and c.digest != EMPTY_PAYLOAD and c.status not in transient}


def replayable(crawler) -> dict[str, Capture]:
    """URL → the final answer this crawl's snapshot already archived (`final_answers`); computed
    once per crawl, for the replay and for what `crawler.frontier` need not even replay."""
    if not hasattr(crawler, "_nianbao_replayable"):
        retried = frozenset(int(s) for s in crawler.settings.getlist("RETRY_HTTP_CODES"))
        crawler._nianbao_replayable = final_answers(archived_captures(crawler), retried)
    return crawler._nianbao_replayable


class ReplayArchivedMiddleware:
    """Answers requests this snapshot already archived, when a crawl resumes (see the module doc)."""

    def __init__(self, crawler):
        self.crawler = crawler
        snapshot = Snapshot.from_crawler(crawler)
        captures = archived_captures(crawler)
        self.archived = replayable(crawler)
        self.reader = RecordReader(open_store(snapshot.store), snapshot.id, snapshot.warc_dir)
        if not captures:
            return
        crawler.stats.set_value("nianbao/resumed", True)
        logger.warning("resuming snapshot %s: %d URLs already archived are answered from its WARC files",
                       snapshot.id, len(self.archived))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        capture = self.archived.get(request.url)
        if capture is None or request.method != "GET" or request.meta.get("playwright"):
            return None
        # the same response, location and all: items read from it carry the original WARC reference
        request.meta[CAPTURE_META_KEY] = capture.ref()
        self.crawler.stats.inc_value("nianbao/replayed")
        return replayed_response(request, capture, self.reader)
