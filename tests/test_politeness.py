"""A crawl with the live defaults, against the offline portal: one request at a time per host,
at least DOWNLOAD_DELAY (2 s) apart, robots.txt first, the contact in the User-Agent."""

from datetime import datetime

from warcio.archiveiterator import ArchiveIterator

from conftest import CrawlResult, run_nianbao


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
