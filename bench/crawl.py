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

usage: python bench/crawl.py [--rounds N] [--keep DIR]
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="keep the stores in this folder")
    args = parser.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="nianbao-bench-"))
    results: dict[str, list[dict]] = {name: [] for name in variants()}
    try:
        with ServedPortal() as portal:
            for round_ in range(args.rounds):
                for name, overrides in variants().items():
                    result = run(name, overrides, work / f"{name}-{round_}", portal.proxy_url)
                    results[name].append(result)
                    print(f"round {round_ + 1}/{args.rounds} {name:7s} {result['pages']} pages, "
                          f"{result['pages_per_s']:.0f} pages/s, {result['wall_s']:.1f} s", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    base = {k: statistics.median(r[k] for r in results["scrapy"]) for k in ("pages_per_s", "wall_s")}
    print(f"\n{'variant':8s} {'pages':>6s} {'pages/s':>8s} {'ratio':>6s} {'wall s':>7s} {'ratio':>6s}")
    for name, runs in results.items():
        rate = statistics.median(r["pages_per_s"] for r in runs)
        wall = statistics.median(r["wall_s"] for r in runs)
        print(f"{name:8s} {runs[0]['pages']:6d} {rate:8.0f} {rate / base['pages_per_s']:6.2f} "
              f"{wall:7.1f} {wall / base['wall_s']:6.2f}")
    print(f"(medians of {args.rounds} rounds; ratios against the scrapy baseline of this run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
