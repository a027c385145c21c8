"""End to end: `nianbao crawl chongqing_districts --offline` over real HTTP with Scrapy's downloader."""

import json
from collections import Counter
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawler.portals import load_registry
from crawler.urls import canonical_url


def test_every_report_of_the_replica_is_archived(offline_crawl, replica):
    expected = replica.expected_reports()
    found = {d["canonical_url"] for d in offline_crawl.documents}
    missing = sorted(set(expected) - found)
    assert not missing, f"{len(missing)} of {len(expected)} reports not archived, e.g. {missing[:5]}"


def test_no_page_that_is_not_a_report_became_a_document(offline_crawl, replica):
    expected = replica.expected_reports()
    extra = [d["url"] for d in offline_crawl.documents if d["canonical_url"] not in set(expected)]
    assert not extra
    assert not replica.not_reports() & {d["canonical_url"] for d in offline_crawl.documents}


def test_each_report_is_one_document_whatever_its_copies(offline_crawl):
    ids = Counter(d["doc_id"] for d in offline_crawl.documents)
    assert ids and max(ids.values()) == 1


def test_wap_copies_and_query_variants_are_fetched_once(offline_crawl, replica):
    lists = b"".join(page.body for (host, path), page in replica.pages.items() if "index" in path)
    assert b"_wap.html" in lists and b".html?from=" in lists  # the lists do link such variants
    fetched = Counter()
    in_browser = browser_exchanges(offline_crawl)
    for path in offline_crawl.warc_files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                url = record.rec_headers.get_header("WARC-Target-URI")
                # a page answered 429, 503 or a challenge first is fetched again: count the pages got
                # (by the spider: what a browser opened for a challenge received is archived too)
                if (record.rec_type in ("response", "revisit") and "/t20" in url
                        and record.http_headers.get_statuscode() == "200"
                        and record.rec_headers.get_header("WARC-Record-ID") not in in_browser):
                    fetched[canonical_url(url)] += 1
    assert {url for url in replica.expected_reports() if "/t20" in url} <= set(fetched)
    assert max(fetched.values()) == 1


def browser_exchanges(crawl) -> set[str]:
    """Record ids of the responses a browser received (their metadata says `via: browser`)."""
    ids = set()
    for path in crawl.warc_files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "metadata" and b"via: browser" in record.content_stream().read():
                    ids.add(record.rec_headers.get_header("WARC-Concurrent-To"))
    return ids


