"""`nianbao export`: the corpus as one table in jsonl, csv and parquet."""

import csv
import json

import pyarrow.parquet as pq
import pytest

from conftest import run_nianbao


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_has_every_document(offline_crawl, tmp_path, fmt):
    out = tmp_path / f"corpus.{fmt}"
    proc = run_nianbao("export", str(offline_crawl.root), "--format", fmt, "--out", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    if fmt == "jsonl":
        table = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    elif fmt == "csv":
        table = list(csv.DictReader(out.open(encoding="utf-8-sig", newline="")))
    else:
        table = pq.read_table(out).to_pylist()
    documents = {d["doc_id"]: d for d in offline_crawl.documents}
    assert {row["doc_id"] for row in table} == set(documents)
    for row in table:
        doc = documents[row["doc_id"]]
        assert row["title"] == doc["title"] and row["text"] == doc["text"]
        assert json.loads(row["tables"]) == doc["tables"]
        assert str(row["report_year"]) == str(doc["report_year"])
