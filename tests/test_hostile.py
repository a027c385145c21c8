"""Hostile pages: one crawl of the offline portal's hostile portal (城口县), every case checked.

The portal runs in this process, so the test sees what reached the server; the crawl is the
`nianbao` command with the offline settings, a 3 s timeout and a proxy URL carrying a password.
"""

import gzip
import json
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import CrawlResult, run_nianbao
from crawler.cli import OFFLINE_SETTINGS
from crawler.urls import canonical_url
from replica.hostile import HUGE, JSL_CLEARANCE, OFF_HOST, PORTAL

SECRET = "s3cr3t-Proxy-pw"
CONTACT = "mailto:archive-ops@example.org"
LIST_LIMIT = 5

# case → the reason its failure line must give
FAILURES = {
    "ruishu-412": "challenge 412 $_ts (瑞数)",
    "soft-404": "soft 404",
    "redirect-loop": "redirect loop",
    "off-host-redirect": "off-host",
    "gzip-bomb": "decompression bomb",
    "empty-200": "empty body",
    "stall": "timeout",
    "oversized": "body over size limit",
    "endless-column": "list trap",
}
DOCUMENTS = ["jsl-521", "rate-limit-429", "unavailable-503", "broken-html", "gbk-declared-utf8", "utf8-declared-gbk"]


class HostileCrawl(CrawlResult):
    def __init__(self, store, proc, portal):
        super().__init__(store, proc)
        self.requests = portal.requests
        self.hits = dict(getattr(portal.server, "hostile_hits", {}))
        self.cases = portal.replica.hostile_cases
        self.failures = self.jsonl("crawl/failures.jsonl")
        self.stats = json.loads((self.root / "crawl" / "stats.json").read_text("utf-8"))

    def records(self):
        for path in self.warc_files:
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream):
                    yield record

    def failures_of(self, case):
        url = self.cases[case]
        stem = url.rsplit(".", 1)[0] if url.endswith(".html") else url
        return [f for f in self.failures if f["url"] == url or f["url"].startswith(stem + "_")]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from replica.server import OfflinePortal

    store = tmp_path_factory.mktemp("hostile")
    settings = {**OFFLINE_SETTINGS, "DOWNLOAD_TIMEOUT": 3, "NIANBAO_MAX_LIST_PAGES": LIST_LIMIT,
                "NIANBAO_CHALLENGE_WAIT": 3}
    with OfflinePortal() as portal:
        host, port = portal.server.server_address[:2]
        pairs = [f"{k}={v}" for k, v in settings.items()]
        pairs.append(f"NIANBAO_PROXY=http://nianbao:{SECRET}@{host}:{port}")
        args = [x for pair in pairs for x in ("-s", pair)]
        proc = run_nianbao("crawl", "chongqing_districts", "--store", str(store), "-a", f"districts={PORTAL}",
                           *args, timeout=300, NIANBAO_CONTACT=CONTACT)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
        return HostileCrawl(store, proc, portal)


def test_the_crawl_finishes_and_counts_every_failure(hostile):
    assert hostile.summary["finish_reason"] == "finished"
    row = hostile.summary["portals"][PORTAL]
    assert row["failures"] == len(hostile.failures) == sum(row["failure_reasons"].values())
    for line in hostile.failures:
        assert line["url"] and line["portal"] == PORTAL and line["reason"] and line["action"]
    assert "Traceback" not in hostile.proc.stdout + hostile.crawl_log


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_each_hostile_case_is_one_failure_line(hostile, case):
    lines = hostile.failures_of(case)
    assert [line["reason"] for line in lines] == [FAILURES[case]], hostile.failures


