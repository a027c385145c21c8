"""FrontierJournal: what each archived page's callback yielded, so a resumed crawl need not read it again.

A resumed crawl answers every request already archived from the WARC (`archive.resume`) and would
run the callback again on it: parse the page again only to find the requests and items it had found
before. With a job directory, this spider middleware (the spider's neighbour) writes down, for every
response a callback went through to its end, what the callback yielded and what it changed in the
spider (`PortalSpider.apply_changes`: steps counted, hosts admitted into the scope): one record a
callback, appended to `<JOBDIR>/frontier-<snapshot id>.journal` as the crawl goes. A resumed crawl
given the same archived response (the same WARC record) for the same request yields that instead
of calling the callback. The page's text and body are not copied into the journal: the items and
requests that hold them take them from the replayed response again.

A kill between archiving a response and journaling its callback (or in the middle of a record: the
torn tail is cut) only means that callback runs again, as without the journal. A response fetched
anew (a transient answer asked again, what the browser fetched) always goes to its callback.

A journaled answer whose output needs no page (`needs_no_page`) is not even replayed:
`UnscheduledJournaled` hands its archived headers to the scraper without the scheduler, the
downloader or a WARC read.
"""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import struct
import zlib
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from pathlib import Path

from scrapy import Request, signals
from scrapy.core.scheduler import Scheduler
from scrapy.http import TextResponse
from scrapy.utils.job import job_dir
from scrapy.utils.request import request_from_dict

from archive.item_refs import CAPTURE_META_KEY
from archive.records import archived_response
from archive.resume import REPLAYED, replayable

from .items import HELD_PAGE_KEY
from .scope import crawl_hosts, in_scope

logger = logging.getLogger(__name__)

REQUEST_KEY = "nianbao_request"  # meta: digest of the request as the spider made it (callback and meta)
UNJOURNALED = "-"  # a request whose meta cannot be pickled: its callback is never journaled
JOURNALED_KEY = "nianbao_journaled"  # meta: an archived answer whose callback's output is journaled
HEADER = struct.Struct("<II")  # a record's length and CRC-32
END = object()  # a callback's output is over


def request_digest(request: Request) -> str:
    """What a request is, as far as its callback is concerned: callback, method, URL, body and the meta
    the spider gave it (before any middleware added its own)."""
    callback = getattr(request.callback, "__name__", None)
    state = (callback, request.method, request.url, request.body, sorted(request.meta.items()))
    try:
        return hashlib.sha256(pickle.dumps(state, protocol=5)).hexdigest()[:24]
    except (pickle.PicklingError, TypeError, AttributeError):
        return UNJOURNALED


