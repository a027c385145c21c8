"""One crawl on 1, 2 and 4 workers through Redis, against one process, in one run.

The offline portal (all its portals but the hostile one) is crawled with a per-host delay
(`--delay`, default 0.5 s) the way a polite live crawl is: one process with Scrapy's scheduler
(the baseline), then `nianbao crawl --redis … --workers W`. Prints per variant the wall time of
the whole command (sealing included), the documents, its ratio of time to the baseline, and the
smallest gap between two requests to one host as the portal received them (politeness: never
below the delay) and between the request records of all the workers' WARC files. A redis-server of its own runs on a free port in a temporary folder.
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


class ArrivalClock:
    """When each request reached the offline portal, by host: politeness as the server sees it.
    (The WARC-Date of a request is taken on the crawler's event loop and reads late when the loop
    is busy, so gaps between records can read shorter than they were.)"""

    def __init__(self, portal):
        self.by_host: dict[str, list[tuple[float, str]]] = defaultdict(list)
        logged = portal.server.log

        def log(entry):
            method, url = entry
            if method != "CONNECT":
                self.by_host[urlsplit(url).netloc].append((time.monotonic(), url))
            logged(entry)

        portal.server.log = log

    def gaps(self, robots: bool = True) -> list[tuple[float, str, str]]:
        """(seconds, URL, next URL) between consecutive requests to one host. `robots=False`:
        leaving out robots.txt, which each worker asks for itself (holding the host) and which
        Scrapy spaces from the next request from the moment it left the download slot, before its
        connection was made: a few ms less at the server."""
        out = []
        for times in self.by_host.values():
            kept = [(t, url) for t, url in times if robots or not url.endswith("/robots.txt")]
            out += [(b[0] - a[0], a[1], b[1]) for a, b in zip(kept, kept[1:])]
        return sorted(out)

    def smallest_gap(self, robots: bool = True) -> float | None:
        gaps = self.gaps(robots)
        return gaps[0][0] if gaps else None


def smallest_gap(by_host: dict[str, list[tuple[datetime, str]]]) -> float | None:
    gaps = [(b[0] - a[0]).total_seconds() for times in by_host.values() for a, b in zip(times, times[1:])]
    return min(gaps) if gaps else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crawl(store: Path, districts: str, delay: float, redis_url: str | None, workers: int) -> dict:
    from crawler.cli import OFFLINE_SETTINGS
    from replica.server import OfflinePortal

    with OfflinePortal() as portal:
        clock = ArrivalClock(portal)
        settings = {**OFFLINE_SETTINGS, "DOWNLOAD_DELAY": delay, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                    "NIANBAO_PROXY": portal.proxy_url}
        command = [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--store", str(store),
                   "-a", f"districts={districts}", *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")]]
        if redis_url:
            command += ["--redis", redis_url, "--workers", str(workers)]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    (root,) = (store / "snapshots").iterdir()
    documents = (root / "corpus" / "documents.jsonl").read_text("utf-8").count("\n")
    warc_gap = smallest_gap(request_starts_by_host(sorted((root / "warc").glob("*.warc.gz"))))
    gaps = clock.gaps(robots=False)
    return {"wall": wall, "documents": documents, "gap": clock.smallest_gap(robots=False),
            "robots_gap": clock.smallest_gap(), "warc_gap": warc_gap,
            "below": sum(g < delay for g, _, _ in gaps), "gaps": len(gaps), "closest": gaps[:2]}


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
    print("smallest gap between two requests to one host: as the portal received them (without, then with "
          "robots.txt), and between the WARC records' dates")
    print(f"{'variant':<12}{'wall s':>9}{'× 1 process':>13}{'documents':>11}{'gap s':>9}{'+robots':>9}{'WARC':>8}")
    for name, row in rows.items():
        gaps = [f"{row[k]:.3f}" if row[k] is not None else "-" for k in ("gap", "robots_gap", "warc_gap")]
        print(f"{name:<12}{row['wall']:>9.1f}{row['wall'] / base:>13.2f}{row['documents']:>11}"
              f"{gaps[0]:>9}{gaps[1]:>9}{gaps[2]:>8}{row['below']:>6} of {row['gaps']} gaps below the delay")
    for name, row in rows.items():
        for gap, first, then in row["closest"]:
            print(f"  {name}: {gap:.3f} s from {first} to {then}")


if __name__ == "__main__":
    main()
