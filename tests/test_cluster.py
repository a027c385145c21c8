"""One crawl as many workers on a real Redis server (crawler/cluster/, archive/merge.py).

Each test module run starts its own `redis-server` (Debian's) on a free 127.0.0.1 port with a
temporary folder, and stops it; nothing leaves the machine.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from conftest import ROOT, CrawlResult, run_nianbao

sys.path.insert(0, str(ROOT))  # the bench/ folder is not installed
from bench.cluster import ArrivalClock, free_port, request_starts_by_host, smallest_gap  # noqa: E402
from test_resume import assert_same_corpus  # noqa: E402

SPIDER = "chongqing_districts"
POINTERS = ("warc_file", "warc_offset", "warc_record_id", "captured_at")  # where this run's WARC put it


class RedisServer:
    """Debian's redis-server on a free port, with its append-only file in a folder of its own."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(port=self.port)
        self.proc = None

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
                                      str(self.folder), "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()  # SIGTERM: Redis writes its append-only file out and exits
        self.proc.wait(20)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: `make install` installs Debian's")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_redis(redis_server):
    redis_server.client.flushall()
    return redis_server.url


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


def coverage_rows(result: CrawlResult) -> list[dict]:
    import csv

    with open(result.root / "coverage" / "coverage.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def assert_same_coverage(result: CrawlResult, reference: CrawlResult, districts: str) -> None:
    """The merged snapshot's coverage is the single process's, for the portals the workers crawled."""
    rows = coverage_rows(result)
    assert {r["unit"] for r in rows if r["level"] != "subsite"} == set(districts.split(","))
    # without years asked for, a crawl's years are those of the reports it found, over all its portals
    codes, years = {r["code"] for r in rows}, {r["report_year"] for r in rows}
    expected = [r for r in coverage_rows(reference) if r["code"] in codes]
    assert rows == [r for r in expected if r["report_year"] in years]
    assert all(r["status"] == "missing" for r in expected if r["report_year"] not in years)
    assert any(r["status"] == "page" for r in rows)
    assert [p["name"] for p in json.loads((result.root / "crawl" / "portals.json").read_text("utf-8"))["portals"]] == districts.split(",")
    assert "coverage/heatmap.png" in {r["path"] for r in json.loads((result.root / "manifest.json").read_text())["resources"]}


def test_two_workers_make_the_single_process_snapshot_politely(tmp_path, fresh_redis, offline_crawl):
    from replica.server import OfflinePortal

    districts, delay, store = "璧山区", 0.2, tmp_path / "store"
    with OfflinePortal() as portal:
        clock = ArrivalClock(portal)
        workers = [start_worker(worker_command(store, fresh_redis, name, portal.proxy_url, districts,
                                               DOWNLOAD_DELAY=delay), tmp_path / f"{name}.log") for name in ("a", "b")]
        statuses = [worker.wait(300) for worker in workers]
    logs = {name: (tmp_path / f"{name}.log").read_text() for name in ("a", "b")}
    assert statuses == [0, 0], logs
    assert not any("Traceback" in log for log in logs.values()), logs
    assert sum("is the last: merging" in log for log in logs.values()) == 1
    assert not any("unfinished requests" in log for log in logs.values())  # every request taken was acknowledged
    result = CrawlResult(store, None)
    assert (result.root / "manifest.json").exists() and not (result.root / "parts").exists()
    assert run_nianbao("verify", str(result.root)).returncode == 0
    assert_same_corpus(result, offline_crawl, districts)
    assert_corpus_files_identical(result, offline_crawl)
    assert_same_coverage(result, offline_crawl, districts)
    assert result.summary["totals"]["reports"] == len(result.documents)
    assert {name: row["reports"] for name, row in result.summary["portals"].items()} == \
        {name: offline_crawl.summary["portals"][name]["reports"] for name in districts.split(",")}

    # both workers fetched, each into its own WARC files; one host at a time over both, `delay` apart
    stats = json.loads((result.root / "crawl" / "stats.json").read_text())
    assert sorted(stats["workers"]) == ["a", "b"]
    assert all(w["downloader/request_count"] > 0 for w in stats["workers"].values())  # the split falls as timing does
    by_host = request_starts_by_host(result.warc_files)
    assert any(len({f.split("-")[1] for _, f in times}) == 2 for times in by_host.values())
    print(f"smallest gap between two requests to one host over both workers: {clock.smallest_gap():.3f} s "
          f"as the portal received them ({clock.smallest_gap(robots=False):.3f} s without robots.txt), "
          f"{smallest_gap(by_host):.3f} s between WARC records (delay {delay} s)")
    # robots.txt included: each worker asks for it while it holds the host, and its download slot
    # waits the delay from the answer (crawler.politeness.DelayFromAnswer)
    assert clock.smallest_gap() >= delay - 0.002  # the frontier's clock counts whole milliseconds
    # the crawl is over: the same command would start a new one
    assert redis.Redis.from_url(fresh_redis).keys("nianbao:*") == []
    # a worker of this crawl that starts only now stops at once, leaving the sealed snapshot alone
    late = subprocess.run(worker_command(store, fresh_redis, "c", "http://127.0.0.1:9", districts,
                                         NIANBAO_SNAPSHOT_ID=result.root.name),
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"})
    assert late.returncode != 0 and "is over (sealed): this worker has nothing to do" in late.stderr, late.stderr[-2000:]
    assert not (result.root / "parts").exists()
    assert run_nianbao("verify", str(result.root)).returncode == 0


def worker_command(store: Path, redis_url: str, name: str, proxy: str, districts: str, **more) -> list[str]:
    """One worker, as on any machine of a cluster: `scrapy crawl … -s REDIS_URL=…`."""
    from crawler.cli import OFFLINE_SETTINGS

    settings = {**OFFLINE_SETTINGS, "NIANBAO_PROXY": proxy, "NIANBAO_STORE": store, "REDIS_URL": redis_url,
                "NIANBAO_CLUSTER_WORKER": name, "NIANBAO_CLUSTER_HEARTBEAT": 2, **more}
    return [sys.executable, "-m", "scrapy", "crawl", SPIDER, *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")],
            "-a", f"districts={districts}"]


def start_worker(command: list[str], log: Path) -> subprocess.Popen:
    """A worker in a process group of its own: killing the group kills whatever it started too."""
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(log, "wb"),
                            env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}, start_new_session=True)