def test_pages_a_careful_crawler_can_read_become_documents(hostile, replica):
    expected = {url: want for url, want in replica.expected_reports().items() if want["portal"] == PORTAL}
    documents = {d["canonical_url"]: d for d in hostile.documents}
    # and the page that only names its PDF (its text is that line, its attachment the report)
    # and the report published only as a Word file (a document of kind `file`, see test_offline_crawl)
    files = {canonical_url(hostile.cases["word-only"])}
    assert set(documents) == set(expected) | {canonical_url(hostile.cases["attachment-only"])} | files
    for case in DOCUMENTS:
        doc = documents[canonical_url(hostile.cases[case])]
        assert doc["title"] == expected[doc["canonical_url"]]["title"], case
        assert doc["report_year"] == 2024 and "政府信息公开" in doc["text"], case
        assert "\ufffd" not in doc["text"] + doc["title"], case
        assert doc["warc_file"] and doc["payload_digest"], case


def test_wrong_charsets_are_decoded_by_their_bytes(hostile):
    by_url = {d["url"]: d for d in hostile.documents}
    assert hostile.stats["nianbao/charset_corrected"] >= 2
    for case in ("gbk-declared-utf8", "utf8-declared-gbk"):
        text = by_url[hostile.cases[case]]["text"]
        assert "第二十条" in text or "主动公开" in text, case


def test_challenges_are_tried_once_in_the_browser(hostile):
    statuses, cookies, browser = {}, {}, {}
    in_browser = {r.rec_headers.get_header("WARC-Concurrent-To") for r in hostile.records()
                  if r.rec_type == "metadata" and b"via: browser" in r.content_stream().read()}
    for record in hostile.records():
        url = record.rec_headers.get_header("WARC-Target-URI")
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if record.rec_type in ("response", "revisit"):  # (an identical payload is a revisit)
            # what Chromium received is archived too, apart from what Scrapy fetched
            seen = browser if record_id in in_browser else statuses
            seen.setdefault(url, []).append(int(record.http_headers.get_statuscode()))
        elif record.rec_type == "request" and record.rec_headers.get_header("WARC-Concurrent-To") not in in_browser:
            cookies.setdefault(url, []).append(record.http_headers.get_header("Cookie") or "")
    # 瑞数: the challenge is archived, the browser found no way through, nothing else was asked
    assert statuses[hostile.cases["ruishu-412"]] == [412]
    # 加速乐: the challenge, then the page fetched by Scrapy with the cookie the browser's script set
    jsl = hostile.cases["jsl-521"]
    assert statuses[jsl] == [521, 200]
    assert browser[jsl] == [521, 200]  # in the browser: the challenge, its script's reload
    assert browser[hostile.cases["ruishu-412"]][0] == 412
    assert JSL_CLEARANCE not in cookies[jsl][0] and f"{JSL_CLEARANCE}=" in cookies[jsl][1]
    assert hostile.stats["nianbao/challenges_cleared"] == 1
    assert hostile.stats["nianbao/challenges_blocked"] == 1
    assert hostile.stats["playwright/page_count"] == 2


def test_rate_limits_are_retried_after_waiting(hostile):
    path = lambda case: urlsplit(hostile.cases[case]).path
    seen = {case: hostile.hits.get(path(case)) for case in ("rate-limit-429", "unavailable-503")}
    first, second = seen["rate-limit-429"]
    assert second - first >= 1.0, seen  # the Retry-After: 1 the server gave
    assert len(seen["unavailable-503"]) == 2, seen
    stalled = [url for method, url in hostile.requests if url == hostile.cases["stall"]]
    assert len(stalled) == 2, (stalled, hostile.failures)  # timed out, retried once, given up
    assert hostile.stats["nianbao/retry_wait_seconds"] >= 1.0, hostile.stats


def test_no_request_left_the_portal(hostile, replica):
    hosts = replica.hosts
    for method, url in hostile.requests:
        host = url.rsplit(":", 1)[0] if method == "CONNECT" else urlsplit(url).hostname
        assert host.removeprefix("www.") in hosts, url
    assert not any(OFF_HOST in url for _, url in hostile.requests)
    for record in hostile.records():
        url = record.rec_headers.get_header("WARC-Target-URI")
        if url:
            assert urlsplit(url).hostname.removeprefix("www.") in hosts, url


