"""The general spider on every platform the offline portal serves beyond Chongqing, in one crawl.

`scrapy crawl portals -a roots=…` with only the proxy and no delays, as a portal replica kept outside
the project is crawled; the roots are of every kind a user gives (home page, 政务公开 page, the 年报
column itself). The offline portal runs in this process: its request log says what reached it.
"""

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import ROOT, CrawlResult
from crawler.portals import bare_host
from replica.scoring import score

ROOTS = {  # portal → the root a researcher might give
    "东丽区": "http://www.tjdl.gov.cn/",  # home page, TRS classic
    "中卫市": "http://www.nxzw.gov.cn/",  # home page, TRS with year sub-columns
    "会昌县": "http://www.huichang.gov.cn/",  # home page; its disclosure platform is on a sub-domain
    "咸宁市": "http://www.xianning.gov.cn/col/col5402001/index.html",  # the 政务公开 page, Hanweb
    "从化区": "http://www.conghua.gov.cn/",  # home page, gkmlpt
    "平潭综合实验区": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",  # the 年报 column itself
}
MAX_REQUESTS_PER_REPORT = 3


class PlatformCrawl(CrawlResult):
    def __init__(self, store, proc, portal):
        super().__init__(store, proc)
        self.requests = portal.requests
        self.replica = portal.replica

    @property
    def request_urls(self) -> list[str]:
        """Every request the crawl made (the WARC's request records: inside TLS too)."""
        urls = []
        for path in self.warc_files:
            with open(path, "rb") as stream:
                urls += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)
                         if r.rec_type == "request"]
        return urls


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    from replica.server import OfflinePortal

    store = tmp_path_factory.mktemp("platforms")
    with OfflinePortal() as portal:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "roots=" + ",".join(ROOTS.values()),
             "-s", f"NIANBAO_PROXY={portal.proxy_url}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", f"NIANBAO_STORE={store}"],
            cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-5000:]
        return PlatformCrawl(store, proc, portal)


def found_by(crawl, built) -> list[str]:
    return [d["url"] for d in crawl.documents if bare_host(urlsplit(d["url"]).hostname) in built.hosts]


@pytest.mark.parametrize("name", list(ROOTS))
def test_every_report_and_nothing_else_and_no_request_off_scope(crawl, name):
    built = crawl.replica.platform(name)
    others = [b.portal for b in crawl.replica.platforms if b is not built]
    result = score(built, found_by(crawl, built), crawl.requests, other_portals=others)
    assert not result.missed, sorted(result.missed)
    assert not result.wrong, sorted(result.wrong)
    assert not result.off_scope, result.off_scope[:5]


def test_no_request_leaves_the_portals_at_all(crawl):
    allowed = {h for b in crawl.replica.platforms for h in b.hosts}
    hosts = {bare_host(urlsplit(t).hostname if m != "CONNECT" else t.rsplit(":", 1)[0]) for m, t in crawl.requests}
    assert hosts <= allowed, hosts - allowed


@pytest.mark.parametrize("name", list(ROOTS))
def test_at_most_three_requests_per_report(crawl, name):
    built = crawl.replica.platform(name)
    asked = [r for r in crawl.request_urls if bare_host(urlsplit(r).hostname) in built.hosts]
    assert len(asked) <= MAX_REQUESTS_PER_REPORT * len(built.expected_reports()), len(asked)


def test_reports_published_as_files_are_documents_of_kind_file(crawl):
    files = {url for b in crawl.replica.platforms for url, r in b.expected_reports().items() if r["file"]}
    documents = {d["canonical_url"]: d for d in crawl.documents}
    assert files and files <= set(documents)
    expected = {url: r for b in crawl.replica.platforms for url, r in b.expected_reports().items()}
    for url in files:
        doc = documents[url]
        assert doc["kind"] == "file" and doc["title"] == expected[url]["title"], (url, doc["title"])
        assert doc["report_year"] == expected[url]["year"] and "一、总体情况" in doc["text"], url
        assert doc["warc_record_id"] and doc["payload_digest"].startswith("sha256:")


