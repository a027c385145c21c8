"""Re-extraction: rebuild a snapshot's corpus from its WARC files alone, with no network.

The report pages are the WARC's `response` and `revisit` records whose `metadata` record says
`kind: report` (a revisit's payload is read from the record its WARC-Refers-To names, in this
snapshot or, after an incremental crawl, in an earlier one of the same store), and the `conversion`
records of pages a browser rendered (their DOM, which the spider read); each is decoded as the crawl
decoded it (Content-Encoding, then Scrapy's charset rules) and read by the same pipeline code. With the same extractor version, the new `documents.jsonl` is
byte-identical to the original's.

Extraction is the CPU-bound part, apart from fetching here: with `jobs` > 1 a pool of processes
reads the pages (one extraction pipeline each), while this process reads the WARC files and writes
the corpus in the pages' order, so the result is the same with any number of jobs.
"""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from collections.abc import Iterator
from contextlib import nullcontext
from itertools import chain
from pathlib import Path

from scrapy.http import Headers, HtmlResponse, TextResponse
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler.charset import honest_encoding
from crawler.items import CrawlFailure, Document, ReportFile, ReportPage, WarcRef
from crawler.portals import load_registry
from crawler.urls import canonical_url

from .coverage import PORTALS_FILE
from .manifest import seal
from .records import REPORT_PAGE_FIELD, RecordReader, archived_payload, metadata_fields, scan_snapshot
from .store import LocalStore
from .snapshot import Snapshot
from .wacz import package_snapshot


def decoded_body(payload: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "").lower()
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(payload)
    if encoding == "deflate":
        try:
            return zlib.decompress(payload)
        except zlib.error:  # raw deflate, as some servers send it
            return zlib.decompress(payload, -zlib.MAX_WBITS)
    return payload


def portal_codes(snapshot_root: Path, registry_name: str) -> dict[str, str | None]:
    """Portal name → code as the crawl had them (`crawl/portals.json`), else from the registry."""
    record = snapshot_root / PORTALS_FILE
    if record.exists():
        return {p["name"]: p["code"] for p in json.loads(record.read_text("utf-8"))["portals"]}
    return {p.name: p.code for p in load_registry(registry_name).portals}


def report_pages(warc_dir: Path, registry_name: str = "chongqing", store=None) -> Iterator[ReportPage]:
    """The report pages of a snapshot's WARC files, in file order.

    A revisit's payload is read where it is: in this snapshot, or (an incremental crawl's) in an
    earlier snapshot of `store` — by default the store the folder `warc_dir` stands in."""
    codes = portal_codes(warc_dir.parent, registry_name)
    snapshot_id = warc_dir.parent.name
    if store is None and warc_dir.parent.parent.name == "snapshots":
        store = LocalStore(warc_dir.parent.parent.parent)
    reader = RecordReader(store, snapshot_id, warc_dir)
    captures = scan_snapshot(None, snapshot_id, warc_dir)
    # pages that only point to their file, whose file came: they wait for it, as in the crawl
    # (`PortalSpider.parse_report`); a page whose file failed is read as it is
    waiting = {c.meta[REPORT_PAGE_FIELD] for c in captures if REPORT_PAGE_FIELD in c.meta and answered(c)}
    held: dict[str, ReportPage] = {}
    for capture in captures:
        meta = capture.meta
        if meta.get("kind") not in ("report", "file", "attachment") or capture.payload_at is None:
            continue
        if REPORT_PAGE_FIELD in meta and not answered(capture):
            continue  # the spider never saw it: the crawl read the page as it is
        if capture.payload_at.snapshot != snapshot_id and store is None:
            raise FileNotFoundError(f"{capture.url}: its payload is in snapshot {capture.payload_at.snapshot}; "
                                    "give the store that holds it")
        status, http_headers, payload = archived_payload(capture, reader)
        if not 200 <= status < 300:
            continue
        encoding = next((v.decode("latin-1") for k, v in http_headers if k.lower() == b"content-encoding"), None)
        headers = Headers([(k, v) for k, v in http_headers if k.lower() != b"content-encoding"])
        body = decoded_body(payload, encoding)
        # as the spider saw it: a report link that gave no page, and every file, is a candidate
        # report file (`PortalSpider.parse_file`); the extraction pipeline keeps the report files
        if meta["kind"] != "report" or not issubclass(responsetypes.from_args(headers=headers, url=capture.url, body=body),
                                                      TextResponse):
            yield ReportFile(url=capture.url, canonical_url=canonical_url(capture.url), portal=meta.get("portal", ""),
                             portal_code=meta.get("portal-code") or codes.get(meta.get("portal", "")), body=body,
                             content_type=(headers.get(b"Content-Type") or b"").decode("latin-1"),
                             listed_title=meta.get("listed-title", ""), unit=meta.get("unit", ""), capture=capture.ref(),
                             page=held.get(meta.get(REPORT_PAGE_FIELD, "")))
            continue
        response = honest_encoding(HtmlResponse(url=capture.url, body=body, headers=headers))
        page = ReportPage(
            url=capture.url,
            canonical_url=canonical_url(capture.url),
            portal=meta.get("portal", ""),
            portal_code=meta.get("portal-code") or codes.get(meta.get("portal", "")),
            html=response.text,
            unit=meta.get("unit", ""),
            capture=capture.ref(),
        )
        if capture.url in waiting:
            held[capture.url] = page
        else:
            yield page