def request_record(request: Request, spider) -> dict:
    """The request as `request_from_dict` takes it back, as it is now (middlewares change its meta
    later). `Request.to_dict` finds a callback's name by listing every member of the spider, for
    each request: here it is the bound method's own name."""
    record = {attr: getattr(request, attr) for attr in request.attributes}
    record.update(headers=dict(request.headers), meta=dict(request.meta), cookies=request.cookies,
                  callback=spider_method(request.callback, spider), errback=spider_method(request.errback, spider))
    if type(request) is not Request:
        record["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    return record


def spider_method(function, spider) -> str | None:
    if function is None:
        return None
    if getattr(function, "__self__", None) is not spider:
        raise ValueError(f"{function!r} is no method of the spider")
    return function.__name__


class ResponsePickler(pickle.Pickler):
    """Pickles a callback's output without the response's text and body (or a page held in its
    request): the record names them, and they are taken from the replayed response again."""

    def __init__(self, stream, response):
        super().__init__(stream, protocol=5)
        self.shared = {id(response.body): "body"}
        if response.meta.get(HELD_PAGE_KEY) is not None:
            self.shared[id(response.meta[HELD_PAGE_KEY])] = "held"
        if isinstance(response, TextResponse):
            self.shared[id(response.text)] = "text"

    def persistent_id(self, obj):
        return self.shared.get(id(obj))


class ResponseUnpickler(pickle.Unpickler):
    def __init__(self, stream, response):
        super().__init__(stream)
        self.response = response

    def persistent_load(self, name):
        if name == "text":
            return self.response.text
        if name == "body":
            return self.response.body
        return self.response.meta.get(HELD_PAGE_KEY)


PAGE_REF = object()  # what a journaled output names of its page, while `needs_no_page` looks at it


class PageRefs(pickle.Unpickler):
    def __init__(self, stream):
        super().__init__(stream)
        self.refs = []

    def persistent_load(self, name):
        self.refs.append(name)
        return PAGE_REF


def needs_no_page(journaled: bytes, capture, settled) -> bool:
    """Whether a journaled output can be yielded without its page: it names none of the page (text,
    body, a page held in the request), or only in report pages and files `settled(item)` says will
    not be read (their document or not-a-report verdict is known; `capture` is theirs)."""
    unpickler = PageRefs(io.BytesIO(journaled))
    _, outputs = unpickler.load()
    if not unpickler.refs:
        return True
    if "held" in unpickler.refs:
        return False
    covered = 0
    for kind, output in outputs:
        if kind == "request":
            if HELD_PAGE_KEY in output["meta"]:
                return False
            continue
        if not is_dataclass(output):
            return False
        refs = sum(getattr(output, f.name) is PAGE_REF for f in fields(output))
        if refs:
            if getattr(output, "capture", "absent") is None:  # as archive.item_refs gives it
                output.capture = capture
            if not settled(output):
                return False
            covered += refs
    return covered == len(unpickler.refs)


def read_records(path: Path) -> dict[tuple[str, str], bytes]:
    """(WARC record id, request digest) → pickled output, of the whole records; a torn tail is cut."""
    records, good = {}, 0
    if not path.exists():
        return records
    with open(path, "r+b") as stream:
        data = stream.read()
        while good + HEADER.size <= len(data):
            length, crc = HEADER.unpack_from(data, good)
            start, end = good + HEADER.size, good + HEADER.size + length
            if end > len(data) or zlib.crc32(data[start:end]) != crc:
                break
            record_id, digest, output = pickle.loads(data[start:end])
            records[(record_id, digest)] = output
            good = end
        if good < len(data):
            stream.truncate(good)
    return records


def journal_path(crawler) -> Path | None:
    folder, snapshot_id = job_dir(crawler.settings), crawler.settings.get("NIANBAO_SNAPSHOT_ID")
    return Path(folder) / f"frontier-{snapshot_id}.journal" if folder and snapshot_id else None


def journaled_records(crawler) -> dict[tuple[str, str], bytes]:
    """This crawl's journal as the killed run left it (a torn tail cut); read once per crawl, for
    the spider middleware and the downloader middleware alike."""
    if not hasattr(crawler, "_nianbao_journal"):
        path = journal_path(crawler)
        if path is not None:
            for other in path.parent.glob("frontier-*.journal"):  # an earlier snapshot's: done with
                if other != path:
                    other.unlink()
        crawler._nianbao_journal = read_records(path) if path is not None else {}
    return crawler._nianbao_journal


def journal_key(meta: dict) -> tuple[str, str] | None:
    """(WARC record id, request digest) of the answer to a request (its meta); None: its callback
    is not journaled."""
    capture = meta.get(CAPTURE_META_KEY)
    request = meta.get(REQUEST_KEY, "")  # none: a start request
    return None if capture is None or request == UNJOURNALED else (capture.record_id, request)


class JournaledAnswers:
    """Downloader middleware just below the replay: marks an archived answer whose callback is
    journaled (`JOURNALED_KEY`), so that the checks it passed before are not made again on it
    (`crawler.guards.SoftNotFoundMiddleware`): it went to its callback, the same bytes then."""

    def __init__(self, crawler):
        self.records = journaled_records(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if self.records and REPLAYED in response.flags and journal_key(request.meta) in self.records:
            request.meta[JOURNALED_KEY] = True  # (the response is tied to its request only later)
        return response


class UnscheduledJournaled:
    """Spider middleware on the engine's side of all others: a request the spider yields, whose final
    answer is archived and whose callback's output on it is journaled without any reference to the
    page (no text, body or held page to take from it), is neither scheduled nor downloaded nor read
    back from the WARC. The scheduler's duplicate filter still sees it (and drops it, as the
    scheduler would), and its archived answer, headers without a body, goes straight to the scraper
    (`response_received` sent, as the engine does): `FrontierJournal` yields the journaled output
    instead of the callback's, and every spider middleware sees the answer and its output as after
    a download. What needs the page (a report to read, a page held for its file), an answer that is
    no 200 (a redirect, an error) or that set a cookie, and what the browser fetches, are replayed
    through the downloader as before (`archive.resume`). Not in a cluster: its scheduler is shared."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.records = journaled_records(crawler)
        self.answers = replayable(crawler) if self.records else {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_output(self, response, result):
        for output in result:
            if not self.answered(output):
                yield output

    async def process_spider_output_async(self, response, result):
        async for output in result:
            if not self.answered(output):
                yield output

    def answered(self, request) -> bool:
        """Whether the request was taken care of here (dropped as a duplicate, or its answer scraped)."""
        if not self.answers or not isinstance(request, Request):
            return False
        capture = self.answers.get(request.url)
        if (capture is None or capture.status != 200 or request.method != "GET" or request.meta.get("render")
                or request.meta.get("playwright") or capture.header("Set-Cookie") is not None):
            return False
        journaled = self.records.get((capture.record_id, request.meta.get(REQUEST_KEY, "")))
        engine, spider = self.crawler.engine, self.crawler.spider
        scheduler = engine.scheduler
        written = getattr(self.crawler, "_nianbao_written", None)
        if (journaled is None or type(scheduler) is not Scheduler or not in_scope(request.url, crawl_hosts(spider))
                or not needs_no_page(journaled, capture.ref(), written.settled if written else lambda item: False)):
            return False
        if not request.dont_filter and scheduler.df.request_seen(request):
            scheduler.df.log(request, spider)
            return True
        request.meta[CAPTURE_META_KEY] = capture.ref()
        request.meta[JOURNALED_KEY] = True
        self.crawler.stats.inc_value("nianbao/replayed")
        self.crawler.stats.inc_value("nianbao/unscheduled")
        answer = archived_response(request, capture.url, capture.status, capture.headers, b"", ["cached", REPLAYED])
        self.crawler.signals.send_catch_log(signals.response_received, response=answer, request=request, spider=spider)
        engine.scraper.enqueue_scrape(answer, request)
        return True


class CallbackRecord:
    """What one callback yields and changes in the spider as it runs, for the journal; the spider
    notes its changes (`journal_changes`) only while the callback runs to its next output."""

    def __init__(self, spider):
        self.spider, self.changes, self.outputs = spider, [], []

    @contextmanager
    def step(self):
        self.spider.journal_changes = self.changes
        try:
            yield
        finally:
            self.spider.journal_changes = None

    def noted(self, output):
        if isinstance(output, Request):
            output.meta[REQUEST_KEY] = request_digest(output)
            try:
                self.outputs.append(("request", request_record(output, self.spider)))
            except ValueError:  # a callback that is no method of the spider: not journaled
                self.outputs.append(None)
        else:
            self.outputs.append(("item", output))
        return output

    def entry(self) -> tuple[list, list] | None:
        return None if None in self.outputs else (self.changes, self.outputs)


class FrontierJournal:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stream = None
        self.records = journaled_records(crawler)
        path = journal_path(crawler)
        if path is not None:
            self.stream = open(path, "ab")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def journaled(self, response):
        """(key, the journaled output or None) of a response; key None: not to journal."""
        spider = self.crawler.spider
        if self.stream is None or response is None or not hasattr(spider, "apply_changes"):
            return None, None
        key = journal_key(response.meta)
        if key is None:
            return None, None
        return key, (self.records.get(key) if REPLAYED in response.flags else None)

    # Scrapy hands a generator callback's output over as an async iterator, each step of which runs
    # the callback to its next output at once; the sync twin serves sync chains. Both only step the
    # iterator: what is journaled is decided and written by `journaled`, `CallbackRecord`, `write`.
    def process_spider_output(self, response, result):
        key, journaled = self.journaled(response)
        if journaled is not None:
            yield from self.replay(response, journaled)
            return
        if key is None:
            yield from result
            return
        record, iterator = CallbackRecord(self.crawler.spider), iter(result)
        while True:
            with record.step():
                output = next(iterator, END)
            if output is END:
                break
            yield record.noted(output)
        self.write(key, response, record.entry())  # it went to its end: this stands for it on resume

    async def process_spider_output_async(self, response, result):
        key, journaled = self.journaled(response)
        if journaled is not None:
            for output in self.replay(response, journaled):
                yield output
            return
        if key is None:
            async for output in result:
                yield output
            return
        record, iterator = CallbackRecord(self.crawler.spider), aiter(result)
        while True:
            with record.step():
                output = await anext(iterator, END)
            if output is END:
                break
            yield record.noted(output)
        self.write(key, response, record.entry())

    def replay(self, response, journaled: bytes):
        spider = self.crawler.spider
        changes, outputs = ResponseUnpickler(io.BytesIO(journaled), response).load()
        spider.apply_changes(changes)
        self.crawler.stats.inc_value("nianbao/journaled")
        for kind, output in outputs:
            yield request_from_dict(output, spider=spider) if kind == "request" else output

    def write(self, key, response, entry) -> None:
        if entry is None:
            return
        stream = io.BytesIO()
        try:
            ResponsePickler(stream, response).dump(entry)
        except (pickle.PicklingError, TypeError, AttributeError) as error:  # the callback runs again on resume
            logger.debug("%s: output not journaled (%s)", response.url, error)
            return
        record = pickle.dumps((*key, stream.getvalue()), protocol=5)
        self.stream.write(HEADER.pack(len(record), zlib.crc32(record)) + record)
        self.stream.flush()

    def close_spider(self):
        if self.stream is not None:
            self.stream.close()
