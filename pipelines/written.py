"""WrittenDocumentsPipeline: a resumed crawl does not read again the reports it has written.

A crawl resumed after a kill meets again every report page it had read before (answered from its
WARC, see `archive.resume`). A page or file whose document is already in the snapshot's
`corpus/documents.jsonl` is not extracted again: the document written then goes on in its place,
so the summary counts it as before and the corpus writer skips it. Its line is read back by
offset when it is needed; only doc_id → offset is kept.
"""

from __future__ import annotations

import json
from dataclasses import fields

from archive.snapshot import Snapshot
from crawler.items import Document, ReportFile, ReportPage
from pipelines.corpus import complete_lines
from pipelines.extract import doc_id_for, document_source

DOCUMENT_FIELDS = {f.name for f in fields(Document)}


class WrittenDocumentsPipeline:
    def __init__(self, crawler):
        self.path = Snapshot.from_crawler(crawler).corpus_dir / "documents.jsonl"
        self.stats = crawler.stats
        self.offsets: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        offset = 0
        for line in complete_lines(self.path):  # also drops the torn last line a kill may leave
            self.offsets[json.loads(line)["doc_id"]] = offset
            offset += len(line.encode("utf-8"))

    def process_item(self, item):
        if not isinstance(item, (ReportPage, ReportFile)):
            return item
        offset = self.offsets.get(doc_id_for(document_source(item).canonical_url))
        if offset is None:
            return item
        self.stats.inc_value("nianbao/documents_kept")
        with open(self.path, "rb") as stream:
            stream.seek(offset)
            record = json.loads(stream.readline())
        return Document(**{k: v for k, v in record.items() if k in DOCUMENT_FIELDS})
