"""Re-extraction: rebuild a snapshot's corpus from its WARC files alone, with no network.

The report pages are the WARC's `response` and `revisit` records whose `metadata` record says
`kind: report` (a revisit's payload is read from the record its WARC-Refers-To names); each is decoded as the crawl decoded it (Content-Encoding, then Scrapy's charset rules) and read by
the same pipeline code. With the same extractor version, the new `documents.jsonl` is
byte-identical to the original's.
"""

from __future__ import annotations

import gzip
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path

from scrapy.http import Headers, HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from crawler.charset import honest_encoding
from crawler.items import CrawlFailure, ReportPage, WarcRef
from crawler.portals import load_registry
from crawler.urls import canonical_url

from .manifest import seal
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


def report_kinds(path: Path) -> dict[str, dict]:
    """response record id → the fields of its metadata record."""
    kinds = {}
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "metadata":
                fields = dict(
                    line.split(": ", 1) for line in record.content_stream().read().decode("utf-8").splitlines() if ": " in line
                )
                kinds[record.rec_headers.get_header("WARC-Concurrent-To")] = fields
    return kinds


def report_pages(warc_dir: Path, registry_name: str = "chongqing") -> Iterator[ReportPage]:
    registry = load_registry(registry_name)
    codes = {p.name: p.code for p in registry.portals}
    # response record id → (file, offset): where a later revisit finds its payload. Files sort by
    # time and a revisit always follows its original, so one pass in name order sees it first.
    responses: dict[str, tuple[Path, int]] = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        kinds = report_kinds(path)
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type not in ("response", "revisit"):
                    continue
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                meta = kinds.get(record_id, {})
                wanted = meta.get("kind") == "report" and 200 <= int(record.http_headers.get_statuscode()) < 300
                payload = record.raw_stream.read() if wanted else b""
                offset = records.get_record_offset()  # reads the record to its end: the payload first
                if record.rec_type == "response":
                    responses[record_id] = (path, offset)
                if not wanted:
                    continue
                if record.rec_type == "revisit":
                    payload = stored_payload(*responses[record.rec_headers.get_header("WARC-Refers-To")])
                url = record.rec_headers.get_header("WARC-Target-URI")
                headers = Headers([(k, v) for k, v in record.http_headers.headers if k.lower() != "content-encoding"])
                body = decoded_body(payload, record.http_headers.get_header("Content-Encoding"))
                response = honest_encoding(HtmlResponse(url=url, body=body, headers=headers))
                yield ReportPage(
                    url=url,
                    canonical_url=canonical_url(url),
                    portal=meta.get("portal", ""),
                    portal_code=codes.get(meta.get("portal", "")),
                    html=response.text,
                    capture=WarcRef(path.name, offset, record_id,
                                    record.rec_headers.get_header("WARC-Date"),
                                    record.rec_headers.get_header("WARC-Payload-Digest") or ""),
                )


def stored_payload(path: Path, offset: int) -> bytes:
    """The payload of the response record at this offset, as the server sent it."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        return next(iter(ArchiveIterator(stream))).raw_stream.read()


def reextract(source: Path, store: str | None = None, spool: str | None = None) -> tuple[Snapshot, dict]:
    """A new snapshot holding the source's WARC files and a corpus rebuilt from them."""
    from pipelines.corpus import CorpusWriterPipeline
    from pipelines.extract import ExtractionPipeline, NotAReport

    snapshot = Snapshot.create(store, spool=spool)
    for warc in sorted((source / "warc").glob("*.warc.gz")):
        shutil.copyfile(warc, snapshot.warc_dir / warc.name)
    extraction, writer = ExtractionPipeline(), CorpusWriterPipeline(snapshot)
    writer.open_spider()
    counts = {"report_pages": 0, "documents": 0, "not_reports": 0, "failures": 0}
    for page in report_pages(snapshot.warc_dir):
        counts["report_pages"] += 1
        try:
            item = extraction.process_item(page)
        except NotAReport:
            counts["not_reports"] += 1
            continue
        counts["failures" if isinstance(item, CrawlFailure) else "documents"] += 1
        writer.process_item(item)
    writer.close_spider()
    package_snapshot(snapshot.root, snapshot.id)
    seal(snapshot.root, snapshot_id=snapshot.id, scope={"reextracted_from": source.name}, counts=counts)
    return snapshot, counts
