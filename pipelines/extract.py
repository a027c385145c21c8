"""ExtractionPipeline: a `ReportPage` or `ReportFile` becomes a `Document`, or is dropped as not a report.

The reading itself is `pipelines.extraction.read_page`, the same code path as `nianbao extract`;
a file's is `file_to_document`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import logging.handlers
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

from scrapy.exceptions import DropItem

from crawler.items import CrawlFailure, Document, ReportFile, ReportPage
from crawler.memory import give_back_free_memory
from pipelines.extraction import EXTRACTOR_VERSION, is_annual_report, read_page
from pipelines.extraction.sniff import file_type

logger = logging.getLogger(__name__)


def doc_id_for(canonical_url: str) -> str:
    """Stable across snapshots: derived from the canonical URL only."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


class NotAReport(DropItem):
    """A page of a report column that is not an annual report (指南, 通知, a letter …): an
    expected event, logged at INFO and counted in the summary."""

    def __init__(self, message: str):
        super().__init__(message, log_level="INFO")


def document_source(item: ReportPage | ReportFile) -> ReportPage | ReportFile:
    """What gives a document its identity: the page, for a file a page only points to."""
    return getattr(item, "page", None) or item


def found_fields(item: ReportPage | ReportFile) -> dict:
    """What a document keeps of how it was found and where its capture is."""
    item = document_source(item)
    capture = item.capture
    return {
        "doc_id": doc_id_for(item.canonical_url), "url": item.url, "canonical_url": item.canonical_url,
        "portal": item.portal, "portal_code": item.portal_code, "unit": item.unit,
        "captured_at": capture.captured_at if capture else None,
        "warc_file": capture.filename if capture else None,
        "warc_offset": capture.offset if capture else None,
        "warc_record_id": capture.record_id if capture else None,
        "payload_digest": capture.payload_digest if capture else None,
        "extractor_version": EXTRACTOR_VERSION,
    }


def to_document(page: ReportPage) -> Document:
    extracted = read_page(page.html, page.url, region_hint=page.portal)
    return Document(**found_fields(page), **read_fields(extracted))


def file_to_document(item: ReportFile) -> Document:
    """A report published as a file: read by `pipelines.extraction.files` (text layer, or OCR)."""
    from pipelines.extraction.files import read_file

    extracted = read_file(item.body, listed_title=item.listed_title, region_hint=item.portal)
    if item.page is not None:
        extracted = as_published_by(read_page(item.page.html, item.page.url, region_hint=item.page.portal), extracted)
    return Document(**found_fields(item), **read_fields(extracted), kind="file",
                    ocr=extracted.ocr, ocr_confidence=extracted.ocr_confidence)


PAGE_METADATA = ("title", "issuer", "region", "admin_level", "report_year", "publish_date")


def as_published_by(page, extracted):
    """A file whose page only points to it: the page names the report (title, issuer and date,
    from its metadata block) and lists the file among its attachments; the file holds the text.
    What the page does not say (no report title, no date) is the file's own reading."""
    named = is_annual_report(page.title)
    metadata = {name: value for name in PAGE_METADATA if named and (value := getattr(page, name))}
    return replace(extracted, **metadata, attachments=page.attachments)


def read_fields(extracted) -> dict:
    """What a document takes from the reading of its page or file."""
    return {
        "title": extracted.title, "issuer": extracted.issuer, "region": extracted.region,
        "admin_level": extracted.admin_level, "report_year": extracted.report_year,
        "publish_date": extracted.publish_date, "form": extracted.form, "text": extracted.text,
        "tables": extracted.tables, "attachments": extracted.attachments,
    }


def extract(item):
    """A report page or file read into its `Document` (a `CrawlFailure` when it cannot be read; the
    item itself when it is no report file). Raises `NotAReport`. Runs in the crawling process or in
    a worker of the extraction pool: it needs nothing of the crawl."""
    if isinstance(item, ReportFile) and not file_type(item.body):
        if item.page is None:
            return item  # a sheet, an archive, an image …: its Attachment item keeps it; no document
        item = item.page  # what a page pointed to is no report file (an error page): the page as it is
    try:
        document = to_document(item) if isinstance(item, ReportPage) else file_to_document(item)
    except Exception as exc:  # one unreadable page or file must not stop the crawl
        if isinstance(item, ReportFile) and item.page is not None:
            logger.warning("%s: the file %s its page points to is unreadable (%r): the page is read as it is",
                           item.page.url, item.url, exc)
            return extract(item.page)
        logger.exception("extraction failed for %s", item.url)
        what = "page" if isinstance(item, ReportPage) else "file"
        return CrawlFailure(item.url, item.portal, f"extraction failed: {exc!r}"[:200], f"{what} kept in the WARC", "report")
    if not (is_annual_report(document.title) or (not document.title and is_annual_report(item.listed_title))):
        raise NotAReport(f"not an annual report: {document.title or item.listed_title!r} ({item.url})")
    return document


