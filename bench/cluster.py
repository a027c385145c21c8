"""One crawl on 1, 2 and 4 workers through Redis, against one process, in one run; and the memory
of one worker as its crawl grows.

**Throughput.** `--scale N` copies of the platform portals (`replica/scale.py`), each host answering
after its own latency (`--latency`, default 200-800 ms per host from a fixed seed), crawled with the
general spider and a per-host delay (`--delay`, default 0.5 s), one request per host at a time and
`--concurrency` requests at once per process: one process with Scrapy's scheduler (the baseline),
then `nianbao crawl --redis … --workers W`. The scale is chosen so that the hosts outnumber what one
process keeps busy (C concurrent requests, each held for a host's latency), so more workers can
matter. Per variant: wall time of the whole command (sealing included), documents, throughput
(documents per second) as a ratio to the baseline's, whether its documents are the baseline's, the
wall time against the politeness bound (the busiest host's requests × the delay: a polite crawl
cannot be shorter) and against the busiest host's chain (its requests × (its latency + the delay):
with the delay counted from each answer, no crawl of that host is shorter), the CPU the crawl's
processes used (seconds, and cores busy on average) and the smallest gap between two requests to
one host as the portal received them (politeness: never below the delay).

The offline portal runs in processes of its own (`nianbao portal serve --processes K`), not in a
thread of the crawler (they would share one interpreter lock), and logs when each request arrived.

**Memory.** One worker (`scrapy crawl portals -s REDIS_URL=…`, the full pipeline) crawls a scale
big enough for the largest of `--pages` (default 5000,10000,50000) with no delay and no latency; its
peak RSS (VmHWM) is read as the portal's log reaches each count, with its growth from the first two
counts (a crawl of a thousand portals fetches their home pages and lists first: its first documents
come after 5000 pages; the readers are imported when the extraction pipeline opens, what their first
use costs comes with the first documents). The crawl is stopped after the last. So the first count
reads a crawl that has read no report yet; first, one worker crawls the whole of a scale of about
the first count's pages (reports and files read, to the end), and each later count's peak is also
given against that crawl's peak while it crawled: memory against the size of the crawl, the same
kinds of pages on both sides. That crawl's peak with its close (the last worker merges, indexes,
packages and seals the snapshot) is printed too.

A redis-server of its own runs on a free port in a temporary folder; everything (portal processes,
Redis, temporary folders) is stopped and removed on the way out, Ctrl-C included. Nothing is asserted.

`--quick`: a small run of each part (a few minutes). `--districts` (no scale): the offline portal's
Chongqing districts instead, each answering at once.

usage: python bench/cluster.py [--quick] [--delay S] [--workers 1,2,4] [--scale N] [--latency LOW-HIGH]
                              [--concurrency C] [--portal-processes K] [--pages A,B | --pages 0]
                              [--districts A,B]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

from bench.memprobe import proc_status  # noqa: E402
from bench.portal import ServedPortal, children_cpu, free_port, stop_group  # noqa: E402


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
    """When each request reached an in-process offline portal, by host: politeness as the server
    sees it. (The WARC-Date of a request is taken on the crawler's event loop and reads late when
    the loop is busy, so gaps between records can read shorter than they were.)"""

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
        return host_gaps(self.by_host, robots)

    def smallest_gap(self, robots: bool = True) -> float | None:
        gaps = self.gaps(robots)
        return gaps[0][0] if gaps else None


def arrivals_by_host(request_log) -> dict[str, list[tuple[float, str]]]:
    """(arrival, URL) of every request but CONNECTs in a portal's request log, by host."""
    from replica.server import read_request_log

    out = defaultdict(list)
    for arrived, method, url in read_request_log(request_log):
        if method != "CONNECT":
            out[urlsplit(url).netloc].append((arrived, url))
    return out


def host_gaps(by_host: dict[str, list[tuple[float, str]]], robots: bool = True) -> list[tuple[float, str, str]]:
    """(seconds, URL, next URL) between consecutive requests to one host. `robots=False`: leaving
    out robots.txt, which each worker asks for itself (holding the host)."""
    out = []
    for times in by_host.values():
        kept = [(t, url) for t, url in sorted(times) if robots or not url.endswith("/robots.txt")]
        out += [(b[0] - a[0], a[1], b[1]) for a, b in zip(kept, kept[1:])]
    return sorted(out)