def answered(capture) -> bool:
    """Whether the spider got this answer: a whole 2xx (a 304 stands for the archived 200)."""
    return (200 <= capture.status < 300 or capture.status == 304) and not capture.truncated


def rendered_pages(warc_dir: Path, registry_name: str = "chongqing") -> Iterator[ReportPage]:
    """The report pages a browser rendered: their `conversion` records (the network responses of
    such a page are `browser-document`/`browser-resource` exchanges, not reports)."""
    codes = portal_codes(warc_dir.parent, registry_name)
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            conversions, meta = {}, {}
            records = ArchiveIterator(stream)
            for record in records:
                headers = record.rec_headers
                if record.rec_type == "metadata":
                    meta[headers.get_header("WARC-Concurrent-To")] = metadata_fields(record)
                elif record.rec_type == "conversion":
                    body = record.raw_stream.read()
                    conversions[headers.get_header("WARC-Record-ID")] = (
                        headers, body, records.get_record_offset())
        for record_id, (headers, body, offset) in conversions.items():
            fields = meta.get(record_id, {})
            if fields.get("kind") != "report":
                continue
            url = headers.get_header("WARC-Target-URI")
            response = HtmlResponse(url=url, body=body, headers=Headers({"Content-Type": headers.get_header("Content-Type")}))
            yield ReportPage(
                url=url, canonical_url=canonical_url(url), portal=fields.get("portal", ""),
                portal_code=fields.get("portal-code") or codes.get(fields.get("portal", "")), html=response.text, unit=fields.get("unit", ""),
                capture=WarcRef(path.name, offset, record_id, headers.get_header("WARC-Date"),
                                headers.get_header("WARC-Payload-Digest") or ""),
            )


def extracted(page):
    """The page read into a document (or a failure); None when it is not a report."""
    from pipelines.extract import NotAReport, extract

    try:
        return extract(page)
    except NotAReport:
        return None


def reextract(source: Path, store: str | None = None, spool: str | None = None, source_store=None,
              jobs: int = 1) -> tuple[Snapshot, dict]:
    """A new snapshot holding the source's WARC files and a corpus rebuilt from them.

    `source_store`: where the snapshots the source's revisits refer to are (default: the store
    the source folder stands in); `jobs`: processes that extract."""
    from concurrent.futures import ProcessPoolExecutor

    from pipelines.corpus import CorpusWriterPipeline

    snapshot = Snapshot.create(store, spool=spool)
    for warc in sorted((source / "warc").glob("*.warc.gz")):
        shutil.copyfile(warc, snapshot.warc_dir / warc.name)
    if (source / PORTALS_FILE).exists():  # the portals as the crawl named and coded them
        shutil.copyfile(source / PORTALS_FILE, snapshot.root / PORTALS_FILE)
    writer = CorpusWriterPipeline(snapshot)
    writer.open_spider()
    counts = {"report_pages": 0, "documents": 0, "not_reports": 0, "failures": 0}
    if source_store is None and source.parent.name == "snapshots":
        source_store = LocalStore(source.parent.parent)
    pages = chain(report_pages(snapshot.warc_dir, store=source_store), rendered_pages(snapshot.warc_dir))
    with ProcessPoolExecutor(jobs) if jobs > 1 else nullcontext() as pool:
        for item in pool.map(extracted, pages, chunksize=4) if pool else map(extracted, pages):
            counts["report_pages"] += 1
            if isinstance(item, (Document, CrawlFailure)):
                counts["failures"] += isinstance(item, CrawlFailure)
                writer.process_item(item)
            else:  # not a report, or a file that is no report file (a sheet, an archive)
                counts["not_reports"] += 1
    writer.close_spider()
    counts["documents"] = len(writer.seen)  # a report met twice (its `_wap` copy) is one document
    package_snapshot(snapshot.root, snapshot.id, source_store)
    seal(snapshot.root, snapshot_id=snapshot.id, scope={"reextracted_from": source.name}, counts=counts)
    return snapshot, counts