def stop_workers(*workers: subprocess.Popen | None) -> None:
    for proc in workers:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def documents_written(store: Path, worker: str) -> int:
    return sum(p.read_bytes().count(b"\n") for p in store.glob(f"snapshots/*/parts/{worker}/corpus/documents.jsonl"))


def kill_while_in_flight(workers: dict[str, subprocess.Popen], server: redis.Redis, ready, logs: Path) -> tuple[str, list[str]]:
    """SIGKILL (its whole process group) the first worker caught holding requests taken from the
    frontier once `ready()` holds; its name and the URLs it held. Each worker is stopped (SIGSTOP)
    before its requests are read, so the list is exactly what it held when it died; one that
    finished them in between goes on. `logs`: the folder of the workers' `<name>.log`."""
    import pickle

    deadline = time.monotonic() + 120
    while True:
        for name, proc in workers.items():
            assert proc.poll() is None and time.monotonic() < deadline, (logs / f"{name}.log").read_text()[-3000:]
            if not (ready() and server.hlen(f"nianbao:{SPIDER}:flight:{name}")):
                continue
            os.killpg(proc.pid, signal.SIGSTOP)
            # a command the worker sent just before it stopped may still wait in Redis's socket (a
            # request taken: one more in flight); what it holds is read once Redis has run it
            time.sleep(0.2)
            held = server.hvals(f"nianbao:{SPIDER}:flight:{name}")
            if held:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return name, sorted(pickle.loads(entry.split(b"\n", 1)[1])["url"] for entry in held)
            os.killpg(proc.pid, signal.SIGCONT)
        time.sleep(0.005)


def request_urls(warc_files) -> set[str]:
    urls = set()
    for path in warc_files:
        with open(path, "rb") as stream:
            urls |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream) if r.rec_type == "request"}
    return urls


