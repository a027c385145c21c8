"""How much the archive costs a crawl: the offline portal crawled with and without it, in one run.

(All its portals but the hostile one, whose stalls would swamp the figures.)

Three variants of the same crawl of the offline portal, alternated over several rounds so that
machine noise hits them alike. The portal runs in a process of its own (`nianbao portal serve`), as
a real site would: served from a thread of the crawling process (`nianbao crawl --offline`) it
would share the crawl's interpreter lock, and the figures would measure its page making as much as
the crawl. The variants:
  scrapy   the spider alone (no WARC capture, no pipelines, no sealing): the baseline
  warc     + the WARC capture
  full     + extraction, corpus, index, WACZ and sealing (what `make demo` runs)
Prints per variant the median pages per second during the crawl, the median wall time of the whole
command (sealing included), and their ratios to the baseline. Nothing is asserted.

That crawl is CPU-bound: no latency, no delay, every page as fast as two shared cores make it.
`--polite` adds a second table, of the same crawl under the conditions of a real one: each host
answering after its own latency (`--latency`, default 200-800 ms per host, the portal's
`--latency`), one request per host at a time, `--delay` seconds between two (default 0.5; the
project's is 2, AutoThrottle off so that rounds compare). There the crawl waits on its hosts, and
what the pipeline costs is CPU spent while it waits: the bare spider and the full pipeline only.

usage: python bench/crawl.py [--rounds N] [--keep DIR] [--polite [--latency LOW-HIGH] [--delay S]]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.recrawl import ordinary_portals  # noqa: E402
from bench.portal import ServedPortal  # noqa: E402
from crawler import settings as project  # noqa: E402
from crawler.cli import OFFLINE_SETTINGS  # noqa: E402

CAPTURE = ("archive.capture.WarcCaptureMiddleware", "crawler.limits.BodySizeLimit")


def without(components: dict, names) -> dict:
    return {k: (None if k in names else v) for k, v in components.items()}


def variants() -> dict[str, dict]:
    # the coverage report (with its Chromium screenshot) is the archive's work, like the seal
    no_seal = without(project.EXTENSIONS, {"archive.sealing.SnapshotSeal", "crawler.coverage_report.CoverageReport"})
    return {
        "scrapy": {"DOWNLOADER_MIDDLEWARES": without(project.DOWNLOADER_MIDDLEWARES, CAPTURE),
                   "SPIDER_MIDDLEWARES": without(project.SPIDER_MIDDLEWARES, set(project.SPIDER_MIDDLEWARES)),
                   "ITEM_PIPELINES": {}, "EXTENSIONS": no_seal},
        "warc": {"ITEM_PIPELINES": {}, "EXTENSIONS": no_seal},
        "full": {},
    }


def run(name: str, overrides: dict, store: Path, proxy: str) -> dict:
    # what `--offline` sets, with the proxy of the portal's own process
    command = [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--store", str(store),
               "-a", f"districts={ordinary_portals()}", "-s", f"NIANBAO_PROXY={proxy}"]
    for key, value in {**OFFLINE_SETTINGS, **overrides}.items():
        command += ["-s", f"{key}={json.dumps(value)}"]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: the {name} crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
    (snapshot,) = sorted((store / "snapshots").iterdir())[-1:]
    stats = json.loads((snapshot / "crawl" / "stats.json").read_text("utf-8"))
    pages = stats.get("downloader/response_count", 0)
    return {"pages": pages, "pages_per_s": pages / stats["elapsed_time_seconds"], "wall_s": wall}


def rounds(portal: ServedPortal, chosen: dict[str, dict], count: int, work: Path, label: str) -> dict[str, list[dict]]:
    """The variants, alternated over `count` rounds so that machine noise hits them alike."""
    results: dict[str, list[dict]] = {name: [] for name in chosen}
    for round_ in range(count):
        for name, overrides in chosen.items():
            result = run(name, overrides, work / f"{label}{name}-{round_}", portal.proxy_url)
            results[name].append(result)
            print(f"{label}round {round_ + 1}/{count} {name:7s} {result['pages']} pages, "
                  f"{result['pages_per_s']:.0f} pages/s, {result['wall_s']:.1f} s", file=sys.stderr)
    return results


def table(results: dict[str, list[dict]], count: int) -> None:
    base = {k: statistics.median(r[k] for r in results["scrapy"]) for k in ("pages_per_s", "wall_s")}
    print(f"{'variant':8s} {'pages':>6s} {'pages/s':>8s} {'ratio':>6s} {'wall s':>7s} {'ratio':>6s}")
    for name, runs in results.items():
        rate = statistics.median(r["pages_per_s"] for r in runs)
        wall = statistics.median(r["wall_s"] for r in runs)
        print(f"{name:8s} {runs[0]['pages']:6d} {rate:8.1f} {rate / base['pages_per_s']:6.2f} "
              f"{wall:7.1f} {wall / base['wall_s']:6.2f}")
    print(f"(medians of {count} rounds; ratios against the scrapy baseline of this run)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="keep the stores in this folder")
    parser.add_argument("--polite", action="store_true", help="also the same crawl with per-host latency and a delay")
    parser.add_argument("--latency", default="200-800", help="with --polite: LOW-HIGH ms per host (default 200-800)")
    parser.add_argument("--delay", type=float, default=0.5, help="with --polite: DOWNLOAD_DELAY (default 0.5 s)")
    args = parser.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        with ServedPortal() as portal:
            results = rounds(portal, variants(), args.rounds, work, "")
        if args.polite:
            polite = {"DOWNLOAD_DELAY": args.delay, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
            chosen = {name: {**variants()[name], **polite} for name in ("scrapy", "full")}
            with ServedPortal(latency=args.latency) as portal:
                polite_results = rounds(portal, chosen, args.rounds, work, "polite ")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\nCPU-bound: no latency, no delay")
    table(results, args.rounds)
    if args.polite:
        print(f"\nPolite: each host answering after {args.latency} ms, one request per host at a time, "
              f"DOWNLOAD_DELAY {args.delay} s")
        table(polite_results, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