class ExtractionPipeline:
    """Reads in the crawling process (`jobs` 0), or in a pool of `jobs` worker processes
    (`NIANBAO_EXTRACT_JOBS`): reading is CPU work (and LibreOffice or Tesseract waits) that would
    otherwise stall the crawl's event loop, so fetching goes on while pages are read, and reading
    scales with cores. In the crawling process, report files are read on a thread of their own:
    their reading mostly waits on LibreOffice or Tesseract, and the event loop goes on meanwhile
    (one thread: PDFium is not thread-safe). The documents are the same either way: the corpus
    writer sorts them, and what is in flight is bounded by Scrapy's scraper slot (a response stays
    active until its items are processed)."""

    def __init__(self, jobs: int = 0, stats=None):
        self.jobs = jobs
        self.pool = self.files = None
        if stats is not None:
            stats.set_value("nianbao/extract_jobs", jobs)

    @classmethod
    def from_crawler(cls, crawler):
        jobs = crawler.settings.get("NIANBAO_EXTRACT_JOBS")
        return cls((os.cpu_count() or 1) if jobs in (None, "") else int(jobs), crawler.stats)

    def open_spider(self):
        if not self.jobs:
            load_readers()

    def process_item(self, item):
        if not isinstance(item, (ReportPage, ReportFile)):
            return item
        if self.jobs:
            return self.extracted_in_pool(item)
        if isinstance(item, ReportFile) and file_type(item.body):
            return self.extracted_in_thread(item)
        return extract(item)

    async def extracted_in_thread(self, item):
        if self.files is None:
            self.files = ThreadPoolExecutor(1, thread_name_prefix="nianbao-files")
        return await asyncio.wrap_future(self.files.submit(extract_file, item))

    async def extracted_in_pool(self, item):
        if self.pool is None:  # forkserver: no fork of a process running a reactor and its threads
            context = multiprocessing.get_context("forkserver")
            records = context.Queue()
            self.relay = logging.handlers.QueueListener(records, Relay())
            self.relay.start()
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=start_worker, initargs=(records, os.getpid()))
        return await asyncio.wrap_future(self.pool.submit(extract, item))

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown()
            self.relay.stop()
        if self.files is not None:
            self.files.shutdown()
            from pipelines.extraction.files.office import stop  # the LibreOffice kept for the crawl's files

            stop()


def extract_file(item):
    """`extract` on the files' thread, which then gives back what reading the file freed (PDFium's
    pages, a DOCX's tree, a scan's images) at once, not at `OneHeap`'s next trim (or never, in that
    thread's own arena, where `OneHeap` is off)."""
    try:
        return extract(item)
    finally:
        give_back_free_memory()


def load_readers() -> None:
    """Import every reader a page or file may need (the page reader's trafilatura and html5lib,
    the PDF, DOCX, DOC and OCR readers) where the reading is done, before the first report comes:
    a crawl of many portals meets its first reports only after thousands of list pages, and a
    worker should take that one-time cost (some 30 MB) when it starts, not part way through, so its
    memory stays level from then on (and a missing reader shows at once)."""
    import html5lib  # noqa: F401
    import trafilatura  # noqa: F401

    from pipelines.extraction.files import docx, ocr, office, pdf  # noqa: F401


def start_worker(records, crawl: int) -> None:
    """A worker's log goes to the crawling process, into the crawl's log (and to the screen) as its
    own would; and the worker ends with the crawl, even one killed outright (SIGKILL of its process
    only), instead of waiting for work forever."""
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(logging.INFO)
    threading.Thread(target=exit_with, args=(crawl,), daemon=True).start()
    load_readers()


def exit_with(crawl: int) -> None:
    """(The pool's forkserver, the workers' parent, outlives a crawl killed outright while they live.)"""
    while True:
        time.sleep(1)
        try:
            os.kill(crawl, 0)
        except ProcessLookupError:
            os._exit(1)


class Relay(logging.Handler):
    """A worker's log record, handled by the crawling process's loggers."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)
