"""One crawl on 1, 2 and 4 workers through Redis, against one process, in one run.

The offline portal (all its portals but the hostile one) is crawled with a per-host delay
(`--delay`, default 0.5 s) the way a polite live crawl is: one process with Scrapy's scheduler
(the baseline), then `nianbao crawl --redis … --workers W`. Prints per variant the wall time of
the whole command (sealing included), the documents, its ratio of time to the baseline, and the
smallest gap between two requests to one host over all the workers' WARC records (politeness:
never below the delay). A redis-server of its own runs on a free port in a temporary folder.
Nothing is asserted.

usage: python bench/cluster.py [--delay S] [--workers 1,2,4] [--districts A,B]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def request_starts_by_host(warc_files) -> dict[str, list[tuple[datetime, str]]]:
    """(WARC-Date, file name) of every request record, by host, in time order. The date of a
    request record is when the request left for the server (archive/capture.py)."""
    from warcio.archiveiterator import ArchiveIterator

    out = defaultdict(list)
    for path in warc_files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "request":
                    when = datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00"))
                    out[urlsplit(record.rec_headers.get_header("WARC-Target-URI")).netloc].append((when, Path(path).name))
    return {host: sorted(times) for host, times in out.items()}


def smallest_gap(by_host: dict[str, list[tuple[datetime, str]]]) -> float | None:
    gaps = [(b[0] - a[0]).total_seconds() for times in by_host.values() for a, b in zip(times, times[1:])]
    return min(gaps) if gaps else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crawl(store: Path, districts: str, delay: float, redis_url: str | None, workers: int) -> dict:
    command = [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--offline", "--store", str(store),
               "-a", f"districts={districts}", "-s", f"DOWNLOAD_DELAY={delay}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    if redis_url:
        command += ["--redis", redis_url, "--workers", str(workers)]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    (root,) = (store / "snapshots").iterdir()
    documents = (root / "corpus" / "documents.jsonl").read_text("utf-8").count("\n")
    return {"wall": wall, "documents": documents, "gap": smallest_gap(request_starts_by_host(sorted((root / "warc").glob("*.warc.gz"))))}


def main() -> None:
    from bench.recrawl import ordinary_portals

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--districts", default=None)
    args = parser.parse_args()
    districts = args.districts or ordinary_portals()
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-cluster-"))
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
                               "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        rows = {"1 process": crawl(work / "single", districts, args.delay, None, 1)}
        for workers in map(int, args.workers.split(",")):
            rows[f"{workers} workers"] = crawl(work / f"w{workers}", districts, args.delay, f"redis://127.0.0.1:{port}/0", workers)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    base = rows["1 process"]["wall"]
    print(f"offline portal, DOWNLOAD_DELAY={args.delay} s, one request per host at a time")
    print(f"{'variant':<12}{'wall s':>9}{'× 1 process':>13}{'documents':>11}{'smallest gap s':>16}")
    for name, row in rows.items():
        gap = f"{row['gap']:.3f}" if row["gap"] is not None else "-"
        print(f"{name:<12}{row['wall']:>9.1f}{row['wall'] / base:>13.2f}{row['documents']:>11}{gap:>16}")


if __name__ == "__main__":
    main()
