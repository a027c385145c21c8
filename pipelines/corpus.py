"""CorpusWriterPipeline: documents, attachments and failures into the snapshot's folders.

`corpus/documents.jsonl` gets one line per document (a `_wap` copy or a second host spelling of
the same report is written once; sorted by doc_id when the crawl closes, so the same documents
always give the same file), `corpus/text/<doc_id>.txt` its clean text,
`corpus/tables/<doc_id>.json` its tables as published (cells with their spans) and the statistics
read from them under the form's canonical keys (`pipelines.statistics`),
`corpus/attachments.jsonl` the attachments, `crawl/failures.jsonl` what could not be fetched.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from archive.snapshot import Snapshot
from crawler.items import Attachment, CrawlFailure, Document
from pipelines.statistics import parse_document


class JsonLines:
    """An append-only JSON-lines file. A crawl resumed after a kill goes on appending to it: the
    torn last line the kill may have left is dropped, and a line already there is not written again
    (the resumed crawl reads every archived page again and yields the same items)."""

    def __init__(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written = set(complete_lines(path))
        self.file = open(path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=False, default=asdict) + "\n"
        if line in self.written:
            return
        self.file.write(line)
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def as_record(item) -> dict:
    """A dataclass item as the JSON `asdict` makes of it, without `asdict`'s deep copy of every
    list and dict in it (a document's tables run to thousands of cells: most of the writer's time)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


def complete_lines(path) -> list[str]:
    """The whole lines of a file left by an earlier run, cutting off a torn last line."""
    if not path.exists():
        return []
    with open(path, "rb+") as stream:
        data = stream.read()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            stream.truncate(keep)
    # split at "\n" only: the text may hold U+2028 or U+0085, which JSON leaves unescaped and
    # str.splitlines would cut a line at
    return [line + "\n" for line in data[:keep].decode("utf-8").split("\n")[:-1]]


def sort_lines(path, key) -> None:
    """Rewrite a JSON-lines file in a stable order (through a temporary file: never half-written)."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as stream:
        lines = sorted(stream, key=lambda line: key(json.loads(line)))
    partial = path.with_name(path.name + ".part")
    partial.write_text("".join(lines), encoding="utf-8")
    partial.replace(path)


class CorpusWriterPipeline:
    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.text_dir = snapshot.corpus_dir / "text"
        self.tables_dir = snapshot.corpus_dir / "tables"
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(Snapshot.from_crawler(crawler))

    def open_spider(self):
        self.text_dir.mkdir(parents=True, exist_ok=True)
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.documents = JsonLines(self.snapshot.corpus_dir / "documents.jsonl")
        self.seen = {json.loads(line)["doc_id"] for line in self.documents.written}
        self.attachments = JsonLines(self.snapshot.corpus_dir / "attachments.jsonl")
        self.failures = JsonLines(self.snapshot.crawl_dir / "failures.jsonl")

    def close_spider(self):
        for out in (self.documents, self.attachments, self.failures):
            out.close()
        sort_lines(self.snapshot.corpus_dir / "documents.jsonl", key=lambda doc: doc["doc_id"])

    def process_item(self, item):
        if isinstance(item, Document):
            if item.doc_id in self.seen:
                return item
            self.seen.add(item.doc_id)
            (self.text_dir / f"{item.doc_id}.txt").write_text(item.text, encoding="utf-8")
            statistics = parse_document({"tables": item.tables, "text": item.text})
            tables = {"doc_id": item.doc_id, "url": item.url, **statistics, "tables": item.tables}
            (self.tables_dir / f"{item.doc_id}.json").write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
            self.documents.write(as_record(item))
        elif isinstance(item, Attachment):
            record = asdict(item)
            record["capture"] = record["capture"] and record["capture"]["filename"]
            self.attachments.write(record)
        elif isinstance(item, CrawlFailure):
            self.failures.write(asdict(item))
        return item
