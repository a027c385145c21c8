"""CorpusWriterPipeline: documents, attachments and failures into the snapshot's folders.

`corpus/documents.jsonl` gets one line per document (a `_wap` copy or a second host spelling of
the same report is written once; sorted by doc_id when the crawl closes, so the same documents
always give the same file), `corpus/text/<doc_id>.txt` its clean text,
`corpus/tables/<doc_id>.json` its tables as published (cells with their spans) and the statistics
read from them under the form's canonical keys (`pipelines.statistics`),
`corpus/attachments.jsonl` the attachments, `crawl/failures.jsonl` what could not be fetched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, fields

from archive.lines import sort_lines
from archive.snapshot import Snapshot
from crawler.hashes import HashSet, id_hash
from crawler.items import Attachment, CrawlFailure, Document
from pipelines.statistics import parse_document


class JsonLines:
    """An append-only JSON-lines file. A crawl resumed after a kill goes on appending to it: the
    torn last line the kill may have left is dropped, and a line already there is not written again
    (the resumed crawl reads every archived page again and yields the same items). Of the lines
    already there only a digest is kept (a document's line holds its whole text), and
    `each_before` is called with each of them."""

    def __init__(self, path, each_before=None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written: set[bytes] = set()
        for line in complete_lines(path):
            self.written.add(line_digest(line))
            if each_before:
                each_before(line)
        self.file = open(path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=False, default=asdict) + "\n"
        if self.written and line_digest(line) in self.written:
            return
        self.file.write(line)
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def line_digest(line: str) -> bytes:
    return hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()


LEADING_DOC_ID = re.compile(r'\{"doc_id": "([0-9a-f]+)"')


def line_doc_id(line: str) -> str:
    """A document line's doc_id, without decoding its text and tables (a resumed crawl reads the
    lines written before for their ids): `as_record` writes it first; any other line is decoded."""
    found = LEADING_DOC_ID.match(line)
    return found.group(1) if found else json.loads(line)["doc_id"]


def as_record(item) -> dict:
    """A dataclass item as the JSON `asdict` makes of it, without `asdict`'s deep copy of every
    list and dict in it (a document's tables run to thousands of cells: most of the writer's time)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


def complete_lines(path) -> Iterator[str]:
    """The whole lines of a file left by an earlier run, one at a time (the file can be the text of
    every document so far), after cutting off a torn last line."""
    if not path.exists():
        return
    with open(path, "rb+") as stream:
        keep = end_of_last_line(stream)
        if keep < stream.seek(0, os.SEEK_END):
            stream.truncate(keep)
        stream.seek(0)
        # a binary file splits at b"\n" only: the text may hold U+2028 or U+0085, which JSON leaves
        # unescaped and str.splitlines would cut a line at
        for line in stream:
            yield line.decode("utf-8")


def end_of_last_line(stream, chunk: int = 1 << 16) -> int:
    """Where the file's last b"\n" ends (0 without one), read backwards from its end."""
    at = stream.seek(0, os.SEEK_END)
    while at > 0:
        step = min(at, chunk)
        at -= step
        stream.seek(at)
        found = stream.read(step).rfind(b"\n")
        if found >= 0:
            return at + found + 1
    return 0


class CorpusWriterPipeline:
    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.text_dir = snapshot.corpus_dir / "text"
        self.tables_dir = snapshot.corpus_dir / "tables"
        self.seen = HashSet()  # the doc_ids written

    @classmethod
    def from_crawler(cls, crawler):
        return cls(Snapshot.from_crawler(crawler))

    def open_spider(self):
        self.text_dir.mkdir(parents=True, exist_ok=True)
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        self.seen = HashSet()
        self.documents = JsonLines(self.snapshot.corpus_dir / "documents.jsonl",
                                   lambda line: self.seen.add(id_hash(line_doc_id(line))))
        self.attachments = JsonLines(self.snapshot.corpus_dir / "attachments.jsonl")
        self.failures = JsonLines(self.snapshot.crawl_dir / "failures.jsonl")

    def close_spider(self):
        for out in (self.documents, self.attachments, self.failures):
            out.close()
        sort_lines(self.snapshot.corpus_dir / "documents.jsonl", key=lambda doc: doc["doc_id"])

    def process_item(self, item):
        if isinstance(item, Document):
            if not self.seen.add(id_hash(item.doc_id)):
                return item
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