def test_the_endless_column_is_read_to_the_limit_only(hostile):
    column = hostile.cases["endless-column"]
    pages = {url for method, url in hostile.requests if method == "GET" and url.startswith(column) and "/t20" not in url}
    assert LIST_LIMIT <= len(pages) <= LIST_LIMIT + 1  # index.html and the folder are one page of the site
    assert hostile.stats["nianbao/list_pages_over_limit"] >= 1


def test_the_decompression_bomb_is_archived_compressed(hostile):
    bomb = hostile.cases["gzip-bomb"]
    (record,) = [r for r in hostile.records() if r.rec_type == "response"
                 and r.rec_headers.get_header("WARC-Target-URI") == bomb]
    assert record.http_headers.get_header("Content-Encoding") == "gzip"
    assert int(record.rec_headers.get_header("Content-Length")) < 1_000_000


def test_reports_published_only_as_files_are_archived(hostile):
    attachments = {a["url"]: a for a in hostile.jsonl("corpus/attachments.jsonl")}
    word = attachments[hostile.cases["word-only"]]
    assert word["content_type"] == "application/msword" and word["parent_url"].endswith("/bm/")
    pdfs = [a for a in attachments.values() if a["parent_url"] == hostile.cases["attachment-only"]]
    assert len(pdfs) == 1 and pdfs[0]["content_type"] == "application/pdf"


def test_a_page_naming_only_its_attachment_is_a_document_with_its_text(hostile):
    documents = {d["canonical_url"]: d for d in hostile.documents}
    doc = documents[canonical_url(hostile.cases["attachment-only"])]
    assert doc["kind"] == "file" and doc["form"] and "详见附件" not in doc["text"]
    (pdf,) = [a["url"] for a in doc["attachments"]]
    assert canonical_url(pdf) not in documents


def test_a_page_naming_only_a_file_that_is_gone_stays_a_page(hostile):
    page = hostile.cases["pointer-file-gone"]
    doc = {d["url"]: d for d in hostile.documents}[page]
    assert doc["kind"] == "page" and "详见附件" in doc["text"] and doc["report_year"] == 2024
    (pdf,) = [a["url"] for a in doc["attachments"]]
    assert [(f["reason"], f["kind"]) for f in hostile.failures if f["url"] == pdf] == [("http 404", "attachment")]


# -- security and politeness, on the same crawl -------------------------------------------------

def test_credentials_never_reach_the_archive_or_the_log(hostile):
    assert SECRET not in hostile.proc.stdout + hostile.proc.stderr
    for path in hostile.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            assert SECRET.encode() not in data, path
            assert b"Proxy-Authorization" not in data, path


def test_robots_policy_and_contact_are_recorded_and_sent(hostile):
    warcinfo = [r.content_stream().read().decode("utf-8") for r in hostile.records() if r.rec_type == "warcinfo"]
    assert warcinfo
    for fields in warcinfo:
        assert "robots: obey" in fields and CONTACT in fields
    agents = {r.http_headers.get_header("User-Agent") for r in hostile.records() if r.rec_type == "request"}
    assert len(agents) == 1 and CONTACT in agents.pop()
    assert any(url.endswith("/robots.txt") for _, url in hostile.requests)


def test_no_console_is_opened(hostile):
    log = hostile.proc.stderr + hostile.crawl_log
    assert "Scrapy" in log and "Telnet console listening" not in log and "Remote control HTTP server" not in log


def test_the_oversized_body_is_archived_truncated(hostile):
    oversized = hostile.cases["oversized"]
    (record,) = [r for r in hostile.records() if r.rec_type == "response"
                 and r.rec_headers.get_header("WARC-Target-URI") == oversized]
    assert record.rec_headers.get_header("WARC-Truncated") == "length"
    assert record.http_headers.get_header("Content-Length") == str(HUGE)  # what the server announced
    assert int(record.rec_headers.get_header("Content-Length")) < 10_000  # stopped at its headers