def test_a_killed_workers_requests_are_taken_up_by_the_other(tmp_path, fresh_redis, offline_crawl):
    from replica.server import OfflinePortal

    districts, store, server = "璧山区,合川区", tmp_path / "store", redis.Redis.from_url(fresh_redis)
    with OfflinePortal() as portal:
        # `a` crawls alone until it holds requests mid-crawl (two workers side by side share the hosts
        # as timing falls, and `a` might get too little to be caught); then it dies, and `b` joins
        a = start_worker(worker_command(store, fresh_redis, "a", portal.proxy_url, districts, DOWNLOAD_DELAY=0.05),
                         tmp_path / "a.log")
        b = None
        try:
            _, held = kill_while_in_flight({"a": a}, server, lambda: documents_written(store, "a") >= 5, tmp_path)
            b = start_worker(worker_command(store, fresh_redis, "b", portal.proxy_url, districts, DOWNLOAD_DELAY=0.05),
                             tmp_path / "b.log")
            assert b.wait(180) == 0, (tmp_path / "b.log").read_text()[-4000:]
        finally:
            stop_workers(a, b)
    log = (tmp_path / "b.log").read_text()
    assert "Traceback" not in log, log[-4000:]
    assert f"worker a stopped beating: {len(held)} requests it had taken are queued again" in log
    result = CrawlResult(store, None)
    assert (result.root / "manifest.json").exists()
    assert run_nianbao("verify", str(result.root)).returncode == 0
    # the WARC file `a` left open was cut after its last complete exchange: every record is valid
    validated = run_nianbao("validate", str(result.root))
    assert validated.returncode == 0, validated.stdout[-2000:] + validated.stderr[-2000:]
    assert_same_corpus(result, offline_crawl, districts)
    assert_corpus_files_identical(result, offline_crawl)
    # what `a` held when it died was fetched again by `b` (scrapy-redis alone would have lost it)
    taken_up_by_b = request_urls(p for p in result.warc_files if p.name.startswith("nianbao-b-"))
    assert held and set(held) <= taken_up_by_b, sorted(set(held) - taken_up_by_b)


def test_three_workers_one_killed_mid_crawl_make_the_single_process_snapshot_politely(tmp_path, fresh_redis, offline_crawl):
    """Issue #15's end: three workers and a real Redis over the offline portal, one SIGKILLed while
    it holds requests; the other two finish with the single process's documents, no two requests
    to a host reach the portal closer than the delay (robots.txt included), and the sealed
    snapshot verifies and validates."""
    from replica.server import OfflinePortal

    districts, delay, store, server = "璧山区,合川区,大渡口区", 0.1, tmp_path / "store", redis.Redis.from_url(fresh_redis)
    names = ("a", "b", "c")
    with OfflinePortal() as portal:
        clock = ArrivalClock(portal)
        workers = {name: start_worker(worker_command(store, fresh_redis, name, portal.proxy_url, districts,
                                                     DOWNLOAD_DELAY=delay), tmp_path / f"{name}.log") for name in names}
        try:
            # mid-crawl: some documents are written, and the one caught holding requests dies
            killed, held = kill_while_in_flight(workers, server, lambda: documents_written(store, "*") >= 8, tmp_path)
            survivors = [name for name in names if name != killed]
            statuses = [workers[name].wait(300) for name in survivors]
        finally:
            stop_workers(*workers.values())
    logs = {name: (tmp_path / f"{name}.log").read_text() for name in survivors}
    assert statuses == [0, 0], {name: log[-4000:] for name, log in logs.items()}
    assert not any("Traceback" in log for log in logs.values()), logs
    assert sum("is the last: merging" in log for log in logs.values()) == 1
    # one survivor took up what the killed worker held (the other, if it looked too, found nothing);
    # no survivor was taken for dead, though LibreOffice holds its event loop for seconds (.doc, .wps)
    assert sum(f"worker {killed} stopped beating: {len(held)} requests it had taken are queued again" in log
               for log in logs.values()) == 1, logs
    assert not any(f"worker {name} stopped beating" in log for name in survivors for log in logs.values()), logs
    result = CrawlResult(store, None)
    assert (result.root / "manifest.json").exists() and not (result.root / "parts").exists()
    assert run_nianbao("verify", str(result.root)).returncode == 0
    validated = run_nianbao("validate", str(result.root))  # the killed worker's open WARC file was cut whole
    assert validated.returncode == 0, validated.stdout[-2000:] + validated.stderr[-2000:]
    assert_same_corpus(result, offline_crawl, districts)
    assert_corpus_files_identical(result, offline_crawl)
    # what the killed worker held was fetched again by the others
    fetched_again = request_urls(p for p in result.warc_files if not p.name.startswith(f"nianbao-{killed}-"))
    assert held and set(held) <= fetched_again, sorted(set(held) - fetched_again)
    # politeness over the three workers, as the portal saw it: robots.txt is each worker's own, asked
    # while it holds the host, and its worker's download slot waits the delay from its answer
    gaps = clock.gaps()
    print(f"{len(gaps)} gaps between two requests to one host over three workers, one killed; the smallest "
          f"{gaps[0][0]:.3f} s (delay {delay} s)")
    assert gaps[0][0] >= delay - 0.002, gaps[:3]  # the frontier's clock counts whole milliseconds
    assert redis.Redis.from_url(fresh_redis).keys("nianbao:*") == []


