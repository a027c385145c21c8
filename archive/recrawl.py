"""Incremental recrawl: the previous complete snapshot of the store tells what is already archived.

`ConditionalRequestMiddleware` (priority 940, under the WARC capture) sends `If-None-Match` and
`If-Modified-Since` for a URL whose last capture in the previous snapshot had an `ETag` or a
`Last-Modified`. A 304 is archived by the capture middleware as a revisit record (server-not-
modified profile) pointing at the record that holds the payload; this middleware then hands the
spider that payload, with the headers it came with, so the page is read again and the corpus stays
complete. A 200 whose payload the previous snapshot already holds becomes an identical-payload-
digest revisit (`WarcWriter.first_captures` is seeded from `PreviousSnapshot.payloads`).
NIANBAO_INCREMENTAL = False turns both off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .delta import previous_snapshot
from .records import Capture, RecordReader, archived_response, latest_by_url, scan_snapshot
from .snapshot import Snapshot
from .store import LocalStore, open_store
from .warc import FirstCapture

logger = logging.getLogger(__name__)

PREVIOUS_META_KEY = "nianbao_previous"  # the FirstCapture a conditional request's validators came from
VALIDATED_META_KEY = "nianbao_validated_url"  # the URL the conditional headers were added for
NOT_MODIFIED = "not-modified"
VALIDATORS = ("etag", "last-modified")  # what the previous snapshot's captures keep of their headers


def first_capture(c: Capture) -> FirstCapture:
    """The record holding a capture's payload: the capture itself, or what its revisit refers to."""
    if c.revisit:
        return FirstCapture(c.refers_to_uri, c.refers_to_date, c.refers_to, c.digest, c.payload_at)
    return FirstCapture(c.url, c.date, c.record_id, c.digest, c.location)


@dataclass
class PreviousSnapshot:
    id: str | None = None
    captures: list[Capture] = field(default_factory=list)
    reader: RecordReader | None = None

    @classmethod
    def from_crawler(cls, crawler) -> "PreviousSnapshot":
        if not hasattr(crawler, "_nianbao_previous"):
            crawler._nianbao_previous = cls.load(crawler)
        return crawler._nianbao_previous

    @classmethod
    def load(cls, crawler) -> "PreviousSnapshot":
        if not crawler.settings.getbool("NIANBAO_INCREMENTAL", True):
            return cls()
        snapshot = Snapshot.from_crawler(crawler)
        store = open_store(snapshot.store)
        try:
            before = previous_snapshot(store, snapshot.id)
            if before is None:
                return cls()
            local = store.path(f"snapshots/{before}/warc") if isinstance(store, LocalStore) else None
            captures = scan_snapshot(store, before, local, headers=VALIDATORS)
        except Exception as exc:  # an unreadable store must not stop the crawl: it is then a full one
            logger.warning("previous snapshot unreadable (%s: %s): not an incremental crawl", type(exc).__name__, exc)
            return cls()
        logger.info("incremental crawl against snapshot %s (%d captures)", before, len(captures))
        return cls(before, captures, RecordReader(store, snapshot.id, snapshot.warc_dir))

    def payloads(self) -> dict[str, FirstCapture]:
        """payload digest → the record holding it, for identical-payload revisits."""
        out = {}
        for c in self.captures:
            if c.digest and c.payload_at and not c.truncated and (c.revisit or c.status != 304):
                out.setdefault(c.digest, first_capture(c))
        return out

    def latest(self) -> dict[str, Capture]:
        return {u: c for u, c in latest_by_url(self.captures).items() if c.payload_at and c.status in (200, 304)}


class ConditionalRequestMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.previous = PreviousSnapshot.from_crawler(crawler)
        self.latest = self.previous.latest()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        meta = request.meta
        if meta.get(VALIDATED_META_KEY) not in (None, request.url):
            # a redirect copied the headers added for another URL: they would validate the wrong page
            for name in (b"If-None-Match", b"If-Modified-Since"):
                request.headers.pop(name, None)
            meta.pop(PREVIOUS_META_KEY, None)
            meta.pop(VALIDATED_META_KEY, None)
        before = self.latest.get(request.url) if request.method == "GET" else None
        if before is None or b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return None
        etag, modified = before.header("ETag"), before.header("Last-Modified")
        if not (etag or modified):
            return None
        if etag:
            request.headers[b"If-None-Match"] = etag
        if modified:
            request.headers[b"If-Modified-Since"] = modified
        meta[PREVIOUS_META_KEY] = first_capture(before)
        meta[VALIDATED_META_KEY] = request.url
        self.crawler.stats.inc_value("nianbao/conditional_requests")
        return None

    def process_response(self, request, response):
        before = request.meta.get(PREVIOUS_META_KEY)
        if response.status != 304 or before is None or "cached" in response.flags:
            return response
        # the capture middleware has archived the 304 as a revisit; the spider reads the payload it confirms
        self.crawler.stats.inc_value("nianbao/not_modified")
        headers, payload = self.previous.reader.record(before.location)
        return archived_response(request, response.url, 200, headers, payload, [NOT_MODIFIED])
