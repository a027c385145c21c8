"""WrittenDocumentsPipeline: a resumed crawl does not read again what it has read.

A crawl resumed after a kill meets again every report page it had read before (answered from its
WARC, see `archive.resume`). A page or file whose document is already in the snapshot's
`corpus/documents.jsonl` is not extracted again: the document written then goes on in its place,
so the summary counts it as before and the corpus writer skips it. Its line is read back by
offset when it is needed; only doc_id → offset is kept.

Likewise a page or file the crawl read and found not to be a report: each such verdict is a line of
`crawl/not_reports.jsonl` (written as the crawl goes, sorted when it closes), and the same capture
(the same WARC record, read under the same listed title for the same portal: what the reading
depends on) meets the same verdict without being read again, dropped with the same reason. A kill
between the verdict and its line only costs that one reading again. Only the verdicts of earlier
runs are kept whole: a capture is met once in a run, so of this run's only a hash of each is kept, to
write each line once (some 0.7 KiB a verdict otherwise, for the rest of a long crawl).
"""

from __future__ import annotations

import json
from dataclasses import fields

from scrapy import signals

from archive.lines import sort_lines
from archive.snapshot import Snapshot
from crawler.hashes import HashSet
from crawler.items import Document, ReportFile, ReportPage
from pipelines.corpus import JsonLines, complete_lines, line_doc_id
from pipelines.extract import NotAReport, doc_id_for, document_source

DOCUMENT_FIELDS = {f.name for f in fields(Document)}
NOT_REPORTS = "not_reports.jsonl"


def verdict_record(item: ReportPage | ReportFile, reason: str) -> dict | None:
    """What a not-a-report verdict depends on, and the verdict; None for an item read from no
    archived capture (a page the browser rendered is fetched and read again on resume anyway)."""
    page = getattr(item, "page", None)
    if item.capture is None or (page is not None and page.capture is None):
        return None
    return {"url": item.url, "portal": item.portal, "listed_title": item.listed_title,
            "record_id": item.capture.record_id, "page_record_id": page.capture.record_id if page else None,
            "reason": reason}


def verdict_key(record: dict) -> tuple:
    return tuple(record[k] for k in ("url", "portal", "listed_title", "record_id", "page_record_id"))


class WrittenDocumentsPipeline:
    def __init__(self, crawler):
        snapshot = Snapshot.from_crawler(crawler)
        self.path = snapshot.corpus_dir / "documents.jsonl"
        self.not_reports_path = snapshot.crawl_dir / NOT_REPORTS
        self.stats = crawler.stats
        self.offsets: dict[str, int] = {}
        self.not_reports: dict[tuple, str] = {}  # of earlier runs
        self.met = HashSet()  # this run's, hashed
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler._nianbao_written = self  # for crawler.frontier: what needs no page to be read

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        offset = 0
        for line in complete_lines(self.path):  # also drops the torn last line a kill may leave
            self.offsets[line_doc_id(line)] = offset
            offset += len(line.encode("utf-8"))
        self.verdicts = JsonLines(self.not_reports_path, self.known_verdict)

    def known_verdict(self, line: str) -> None:
        record = json.loads(line)
        self.not_reports[verdict_key(record)] = record["reason"]

    def close_spider(self):
        self.verdicts.close()
        sort_lines(self.not_reports_path, key=lambda record: [v or "" for v in verdict_key(record)])

    def known(self, item: ReportPage | ReportFile) -> tuple[int | None, str | None]:
        """(offset of its document already written, else the not-a-report verdict already met)."""
        offset = self.offsets.get(doc_id_for(document_source(item).canonical_url))
        if offset is not None:
            return offset, None
        record = verdict_record(item, "")
        return None, (record and self.not_reports.get(verdict_key(record))) or None

    def settled(self, item) -> bool:
        """Whether this pipeline passes on the item without its body being read: a page or file
        whose document or verdict is known (and stays so: both only grow while the crawl runs)."""
        return isinstance(item, (ReportPage, ReportFile)) and self.known(item) != (None, None)

    def process_item(self, item):
        if not isinstance(item, (ReportPage, ReportFile)):
            return item
        offset, reason = self.known(item)
        if offset is None:
            if reason:
                self.stats.inc_value("nianbao/not_reports_kept")
                raise NotAReport(reason)
            return item
        self.stats.inc_value("nianbao/documents_kept")
        with open(self.path, "rb") as stream:
            stream.seek(offset)
            record = json.loads(stream.readline())
        return Document(**{k: v for k, v in record.items() if k in DOCUMENT_FIELDS})

    def item_dropped(self, item, response, exception, spider):
        if not isinstance(exception, NotAReport) or not isinstance(item, (ReportPage, ReportFile)):
            return
        record = verdict_record(item, str(exception))
        if record is None or (key := verdict_key(record)) in self.not_reports or not self.met.add(hash(key)):
            return
        self.verdicts.write(record)