def smallest_gap(by_host: dict[str, list[tuple[datetime, str]]]) -> float | None:
    gaps = [(b[0] - a[0]).total_seconds() for times in by_host.values() for a, b in zip(times, times[1:])]
    return min(gaps) if gaps else None


class Target:
    """What is crawled: `scale` copies of the platform portals, each host answering after its own
    latency (replica/scale.py), or (scale 0) the offline portal's districts."""

    def __init__(self, districts: str | None, scale: int, latency: str | None):
        from crawler.cli import offline_replica

        self.scale, self.latency_text = scale, latency if scale else "0"
        self.replica, self.latency = offline_replica(1, scale, self.latency_text)
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
        return (f"{self.scale} portals of the platforms' shapes ({len(self.replica.hosts)} hosts served), "
                f"each host answering after {low * 1000:.0f}-{high * 1000:.0f} ms")

    def host_latency(self, host: str) -> float:
        return self.latency(host) if self.latency else 0.0

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def crawl_command(target: Target, store: Path, settings: dict) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", target.spider, "--store", str(store),
            *[a for k, v in target.arguments.items() for a in ("-a", f"{k}={v}")],
            *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")]]


def crawl(store: Path, target: Target, delay: float, redis_url: str | None, workers: int, concurrency: int,
          processes: int) -> dict:
    from crawler.cli import OFFLINE_SETTINGS

    with ServedPortal(target.scale, processes, target.latency_text) as portal:
        settings = {**OFFLINE_SETTINGS, "DOWNLOAD_DELAY": delay, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                    "CONCURRENT_REQUESTS": concurrency, "NIANBAO_PROXY": portal.proxy_url}
        if target.scale:  # the latencies are the servers': Scrapy waits out the slowest, as on the web
            settings["DOWNLOAD_TIMEOUT"] = 30
        command = crawl_command(target, store, settings)
        if redis_url:
            command += ["--redis", redis_url, "--workers", str(workers)]
        cpu, started = children_cpu(), time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall, cpu = time.monotonic() - started, children_cpu() - cpu
        by_host = arrivals_by_host(portal.log)
    if done.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    (root,) = (store / "snapshots").iterdir()
    lines = (root / "corpus" / "documents.jsonl").read_text("utf-8").splitlines()
    warc_gap = smallest_gap(request_starts_by_host(sorted((root / "warc").glob("*.warc.gz"))))
    gaps = host_gaps(by_host, robots=False)
    busiest = max(by_host, key=lambda h: len(by_host[h]))
    chain = max(len(times) * (target.host_latency(h) + delay) for h, times in by_host.items())
    return {"wall": wall, "documents": len(lines), "doc_ids": sorted(json.loads(line)["doc_id"] for line in lines),
            "requests": sum(map(len, by_host.values())), "hosts": len(by_host),
            "bound": len(by_host[busiest]) * delay, "busiest": (busiest, len(by_host[busiest])), "chain": chain,
            "cpu": cpu, "portal_cpu": portal.cpu,
            "gap": gaps[0][0] if gaps else None, "robots_gap": (host_gaps(by_host) or [(None,)])[0][0],
            "warc_gap": warc_gap, "below": sum(g < delay for g, _, _ in gaps), "gaps": len(gaps), "closest": gaps[:2]}


