"""Extraction in a pool of worker processes (`NIANBAO_EXTRACT_JOBS=N`) gives the corpus extraction
in the crawling process (the default) gives, byte for byte."""

import asyncio
import filecmp
import json
import logging
import os

from conftest import run_nianbao
from crawler.items import ReportFile, ReportPage
from crawler.urls import canonical_url
from pipelines.extract import ExtractionPipeline
from test_pointer_pages import PAGE, PDF
from test_revisits import REPORT


CAPTURE = ("captured_at", "warc_file", "warc_offset", "warc_record_id")


def stats(crawl_root):
    return json.loads((crawl_root / "crawl" / "stats.json").read_text("utf-8"))


def test_pool_writes_the_corpus_of_extraction_in_process(offline_crawl, replica, tmp_path):
    # the same portals (but the hostile one, whose stalls only cost time), read in a pool of two
    districts = ",".join(p.name for p in replica.portals + replica.dead if p not in replica.hostile_portals)
    proc = run_nianbao("crawl", "chongqing_districts", "--offline", "--store", str(tmp_path), "-a", f"districts={districts}",
                       "-s", "NIANBAO_EXTRACT_JOBS=2", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (pool,) = (tmp_path / "snapshots").iterdir()
    assert stats(pool)["nianbao/extract_jobs"] == 2
    assert stats(offline_crawl.root)["nianbao/extract_jobs"] == 0  # the shared crawl read in its own process

    def documents(root):  # what two crawls can share: not where and when each captured the page
        lines = (root / "corpus" / "documents.jsonl").read_text("utf-8").splitlines()
        return [{k: v for k, v in json.loads(line).items() if k not in CAPTURE}
                for line in lines]

    names = set(districts.split(","))
    in_process = [d for d in documents(offline_crawl.root) if d["portal"] in names]
    pooled = documents(pool)
    assert len(pooled) > 100 and any(d["kind"] == "file" for d in pooled)
    assert pooled == in_process
    for folder in ("text", "tables"):
        ours = sorted(p.name for p in (pool / "corpus" / folder).iterdir())
        assert len(ours) == len(pooled)
        _, mismatch, errors = filecmp.cmpfiles(pool / "corpus" / folder, offline_crawl.root / "corpus" / folder,
                                               ours, shallow=False)
        assert not mismatch and not errors


def test_a_worker_reads_as_the_crawl_does_and_its_log_reaches_the_crawl(caplog):
    # a page pointing to a broken PDF: the worker warns, and reads the page as it is
    page = ReportPage(url=PAGE, canonical_url=canonical_url(PAGE), portal="测试区", portal_code=None,
                      html=REPORT.decode("utf-8"))
    served = ReportFile(url=PDF, canonical_url=canonical_url(PDF), portal="测试区", portal_code=None,
                        body=b"%PDF-1.7\n%broken", content_type="application/pdf", page=page)
    pool, in_process = ExtractionPipeline(jobs=1), ExtractionPipeline()

    async def read(pipeline):
        return await pipeline.process_item(served)  # in the crawling process: on its thread for files

    with caplog.at_level(logging.WARNING):
        try:
            pooled = asyncio.run(read(pool))
        finally:
            pool.close_spider()
    try:
        assert pooled == asyncio.run(read(in_process)) and pooled.kind == "page"
    finally:
        in_process.close_spider()
    warned = [r for r in caplog.records if "is unreadable" in r.getMessage() and r.process != os.getpid()]
    assert warned and warned[0].name == "pipelines.extract"