def test_redis_restarted_mid_crawl_then_every_worker_killed_the_same_command_finishes(tmp_path, redis_server, offline_crawl):
    redis_server.client.flushall()
    districts, store = "璧山区,合川区", tmp_path / "store"
    command = [sys.executable, "-m", "crawler.cli", "crawl", SPIDER, "--offline", "--store", str(store),
               "--redis", redis_server.url, "--workers", "2", "-a", f"districts={districts}",
               "-s", "DOWNLOAD_DELAY=0.1"]  # slow enough that the kill after Redis is back finds it running
    written = lambda: sum(documents_written(store, f"*_w{i}") for i in (1, 2))  # noqa: E731
    crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "first.log", "wb"),
                             start_new_session=True)
    try:
        for moment in (8, 20):
            deadline = time.monotonic() + 120
            while written() < moment:
                assert crawl.poll() is None and time.monotonic() < deadline, (tmp_path / "first.log").read_text()[-3000:]
                time.sleep(0.005)
            if moment == 8:  # Redis goes down and comes back with what its append-only file kept
                redis_server.stop()
                redis_server.start()
        os.killpg(crawl.pid, signal.SIGKILL)  # every worker and the command itself
    finally:
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)
        crawl.wait()
    first_log = (tmp_path / "first.log").read_text()
    assert "Traceback" not in first_log, first_log[-4000:]
    assert not list(store.glob("snapshots/*/manifest.json"))

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-4000:]
    assert "Traceback" not in again.stderr, again.stderr[-4000:]
    result = CrawlResult(store, again)  # one snapshot: the second run went on in the first one's
    assert (result.root / "manifest.json").exists()
    assert run_nianbao("verify", str(result.root)).returncode == 0
    assert_same_corpus(result, offline_crawl, districts)
    assert_corpus_files_identical(result, offline_crawl)


def test_a_crawl_whose_workers_all_died_is_sealed_by_nianbao_seal(tmp_path, fresh_redis, offline_crawl):
    districts, store = "璧山区", tmp_path / "store"
    command = [sys.executable, "-m", "crawler.cli", "crawl", SPIDER, "--offline", "--store", str(store),
               "--redis", fresh_redis, "--workers", "2", "-a", f"districts={districts}"]
    crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "crawl.log", "wb"),
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while sum(documents_written(store, f"*_w{i}") for i in (1, 2)) < 6:
            assert crawl.poll() is None and time.monotonic() < deadline, (tmp_path / "crawl.log").read_text()[-3000:]
            time.sleep(0.005)
    finally:
        os.killpg(crawl.pid, signal.SIGKILL)  # every worker: nobody is left to merge and seal
        crawl.wait()
    (folder,) = (store / "snapshots").iterdir()
    assert (folder / "parts").is_dir() and not (folder / "manifest.json").exists()
    sealed = run_nianbao("seal", str(folder))
    assert sealed.returncode == 0, sealed.stderr[-3000:]
    result = CrawlResult(store, sealed)
    assert not (folder / "parts").exists() and run_nianbao("verify", str(folder)).returncode == 0
    validated = run_nianbao("validate", str(folder))  # the workers' open WARC files were cut whole
    assert validated.returncode == 0, validated.stdout[-2000:] + validated.stderr[-2000:]
    assert len(result.documents) >= 6
    assert_corpus_files_identical(result, offline_crawl)  # what was crawled, as a single process has it
    assert (folder / "coverage" / "coverage.csv").exists()
    again = run_nianbao("seal", str(folder))
    assert again.returncode == 1 and again.stderr == f"nianbao: {folder} is sealed already\n", again.stderr


def test_bad_cluster_arguments_are_one_line_errors():
    for args, message in ((["--workers", "3"], "--workers needs --redis"),
                          (["--redis", "redis://127.0.0.1:1/0"], "cannot use Redis at redis://127.0.0.1:1/0"),
                          (["--redis", "localhost:6379"], "cannot use Redis at localhost:6379")):
        proc = run_nianbao("crawl", SPIDER, *args, timeout=60)
        assert proc.returncode == 1 and proc.stderr.startswith(f"nianbao: {message}"), proc.stderr
        assert "Traceback" not in proc.stderr