def test_reports_of_sub_sites_name_their_unit(crawl):
    units = {d["unit"] for d in crawl.documents if d["unit"]}
    assert {"咸宁市科学技术局", "咸宁市财政局"} <= units, units


def test_the_summary_says_where_a_portal_found_nothing(crawl):
    rows = crawl.summary["portals"]
    assert all(row["reports"] and not row["found_nothing_at"] for row in rows.values()), rows
    assert all(row["steps"]["columns"] for row in rows.values())


@pytest.fixture
def empty_portal_crawl(tmp_path):
    """A root that leads nowhere (a script of the gkmlpt platform, given as a portal's root)."""
    from replica.server import OfflinePortal

    with OfflinePortal() as portal:
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "portals", "--store", str(tmp_path),
             "-a", "roots=http://www.conghua.gov.cn/gkmlpt/static/js/gkmlpt.js", "-s", f"NIANBAO_PROXY={portal.proxy_url}",
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc, CrawlResult(Path(tmp_path), proc)


def test_a_portal_with_no_way_in_is_reported_with_the_step_that_found_nothing(empty_portal_crawl):
    proc, result = empty_portal_crawl
    (row,) = result.summary["portals"].values()
    assert row["reports"] == 0 and row["found_nothing_at"], row
    assert "found nothing: " + row["found_nothing_at"] in proc.stdout
    json.dumps(result.summary)  # the summary stays plain JSON


def test_a_list_only_its_script_writes_goes_through_the_browser_when_no_module_reads_it(tmp_path):
    """从化区's 年报 page with the gkmlpt module left out: the list exists only once its script ran."""
    from replica.server import OfflinePortal

    with OfflinePortal() as portal:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "roots=http://www.conghua.gov.cn/gkmlpt/annualreport",
             "-s", f"NIANBAO_PROXY={portal.proxy_url}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", f"NIANBAO_STORE={tmp_path}", "-s", "NIANBAO_LIST_READERS=trs,hanweb,fujian"],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-5000:]
        built = portal.replica.platform("从化区")
    result = CrawlResult(Path(tmp_path), proc)
    (row,) = result.summary["portals"].values()
    assert row["steps"]["rendered_lists"] == 1
    found = {d["canonical_url"] for d in result.documents}
    assert found and found <= set(built.expected_reports())  # the script's first page: reports only


def test_reextraction_of_any_portals_is_byte_identical(crawl, tmp_path):
    """Units and file reports come back from the WARC files alone (their metadata records)."""
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "reextract", str(crawl.root), "--store", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (new,) = (tmp_path / "snapshots").iterdir()
    original = (crawl.root / "corpus" / "documents.jsonl").read_bytes()
    assert (new / "corpus" / "documents.jsonl").read_bytes() == original
    assert b'"kind": "file"' in original and '"unit": "咸宁市科学技术局"'.encode() in original


def test_coverage_counts_equal_each_platforms_truth(crawl):
    """coverage/coverage.csv of the crawl of every other platform: the report years found per portal
    (its own and its departments' and townships') are those the replica serves."""
    import csv
    from collections import defaultdict

    from archive.coverage import SUBSITE

    rows = list(csv.DictReader((crawl.root / "coverage" / "coverage.csv").open(encoding="utf-8")))
    portals = json.loads((crawl.root / "crawl" / "portals.json").read_text("utf-8"))["portals"]
    key_of_host = {bare_host(urlsplit(p["root_url"]).hostname): p["code"] or f"{p['parent']}/{p['name']}"
                   for p in portals}
    truth = defaultdict(set)
    for built in crawl.replica.platforms:
        (key,) = {key_of_host[h] for h in built.hosts if h in key_of_host}
        truth[key] |= {r["year"] for r in built.expected_reports().values()}
    found = defaultdict(set)
    for row in rows:
        if row["status"] in ("page", "file"):
            found[row["parent"] if row["level"] == SUBSITE else row["code"]].add(int(row["report_year"]))
    assert found == truth
    assert {row["status"] for row in rows} <= {"page", "file", "missing"}  # nothing failed
