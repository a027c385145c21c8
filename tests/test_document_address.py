"""A listed article is fetched at its own address (`crawler.urls.document_address`), whichever
spelling the list linked (its `_wap` copy, a tracking query): what a crawl archives then does not
depend on the order it meets the lists in. Where that address is missing, the linked one is fetched."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from urllib.parse import urlsplit

from conftest import run_nianbao
from crawler.urls import document_address
from replica.site import build_replica


def test_the_address_of_a_listed_article():
    base = "http://www.hc.gov.cn/zwgk_239/zfxxgkml/zfxxgknb/202101/"
    assert document_address(base + "t20210129_8845131_wap.html") == base + "t20210129_8845131.html"
    assert document_address(base + "t20210129_8845131.html?from=zfxxgknb") == base + "t20210129_8845131.html"
    assert document_address(base + "t20210129_8845131.html") == base + "t20210129_8845131.html"
    # not an article of the platform: as linked
    assert document_address("http://www.hc.gov.cn/art/2021/1/29/art_1_1.html?id=2") == "http://www.hc.gov.cn/art/2021/1/29/art_1_1.html?id=2"


def crawl(tmp_path, replica, district: str):
    from replica.server import OfflinePortal

    with OfflinePortal(replica=replica) as portal:
        proc = run_nianbao("crawl", "chongqing_districts", "--store", str(tmp_path), "-a", f"districts={district}",
                           "-s", f"NIANBAO_PROXY={portal.proxy_url}", "-s", "DOWNLOAD_DELAY=0",
                           "-s", "AUTOTHROTTLE_ENABLED=False", timeout=300)
        asked = Counter(urlsplit(url).path for _, url in portal.requests if "/t20" in url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (snapshot,) = (tmp_path / "snapshots").iterdir()
    documents = [json.loads(line) for line in (snapshot / "corpus" / "documents.jsonl").read_text("utf-8").splitlines()]
    failures = [json.loads(line) for line in (snapshot / "crawl" / "failures.jsonl").read_text("utf-8").splitlines()]
    return documents, failures, asked


def listed_wap_docs(replica, district: str):
    return [doc for portal, doc in replica.docs if portal.name == district and doc.listed_wap and not doc.file_only]


def test_a_report_listed_as_its_wap_copy_is_archived_at_its_own_address_or_else_as_listed(tmp_path):
    replica = build_replica()
    district = "璧山区"
    wap = listed_wap_docs(replica, district)
    assert len(wap) >= 2  # the replica's lists link some reports by their `_wap` copy
    gone, kept = wap[0], wap[1:]
    month = f"{gone.dir}{gone.date[:6]}/"
    # the report's own page missing, its `_wap` copy there, and every list linking the copy: a site
    # that deleted one spelling only (the aggregate column's list linked the own page)
    own, copy = f'{gone.name}"'.encode(), f'{gone.wap_name}"'.encode()
    pages = replica.pages.map(lambda page: replace(page, body=page.body.replace(own, copy))
                              if page.content_type.startswith("text/html") and b'class="zwxl' not in page.body else page)
    host = next(h for h, path in pages if path == month + gone.name)
    pages[(host, month + gone.name)] = replace(pages[(host, month + gone.name)], body=b"<html><body>404</body></html>", status=404)
    documents, failures, asked = crawl(tmp_path, replace(replica, pages=pages), district)

    urls = {d["url"] for d in documents}
    assert any(u.endswith(month + gone.wap_name) for u in urls)  # fetched as the list linked it
    assert asked[month + gone.name] == 1 and asked[month + gone.wap_name] == 1
    for doc in kept:  # the others: their own page, never the copy
        assert any(u.endswith(doc.path) for u in urls)
        assert asked[f"{doc.dir}{doc.date[:6]}/{doc.wap_name}"] == 0
    assert not any("?" in u for u in urls)  # nor a list's tracking query
    assert not [f for f in failures if "/t20" in f["url"]]
