"""The corpus of a snapshot as one table, for pandas, R or a datasets library.

`export` writes one row per document; `export_statistics` the long table of the statistics
(one row per document and canonical key of the form: doc_id, region, issuer, report_year, key,
value, unit), read from the snapshot's `corpus/tables/<doc_id>.json`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

COLUMNS = ("doc_id", "url", "canonical_url", "portal", "portal_code", "title", "issuer", "region", "admin_level",
           "report_year", "publish_date", "form", "text", "tables", "attachments", "captured_at", "warc_file",
           "warc_offset", "warc_record_id", "payload_digest", "extractor_version")
NESTED = ("tables", "attachments")  # kept as JSON text in flat formats
STATISTICS_COLUMNS = ("doc_id", "region", "issuer", "report_year", "key", "value", "unit")


def rows(lines: Iterator[str]) -> Iterator[dict]:
    for line in lines:
        if line.strip():
            doc = json.loads(line)
            yield {c: (json.dumps(doc.get(c), ensure_ascii=False) if c in NESTED else doc.get(c)) for c in COLUMNS}


def statistics_rows(lines: Iterator[str], statistics_of: Callable[[dict], dict]) -> Iterator[dict]:
    """One row per value read; a value that could not be read has no row (see `unreadable` in
    the document's tables file)."""
    for line in lines:
        if line.strip():
            doc = json.loads(line)
            stats = statistics_of(doc)
            for key, value in stats.get("values", {}).items():
                yield {"doc_id": doc["doc_id"], "region": doc.get("region"), "issuer": doc.get("issuer"),
                       "report_year": doc.get("report_year"), "key": key, "value": value,
                       "unit": stats.get("units", {}).get(key, "")}


def export(lines: Iterator[str], fmt: str, out: Path) -> int:
    types = {"report_year": "int64", "warc_offset": "int64"}
    return write(rows(lines), COLUMNS, types, fmt, out)


def export_statistics(lines: Iterator[str], fmt: str, out: Path, statistics_of: Callable[[dict], dict]) -> int:
    types = {"report_year": "int64", "value": "float64"}
    return write(statistics_rows(lines, statistics_of), STATISTICS_COLUMNS, types, fmt, out)


def write(table: Iterator[dict], columns: tuple[str, ...], types: dict[str, str], fmt: str, out: Path) -> int:
    count = 0
    if fmt == "jsonl":
        with open(out, "w", encoding="utf-8") as stream:
            for row in table:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    elif fmt == "csv":
        # utf-8-sig: spreadsheet programs then read Chinese text correctly
        with open(out, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=columns)
            writer.writeheader()
            for row in table:
                writer.writerow(row)
                count += 1
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, getattr(pa, types.get(c, "string"))()) for c in columns])
        with pq.ParquetWriter(out, schema) as writer:
            batch = []
            for row in table:
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
