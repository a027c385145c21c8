"""One crawl on 1, 2 and 4 workers through Redis, against one process, in one run.

The offline portal (all its portals but the hostile one) is crawled with a per-host delay
(`--delay`, default 0.5 s) the way a polite live crawl is: one process with Scrapy's scheduler
(the baseline), then `nianbao crawl --redis … --workers W`. Prints per variant the wall time of
the whole command (sealing included), the documents, its throughput (documents per second) as a
ratio to the baseline's, whether its documents are the baseline's, and the
smallest gap between two requests to one host as the portal received them (politeness: never
below the delay) and between the request records of all the workers' WARC files. A redis-server of its own runs on a free port in a temporary folder.
Nothing is asserted.

At scale (`--scale N`), the crawl is of N copies of the platform portals on hosts of their own
(`replica/scale.py`), each host answering after its own latency (`--latency`, default 200-800 ms
drawn per host from a fixed seed), with the general spider: waiting, not the offline portal's
speed, bounds it, as on the web.

usage: python bench/cluster.py [--delay S] [--workers 1,2,4] [--districts A,B] [--scale N [--latency LOW-HIGH]]
                              [--concurrency C]
"""

from __future__ import annotations

import argparse
import json
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


class Target:
    """What is crawled: the offline portal's districts (the default), or `scale` copies of its
    platform portals, each host answering after its own latency (replica/scale.py)."""

    def __init__(self, districts: str | None, scale: int, latency: str | None):
        from crawler.cli import offline_replica

        self.scale = scale
        self.replica, self.latency = offline_replica(1, scale, latency if scale else "0")
        self.folder = Path(tempfile.mkdtemp(prefix="nianbao-bench-target-"))
        if scale:
            from replica.scale import registry_entries, scaled_portals

            registry = self.folder / "portals.json"
            registry.write_text(json.dumps({"portals": registry_entries(scaled_portals(self.replica))}, ensure_ascii=False))
            self.spider, self.arguments = "portals", {"registry": str(registry)}
        else:
            from bench.recrawl import ordinary_portals

            self.spider, self.arguments = "chongqing_districts", {"districts": districts or ordinary_portals()}

    def describe(self) -> str:
        if not self.scale:
            return f"offline portal ({self.arguments['districts'].count(',') + 1} districts)"
        low, high = self.latency.bounds if self.latency else (0, 0)
        return f"{self.scale} portals of the platforms' shapes, each host answering after {low * 1000:.0f}-{high * 1000:.0f} ms"


def crawl(store: Path, target: Target, delay: float, redis_url: str | None, workers: int, concurrency: int = 16) -> dict:
    from crawler.cli import OFFLINE_SETTINGS
    from replica.server import OfflinePortal

    with OfflinePortal(replica=target.replica, latency=target.latency) as portal:
        clock = ArrivalClock(portal)
        settings = {**OFFLINE_SETTINGS, "DOWNLOAD_DELAY": delay, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                    "CONCURRENT_REQUESTS": concurrency, "NIANBAO_PROXY": portal.proxy_url}
        if target.scale:  # the latencies are the servers': Scrapy waits out the slowest, as on the web
            settings["DOWNLOAD_TIMEOUT"] = 30
        command = [sys.executable, "-m", "crawler.cli", "crawl", target.spider, "--store", str(store),
                   *[a for k, v in target.arguments.items() for a in ("-a", f"{k}={v}")],
                   *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")]]
        if redis_url:
            command += ["--redis", redis_url, "--workers", str(workers)]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    (root,) = (store / "snapshots").iterdir()
    lines = (root / "corpus" / "documents.jsonl").read_text("utf-8").splitlines()
    warc_gap = smallest_gap(request_starts_by_host(sorted((root / "warc").glob("*.warc.gz"))))
    gaps = clock.gaps(robots=False)
    return {"wall": wall, "documents": len(lines), "doc_ids": sorted(json.loads(line)["doc_id"] for line in lines),
            "gap": clock.smallest_gap(robots=False), "robots_gap": clock.smallest_gap(), "warc_gap": warc_gap,
            "below": sum(g < delay for g, _, _ in gaps), "gaps": len(gaps), "closest": gaps[:2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--districts", default=None)
    parser.add_argument("--scale", type=int, default=0, help="crawl N copies of the platform portals instead")
    parser.add_argument("--latency", default=None, help="with --scale: LOW-HIGH ms per host (default 200-800)")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="CONCURRENT_REQUESTS of each process: the hosts one process keeps busy at once")
    args = parser.parse_args()
    target = Target(args.districts, args.scale, args.latency)
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-cluster-"))
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
                               "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        rows = {"1 process": crawl(work / "single", target, args.delay, None, 1, args.concurrency)}
        for workers in map(int, args.workers.split(",")):
            rows[f"{workers} workers"] = crawl(work / f"w{workers}", target, args.delay, f"redis://127.0.0.1:{port}/0",
                                               workers, args.concurrency)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(target.folder, ignore_errors=True)
    base = rows["1 process"]
    print(f"{target.describe()}, DOWNLOAD_DELAY={args.delay} s, one request per host at a time, "
          f"CONCURRENT_REQUESTS={args.concurrency} per process")
    print("throughput: documents per second of the whole command (sealing included) as a ratio to 1 process; "
          "same docs: the documents' ids are the 1 process's")
    print("smallest gap between two requests to one host over all workers: as the portal received them (without, "
          "then with robots.txt), and between the WARC records' dates")
    print(f"{'variant':<12}{'wall s':>9}{'docs/s':>8}{'× 1 process':>13}{'documents':>11}{'same docs':>11}"
          f"{'gap s':>9}{'+robots':>9}{'WARC':>8}")
    for name, row in rows.items():
        gaps = [f"{row[k]:.3f}" if row[k] is not None else "-" for k in ("gap", "robots_gap", "warc_gap")]
        rate = row["documents"] / row["wall"]
        print(f"{name:<12}{row['wall']:>9.1f}{rate:>8.2f}{rate / (base['documents'] / base['wall']):>13.2f}"
              f"{row['documents']:>11}{'yes' if row['doc_ids'] == base['doc_ids'] else 'NO':>11}"
              f"{gaps[0]:>9}{gaps[1]:>9}{gaps[2]:>8}{row['below']:>6} of {row['gaps']} gaps below the delay")
    for name, row in rows.items():
        for gap, first, then in row["closest"]:
            print(f"  {name}: {gap:.3f} s from {first} to {then}")


if __name__ == "__main__":
    main()
