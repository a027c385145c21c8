"""The corpus of a snapshot as one table, for pandas, R or a datasets library."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

COLUMNS = ("doc_id", "url", "canonical_url", "portal", "portal_code", "title", "issuer", "region", "admin_level",
           "report_year", "publish_date", "form", "text", "tables", "attachments", "captured_at", "warc_file",
           "warc_offset", "warc_record_id", "payload_digest", "extractor_version")
NESTED = ("tables", "attachments")  # kept as JSON text in flat formats


def rows(lines: Iterator[str]) -> Iterator[dict]:
    for line in lines:
        if line.strip():
            doc = json.loads(line)
            yield {c: (json.dumps(doc.get(c), ensure_ascii=False) if c in NESTED else doc.get(c)) for c in COLUMNS}


def export(lines: Iterator[str], fmt: str, out: Path) -> int:
    count = 0
    if fmt == "jsonl":
        with open(out, "w", encoding="utf-8") as stream:
            for row in rows(lines):
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    elif fmt == "csv":
        # utf-8-sig: spreadsheet programs then read Chinese text correctly
        with open(out, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows(lines):
                writer.writerow(row)
                count += 1
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.int64() if c in ("report_year", "warc_offset") else pa.string()) for c in COLUMNS])
        with pq.ParquetWriter(out, schema) as writer:
            batch = []
            for row in rows(lines):
                batch.append(row)
                count += 1
                if len(batch) == 1000:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    else:
        raise ValueError(f"unknown format {fmt!r}: jsonl, csv or parquet")
    return count