def test_documents_carry_metadata_and_their_capture(offline_crawl, replica):
    expected = replica.expected_reports()
    for doc in offline_crawl.documents:
        if doc["kind"] == "file":
            continue  # test_a_report_published_only_as_a_file_is_a_document
        want = expected[doc["canonical_url"]]
        assert doc["portal"] == want["portal"]
        assert doc["title"] == want["title"]
        assert doc["report_year"] == want["year"]
        assert doc["publish_date"] == want["publish_date"]
        assert doc["text"].strip()
        assert (offline_crawl.root / "corpus" / "text" / f"{doc['doc_id']}.txt").read_text("utf-8") == doc["text"]
        assert doc["warc_file"] and (offline_crawl.root / "warc" / doc["warc_file"]).exists()
        with open(offline_crawl.root / "warc" / doc["warc_file"], "rb") as stream:
            stream.seek(doc["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type in ("response", "revisit")  # a revisit when the payload was archived already
            assert record.rec_headers.get_header("WARC-Target-URI") == doc["url"]
            assert record.rec_headers.get_header("WARC-Payload-Digest") == doc["payload_digest"]
            assert doc["payload_digest"].startswith("sha256:")


def test_no_request_left_the_portals_hosts(offline_crawl, replica):
    registry = load_registry("chongqing")
    allowed = {h for p in replica.portals + replica.dead for h in p.hosts}
    for path in offline_crawl.warc_files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("request", "response"):
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    host = urlsplit(url).hostname.removeprefix("www.")
                    assert host in allowed, url
                    assert registry.portal_for(url) is not None


def test_summary_counts_every_portal_and_the_dead_one(offline_crawl, replica):
    portals = offline_crawl.summary["portals"]
    assert set(portals) == {p.name for p in replica.portals + replica.dead}
    for dead in replica.dead:
        assert portals[dead.name]["failures"] >= 1
        assert portals[dead.name]["reports"] == 0
    for portal in replica.portals:
        row = portals[portal.name]
        assert row["columns"] >= 1 and row["list_pages"] >= row["columns"], portal.name
        if portal not in replica.hostile_portals:  # whose failures test_hostile checks one by one
            assert row["failures"] == 0, (portal.name, row["failure_reasons"])
    assert offline_crawl.summary["totals"]["reports"] == len(replica.expected_reports())
    assert offline_crawl.summary["totals"]["not_reports"] >= len(replica.not_reports())
    assert "total" in offline_crawl.proc.stdout and offline_crawl.summary["snapshot_id"] in offline_crawl.proc.stdout


def test_a_report_published_only_as_a_file_is_a_document(offline_crawl, replica):
    """The hostile portal's report linked from its column only as a Word file."""
    word = canonical_url(replica.hostile_cases["word-only"])
    (doc,) = [d for d in offline_crawl.documents if d["canonical_url"] == word]
    want = replica.expected_reports()[word]
    assert doc["kind"] == "file" and doc["title"] == want["title"] and doc["report_year"] == want["year"]
    assert doc["text"] and doc["warc_record_id"] and doc["payload_digest"].startswith("sha256:")


def test_attachments_are_fetched_once_each(offline_crawl, replica):
    expected = {
        f"{d.host.removeprefix('www.')}{d.dir}{d.date[:6]}/{name}"
        for _, d in replica.docs
        for name in [name for _, name in d.attachments] + d.files()  # a file-only report: an attachment of its column
    }
    hostile = {h for p in replica.hostile_portals for h in p.hosts}  # its files: test_hostile
    got = [a["canonical_url"].split("://", 1)[1] for a in offline_crawl.jsonl("corpus/attachments.jsonl")]
    got = [url for url in got if url.split("/", 1)[0] not in hostile]
    assert Counter(got).most_common(1)[0][1] == 1
    assert set(got) == {url for url in expected if url.split("/", 1)[0] not in hostile}


def test_the_paged_column_was_read_to_its_last_page(offline_crawl):
    pages = [
        d for d in offline_crawl.documents
        if "/zfxxgknb/bm_241/" in d["url"] and d["portal"] == "璧山区"
    ]
    assert len(pages) >= 36


def test_the_crawl_log_has_no_traceback(offline_crawl):
    """Every hostile page and every chunked body is handled, not caught as an error on the way."""
    log = offline_crawl.proc.stdout + offline_crawl.proc.stderr + offline_crawl.crawl_log
    assert "Traceback" not in log and "Error caught on signal handler" not in log, log[log.find("Traceback") - 2000:][:4000]


def test_reports_published_as_files_are_documents(offline_crawl, replica):
    """File-only reports (PDF, DOCX, DOC, WPS linked from the list), the 全真版 files of pages and
    the pages that only point to their file: each a document of kind `file` whose statistics
    tables were read."""
    expected = {url: want for url, want in replica.expected_reports().items() if want["kind"] == "file"}
    assert {url.rsplit(".", 1)[1] for url in expected} == {"pdf", "doc", "docx", "wps", "html"}
    documents = {d["canonical_url"]: d for d in offline_crawl.documents}
    for url, want in expected.items():
        doc = documents[url]
        assert doc["kind"] == "file" and doc["ocr"] is False and doc["form"], url
        assert doc["issuer"] == want["issuer"], url
        tables = json.loads((offline_crawl.root / "corpus" / "tables" / f"{doc['doc_id']}.json").read_text("utf-8"))
        assert tables["complete"] and not tables["missing"], url
