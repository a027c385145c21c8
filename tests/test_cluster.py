"""One crawl as many workers on a real Redis server (crawler/cluster/, archive/merge.py).

Each test module run starts its own `redis-server` (Debian's) on a free 127.0.0.1 port with a
temporary folder, and stops it; nothing leaves the machine.
"""

import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from conftest import ROOT, CrawlResult, run_nianbao
from test_resume import assert_same_corpus

SPIDER = "chongqing_districts"
POINTERS = ("warc_file", "warc_offset", "warc_record_id", "captured_at")  # where this run's WARC put it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: `make install` installs Debian's")
    folder, port = tmp_path_factory.mktemp("redis"), free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                               "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


@pytest.fixture
def fresh_redis(redis_url):
    redis.Redis.from_url(redis_url).flushall()
    return redis_url


def requests_by_host(warc_files) -> dict[str, list[tuple[datetime, str]]]:
    """(WARC-Date, file) of every request record, by host, in time order."""
    out = defaultdict(list)
    for path in warc_files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "request":
                    when = datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00"))
                    out[urlsplit(record.rec_headers.get_header("WARC-Target-URI")).netloc].append((when, path.name))
    return {host: sorted(times) for host, times in out.items()}


def assert_corpus_files_identical(result: CrawlResult, reference: CrawlResult) -> None:
    """The corpus of the workers is the single process's, byte for byte, but for WARC pointers."""
    docs = {d["doc_id"]: d for d in reference.documents}
    lines = (result.root / "corpus" / "documents.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["doc_id"] for line in lines] == sorted(json.loads(line)["doc_id"] for line in lines)
    for doc in result.documents:
        assert {k: v for k, v in doc.items() if k not in POINTERS} == {k: v for k, v in docs[doc["doc_id"]].items() if k not in POINTERS}
        for sub, suffix in (("text", ".txt"), ("tables", ".json")):
            name = f"corpus/{sub}/{doc['doc_id']}{suffix}"
            assert (result.root / name).read_bytes() == (reference.root / name).read_bytes(), name
    assert len(list((result.root / "corpus" / "text").iterdir())) == len(result.documents)


def test_two_workers_make_the_single_process_snapshot_politely(tmp_path, fresh_redis, offline_crawl):
    districts, delay = "璧山区", 0.2
    store = tmp_path / "store"
    proc = run_nianbao("crawl", SPIDER, "--offline", "--store", str(store), "--redis", fresh_redis, "--workers", "2",
                       "-a", f"districts={districts}", "-s", f"DOWNLOAD_DELAY={delay}")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    result = CrawlResult(store, proc)
    assert (result.root / "manifest.json").exists() and not (result.root / "parts").exists()
    assert run_nianbao("verify", str(result.root)).returncode == 0
    assert_same_corpus(result, offline_crawl, districts)
    assert_corpus_files_identical(result, offline_crawl)
    assert result.summary["totals"]["reports"] == len(result.documents)

    # both workers fetched, each into its own WARC files; one host at a time over both, `delay` apart
    stats = json.loads((result.root / "crawl" / "stats.json").read_text())
    assert all(w["downloader/request_count"] > 5 for w in stats["workers"].values()) and len(stats["workers"]) == 2
    by_host = requests_by_host(result.warc_files)
    gaps = [(b[0] - a[0]).total_seconds() for times in by_host.values() for a, b in zip(times, times[1:])]
    files_of_host = {host: {f for _, f in times} for host, times in by_host.items()}
    assert any(len({f.split("-")[1] for f in files}) == 2 for files in files_of_host.values())
    handovers = [(b[0] - a[0]).total_seconds() for times in by_host.values()
                 for a, b in zip(times, times[1:]) if a[1].split("-")[1] != b[1].split("-")[1]]
    print(f"smallest gap between two requests to one host over both workers: {min(gaps):.3f} s, "
          f"between two workers: {min(handovers):.3f} s (delay {delay} s)")
    assert handovers and min(gaps) >= delay - 0.01
    # the crawl is over: the same command would start a new one
    assert redis.Redis.from_url(fresh_redis).keys("nianbao:*") == []
