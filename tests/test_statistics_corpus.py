"""Every report of the offline portal parses completely, in the snapshot and from its clean text,
and `nianbao export --tables` gives the long table.

The replica's reports carry the numbers of the five seeds unchanged (`replica/reports.py`), so the
values each document must give are those read by hand in tests/data/statistics/. The only rules
broken are those broken in the published data: every report built on seed 001 repeats its (七)总计
row — 自然人 blank and 总计 1, although one application from a natural person was received (本年新收
自然人 1) and disclosed (予以公开 自然人 1) — so rules 1 and 3 fail for the 自然人 column and rule 2
for the 总计 row. No other report of the replica breaks a rule.
"""

import csv
import json

import pyarrow.parquet as pq
import pytest

from conftest import run_nianbao
from crawler.urls import canonical_url
from test_statistics import expected


@pytest.fixture(scope="module")
def seed_of(replica):
    """canonical URL → the seed the replica built the report from (`001`); a report's files too."""
    seeds = {}
    for _, d in replica.docs:
        if d.year is None:
            continue
        if d.seed or (d.pointer and not d.file_gone):  # a page that only points to its file: the file's text
            seeds[canonical_url(f"http://{d.host}{d.path}")] = (d.seed or d.file_seed).removeprefix("seed_")
        files = [f"{d.dir}{d.date[:6]}/{name}" for name in d.files()] + d.extra_files
        seeds |= {canonical_url(f"http://{d.host}{path}"): (d.file_seed or d.seed).removeprefix("seed_") for path in files}
    return seeds


def with_tables(crawl, seed_of):
    """The documents that carry the form's tables (not a page naming only a file that is gone)."""
    return [d for d in crawl.documents if d["canonical_url"] in seed_of]


def tables_file(crawl, doc):
    return json.loads((crawl.root / "corpus" / "tables" / f"{doc['doc_id']}.json").read_text("utf-8"))


def test_every_report_parses_completely_with_only_the_published_violations(offline_crawl, seed_of):
    seeds_seen = set()
    for doc in offline_crawl.documents:
        if doc["canonical_url"] not in seed_of:  # a page naming only a PDF that is gone: no table, said so
            kept = tables_file(offline_crawl, doc)
            assert not kept["complete"] and not kept["values"], doc["url"]
            continue
        seed = seed_of[doc["canonical_url"]]
        want, kept = expected(seed), tables_file(offline_crawl, doc)
        seeds_seen.add(seed)
        assert kept["tables"] == doc["tables"]  # the tables as published stay beside the statistics
        assert kept["form"] == want["form"] == doc["form"], doc["url"]
        assert kept["complete"] and not kept["unreadable"] and not kept["missing"], doc["url"]
        assert kept["values"] == want["values"], doc["url"]
        assert kept["units"] == want["units"]
        assert [(v["rule"], v["where"]) for v in kept["violations"]] == \
               [(v["rule"], v["where"]) for v in want["violations"]], doc["url"]
    assert seeds_seen == {"000", "001", "002", "003", "004"}


def test_the_clean_text_keeps_every_number(offline_crawl, seed_of):
    """Read from the clean text alone (one row a line, tab-separated), each report gives the same
    numbers as from its published tables: the text lost nothing of the tables."""
    from pipelines.statistics import parse_text

    for doc in with_tables(offline_crawl, seed_of):
        from_text = parse_text(doc["text"])
        assert from_text["source"] == "rows"
        assert from_text["values"] == tables_file(offline_crawl, doc)["values"], doc["url"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_tables_long_table(offline_crawl, seed_of, tmp_path, fmt):
    out = tmp_path / f"tables.{fmt}"
    proc = run_nianbao("export", str(offline_crawl.root), "--tables", "--format", fmt, "--out", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    if fmt == "jsonl":
        table = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    elif fmt == "csv":
        table = list(csv.DictReader(out.open(encoding="utf-8-sig", newline="")))
    else:
        table = pq.read_table(out).to_pylist()
    assert list(table[0]) == ["doc_id", "region", "issuer", "report_year", "key", "value", "unit"]
    documents = {d["doc_id"]: d for d in offline_crawl.documents}
    by_doc: dict[str, dict] = {}
    for row in table:
        by_doc.setdefault(row["doc_id"], {})[row["key"]] = row
    assert set(by_doc) == {d["doc_id"] for d in with_tables(offline_crawl, seed_of)}  # no values, no rows
    for doc_id, rows in by_doc.items():
        doc = documents[doc_id]
        want = expected(seed_of[doc["canonical_url"]])
        assert {k: float(r["value"]) for k, r in rows.items()} == {k: float(v) for k, v in want["values"].items()}
        row = next(iter(rows.values()))
        assert (row["region"], row["issuer"], str(row["report_year"])) == (doc["region"], doc["issuer"], str(doc["report_year"]))
        if want["form"] == "2021":
            assert rows["s2.fees.amount_10k_yuan"]["unit"] == "万元"
    assert f"wrote {len(table)} values" in proc.stdout