def throughput(args, redis_url: str, work: Path) -> None:
    target = Target(args.districts, args.scale, args.latency)
    try:
        rows = {"1 process": crawl(work / "single", target, args.delay, None, 1, args.concurrency, args.portal_processes)}
        for workers in map(int, args.workers.split(",")):
            rows[f"{workers} workers"] = crawl(work / f"w{workers}", target, args.delay, redis_url, workers,
                                               args.concurrency, args.portal_processes)
    finally:
        target.remove()
    base = rows["1 process"]
    print(f"{target.describe()}, DOWNLOAD_DELAY={args.delay} s, one request per host at a time, "
          f"CONCURRENT_REQUESTS={args.concurrency} per process; the portal in {args.portal_processes} processes "
          f"of its own; {os.cpu_count()} cores (load average at the end {os.getloadavg()[0]:.1f})")
    print(f"requests: {base['requests']} to {base['hosts']} hosts; busiest host {base['busiest'][0]} "
          f"({base['busiest'][1]} requests): politeness bound {base['bound']:.1f} s (its requests × the delay), "
          f"its chain {base['chain']:.1f} s (its requests × (its latency + the delay))")
    print("throughput: documents per second of the whole command (sealing included) as a ratio to 1 process; "
          "same docs: the documents' ids are the 1 process's; × bound / × chain: wall time over the politeness "
          "bound / the busiest host's chain; CPU: seconds of the crawl's processes (cores busy on average), "
          "then of the portal's")
    print("smallest gap between two requests to one host over all workers: as the portal received them (without, "
          "then with robots.txt), and between the WARC records' dates")
    print(f"{'variant':<12}{'wall s':>8}{'docs/s':>8}{'× 1 proc':>9}{'docs':>6}{'same':>6}{'× bound':>9}"
          f"{'× chain':>9}{'CPU s':>8}{'cores':>7}{'portal':>8}{'gap s':>8}{'+robots':>9}{'WARC':>8}")
    for name, row in rows.items():
        gaps = [f"{row[k]:.3f}" if row[k] is not None else "-" for k in ("gap", "robots_gap", "warc_gap")]
        rate = row["documents"] / row["wall"]
        print(f"{name:<12}{row['wall']:>8.1f}{rate:>8.2f}{rate / (base['documents'] / base['wall']):>9.2f}"
              f"{row['documents']:>6}{'yes' if row['doc_ids'] == base['doc_ids'] else 'NO':>6}"
              f"{row['wall'] / row['bound']:>9.2f}{row['wall'] / row['chain']:>9.2f}{row['cpu']:>8.1f}"
              f"{row['cpu'] / row['wall']:>7.2f}{row['portal_cpu']:>8.1f}"
              f"{gaps[0]:>8}{gaps[1]:>9}{gaps[2]:>8}{row['below']:>6} of {row['gaps']} gaps below the delay")
    for name, row in rows.items():
        for gap, first, then in row["closest"]:
            print(f"  {name}: {gap:.3f} s from {first} to {then}")


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), KiB."""
    return proc_status(pid, ("VmHWM",))["VmHWM"]


class LogCounter:
    """Requests a portal's log holds so far (read on: only the new bytes each time)."""

    def __init__(self, path: Path):
        self.path, self.offset, self.count = path, 0, 0

    def __call__(self) -> int:
        if self.path.exists():
            with open(self.path, "rb") as stream:
                stream.seek(self.offset)
                data = stream.read()
            complete = data.rfind(b"\n") + 1
            self.offset += complete
            self.count += data.count(b"\n", 0, complete) - data.count(b"\tCONNECT\t", 0, complete)
        return self.count


def start_worker(target: Target, portal: ServedPortal, redis_url: str, store: Path, settings=None, env=None):
    """One worker (`scrapy crawl`, the full pipeline) crawling `target` through `portal`, in a session of its own."""
    from crawler.cli import OFFLINE_SETTINGS

    settings = {**OFFLINE_SETTINGS, "NIANBAO_PROXY": portal.proxy_url, "REDIS_URL": redis_url,
                "NIANBAO_STORE": str(store), "LOG_LEVEL": "INFO", **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", target.spider,
               *[a for k, v in target.arguments.items() for a in ("-a", f"{k}={v}")],
               *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")]]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", **(env or {})},
                            start_new_session=True)


