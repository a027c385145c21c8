"""Politeness against the offline portal: with the live defaults, one request at a time per host,
at least DOWNLOAD_DELAY (2 s) apart, robots.txt first; the delay counted from the answer, as the
server sees it."""

import sys
from datetime import datetime

from warcio.archiveiterator import ArchiveIterator

from conftest import ROOT, CrawlResult, run_nianbao

sys.path.insert(0, str(ROOT))  # the bench/ folder is not installed
from bench.cluster import ArrivalClock  # noqa: E402


def test_live_defaults_space_requests_to_a_host(tmp_path):
    from replica.server import OfflinePortal

    with OfflinePortal() as portal:
        proc = run_nianbao("crawl", "chongqing_districts", "--store", str(tmp_path), "-a", "districts=合川区",
                           "-s", f"NIANBAO_PROXY={portal.proxy_url}", "-s", "CLOSESPIDER_PAGECOUNT=4", timeout=120)
        requests = portal.requests
    crawl = CrawlResult(tmp_path, proc)
    sent = []
    for path in crawl.warc_files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "request":
                    sent.append(datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")))
    sent.sort()
    assert len(sent) >= 4
    gaps = [(b - a).total_seconds() for a, b in zip(sent, sent[1:])]
    # WARC-Date is when each request went out; a few milliseconds of connection set-up may differ
    assert min(gaps) >= 1.95, gaps
    assert requests[0] == ("GET", "http://www.hc.gov.cn/robots.txt")


def test_the_delay_is_counted_from_the_answer_as_the_server_sees_it(tmp_path):
    """Scrapy alone counts DOWNLOAD_DELAY from when a request leaves its download slot; a request
    that opens a connection reaches the server later than it left, the next one sooner. Counted
    from the answer (crawler.politeness.DelayFromAnswer), no two requests to a host reach the
    portal closer than the delay, robots.txt included."""
    from crawler.cli import OFFLINE_SETTINGS
    from replica.server import OfflinePortal

    delay = 0.2
    with OfflinePortal() as portal:
        clock = ArrivalClock(portal)
        settings = {**OFFLINE_SETTINGS, "NIANBAO_PROXY": portal.proxy_url, "DOWNLOAD_DELAY": delay,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        proc = run_nianbao("crawl", "chongqing_districts", "--store", str(tmp_path), "-a", "districts=璧山区,合川区",
                           *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")], timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    gaps = clock.gaps()  # robots.txt included: it goes through the host's download slot too
    assert len(gaps) >= 50
    print(f"{len(gaps)} gaps between two requests to one host, the smallest {gaps[0][0]:.3f} s (delay {delay} s)")
    assert all(g >= delay for g, _, _ in gaps), [g for g in gaps if g[0] < delay]
