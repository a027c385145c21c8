"""Revisit records, unit by unit: the WarcWriter writes a payload once, and readers find it again."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reextract import report_pages
from archive.warc import WarcWriter

REPORT = ("<html><head><meta charset='utf-8'><title>2023年政府信息公开工作年度报告</title></head><body>"
          + "<p>一、总体情况</p>" * 50 + "</body></html>").encode("utf-8")


def write(writer: WarcWriter, url: str, body: bytes, **extra):
    return writer.write_exchange(
        url=url, request_method="GET", request_path_and_query="/" + url.rsplit("/", 1)[-1],
        request_headers=[("Host", "www.example.gov.cn")], request_body=b"", status=200, reason="OK",
        protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))],
        payload=body, ip_address="127.0.0.1", warc_date=datetime.now(timezone.utc),
        metadata={"portal": "测试区", "kind": "report"}, **extra)


@pytest.fixture
def warc_dir(tmp_path):
    writer = WarcWriter(tmp_path, warcinfo={"isPartOf": "test"})
    body = gzip.compress(REPORT, mtime=0)
    refs = [write(writer, "http://www.example.gov.cn/a.html", body),
            write(writer, "http://www.example.gov.cn/a_wap.html", body),
            # a body marked truncated is never turned into a revisit, even with a known digest
            write(writer, "http://www.example.gov.cn/cut.html", body, truncated="disconnect")]
    writer.close()
    return tmp_path, refs


def records(directory: Path):
    (path,) = directory.glob("*.warc.gz")
    with open(path, "rb") as stream:
        return [(r.rec_type, r.rec_headers, r.raw_stream.read()) for r in ArchiveIterator(stream)]


def test_two_urls_with_one_body_give_one_response_and_one_revisit(warc_dir):
    directory, (first, second, _) = warc_dir
    got = records(directory)
    assert [t for t, _, _ in got] == ["warcinfo", "response", "request", "metadata", "revisit", "request", "metadata",
                                      "response", "request", "metadata"]
    response, revisit = got[1][1], got[4][1]
    assert got[4][2] == b""
    assert revisit.get_header("WARC-Refers-To") == response.get_header("WARC-Record-ID") == first.record_id
    assert revisit.get_header("WARC-Refers-To-Target-URI") == "http://www.example.gov.cn/a.html"
    assert revisit.get_header("WARC-Refers-To-Date") == response.get_header("WARC-Date") == first.captured_at
    assert revisit.get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
    # the revisit's request and metadata records are tied to it, as a response's are
    assert got[5][1].get_header("WARC-Concurrent-To") == got[6][1].get_header("WARC-Concurrent-To") == second.record_id
    assert second.record_id == revisit.get_header("WARC-Record-ID") and second.payload_digest == first.payload_digest


def test_warcio_check_passes_with_revisits(warc_dir):
    directory, _ = warc_dir
    warcio = Path(sys.executable).with_name("warcio")
    proc = subprocess.run([str(warcio), "check", "-v", *map(str, directory.glob("*.warc.gz"))],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "digest present but not checked (revisit)" in proc.stdout


def test_reextraction_reads_a_revisit_through_its_original(warc_dir):
    directory, refs = warc_dir
    pages = list(report_pages(directory))
    assert [p.url for p in pages][:2] == ["http://www.example.gov.cn/a.html", "http://www.example.gov.cn/a_wap.html"]
    assert pages[0].html == pages[1].html == REPORT.decode("utf-8")
    # each page keeps its own capture: the revisit's location, as the crawl recorded it
    assert [p.capture for p in pages[:2]] == refs[:2]


def test_a_missing_tools_virtualenv_fails_with_a_clear_message(monkeypatch, tmp_path):
    from test_wacz import tool

    monkeypatch.setenv("NIANBAO_TOOLS", str(tmp_path / "nowhere"))
    with pytest.raises(pytest.fail.Exception, match="make install"):
        tool("wacz")


def test_first_captures_keep_the_first_capture_of_a_payload_and_where_it_is():
    """The digest → first capture map lives on disk (archive.warc.FirstCaptures): what it hands
    back is what went in, a previous snapshot's place included, and a later capture of the same
    payload does not replace the first."""
    from archive.records import Location
    from archive.warc import FirstCapture, FirstCaptures

    before = FirstCapture("http://www.example.gov.cn/a.html", "2024-01-01T00:00:00.000000Z", "<urn:uuid:1>",
                          "sha256:AAAA", Location("20240101T000000Z", "old.warc.gz", 1234))
    captures = FirstCaptures({"sha256:AAAA": before})
    captures.setdefault("sha256:AAAA", FirstCapture("http://www.example.gov.cn/b.html", "2025-01-01T00:00:00.000000Z",
                                                    "<urn:uuid:2>", "sha256:AAAA"))
    now = FirstCapture("http://www.example.gov.cn/c.html", "2025-01-01T00:00:00.000000Z", "<urn:uuid:3>", "sha256:BBBB")
    captures.setdefault("sha256:BBBB", now)
    assert captures.get("sha256:AAAA") == before
    assert captures.get("sha256:BBBB") == now and captures.get("sha256:BBBB").location is None
    assert captures.get("sha256:CCCC") is None