def whole_crawl_peak(pages: int, portal_processes: int, redis_url: str, work: Path) -> tuple[int, int, int]:
    """Peak RSS (KiB) of one worker's whole crawl of about `pages` pages (its reports and files read,
    as a bigger crawl's are): while it crawled (the last VmHWM read while the portal still received
    requests) and in all (its close included: the merge, index, package and seal); and its requests."""
    target = Target(None, max(1, pages // MEAN_PAGES_PER_COPY), "0")
    print(f"  a whole crawl of about {pages} pages, {target.describe()} ...", flush=True)
    peak = crawling = 0
    try:
        with ServedPortal(target.scale, portal_processes, "0") as portal:
            worker, fetched = start_worker(target, portal, redis_url, work / "memory-whole"), LogCounter(portal.log)
            requests = 0
            try:
                while worker.poll() is None:
                    try:
                        peak = peak_rss_kib(worker.pid)
                    except (OSError, RuntimeError):  # ended between poll and read
                        break
                    if (now := fetched()) > requests:
                        requests, crawling = now, peak
                    time.sleep(0.2)
            finally:
                stop_group(worker)
            return crawling, peak, fetched()
    finally:
        target.remove()


def memory(args, redis_url: str, work: Path) -> None:
    """Peak RSS of one worker at each of `args.pages` pages fetched, and of a whole crawl of the
    first count."""
    counts = sorted(map(int, args.pages.split(",")))
    whole, closed, whole_requests = whole_crawl_peak(counts[0], args.portal_processes, redis_url.rsplit("/", 1)[0] + "/2", work)
    print(f"  {counts[0]:>7} pages, a whole crawl: peak RSS {whole / 1024:.1f} MiB while it crawled, {closed / 1024:.1f} "
          f"with its close ({whole_requests} requests)", flush=True)
    target = Target(None, counts[-1] // PAGES_PER_COPY + 1, "0")
    peaks, started = {}, time.monotonic()
    print(f"memory of one worker (scrapy crawl portals -s REDIS_URL=…, full pipeline), {target.describe()}, "
          "no delay: peak RSS (VmHWM) as the portal's log reached each count of requests", flush=True)
    try:
        with ServedPortal(target.scale, args.portal_processes, "0") as portal:
            worker = start_worker(target, portal, redis_url, work / "memory")
            fetched = LogCounter(portal.log)
            try:
                while len(peaks) < len(counts) and worker.poll() is None:
                    time.sleep(0.2)
                    now = fetched()
                    for count in counts:
                        if count not in peaks and now >= count:
                            peaks[count] = rss = peak_rss_kib(worker.pid)
                            growth = "".join(f"  {rss / peaks[c] - 1:+.1%} from {c}" for c in counts[:2] if c < count)
                            if count > counts[0]:
                                growth += f"  {rss / whole - 1:+.1%} from the whole crawl of {counts[0]}"
                            print(f"  {count:>7} pages: peak RSS {rss / 1024:.1f} MiB ({now} requests, "
                                  f"{time.monotonic() - started:.0f} s){growth}", flush=True)
            finally:
                stop_group(worker)
    finally:
        target.remove()
    for count in counts:
        if count not in peaks:
            print(f"  {count:>7} pages: not reached (the crawl ended at {fetched()} requests)")


PAGES_PER_COPY = 40  # requests a crawl makes of one copy: about 50 on average (32 copies: 1622), so a margin
MEAN_PAGES_PER_COPY = 50  # for a whole crawl of about N pages (100 copies: 4996 requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run of each part: --scale 8 --concurrency 2 "
                        "--pages 1000,5000")
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--districts", default=None, help="with --scale 0: the Chongqing districts to crawl")
    parser.add_argument("--scale", type=int, default=None, help="crawl N copies of the platform portals (default 32)")
    parser.add_argument("--latency", default=None, help="LOW-HIGH ms per host (default 200-800)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="CONCURRENT_REQUESTS of each process: the hosts one process keeps busy at once (default 4)")
    parser.add_argument("--portal-processes", type=int, default=2, help="processes serving the offline portal")
    parser.add_argument("--pages", default=None, help="counts of pages at which to read one worker's peak RSS "
                        "(default 5000,10000,50000; 0: no memory run)")
    args = parser.parse_args()
    quick = {"scale": 8, "concurrency": 2, "pages": "1000,5000"}
    full = {"scale": 32, "concurrency": 4, "pages": "5000,10000,50000"}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-cluster-"))
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
                               "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.5)
    try:
        if args.workers:
            throughput(args, f"redis://127.0.0.1:{port}/0", work)
        if args.pages != "0":
            memory(args, f"redis://127.0.0.1:{port}/1", work)
    finally:
        stop_group(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
