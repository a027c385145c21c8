"""WARC capture on the download side, checked against a real crawl over real HTTP.

A stdlib server on 127.0.0.1 logs what it received; a real Scrapy crawl (own process, real
downloader) records it; the WARC files must say exactly what went over the wire.
`warcio check` only checks digests, so lengths, bodies and headers are compared too.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zlib
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
CRAWL_SCRIPT = Path(__file__).parent / "warc_support" / "crawl.py"

PAGE = ("<html><head><meta charset='utf-8'><title>2023年政府信息公开工作年度报告</title></head><body>"
        + "<p>本报告由区政府办公室编制。</p>" * 200 + "</body></html>").encode("utf-8")
CHUNKS = [b"<html><body>", "第一部分 总体情况".encode(), b"x" * 5000, b"</body></html>"]
GBK_NAME = '"年报.pdf"'.encode("gbk")
QUERY = "q=" + quote("年报") + "&page=2"
BIG = b"%PDF-1.4\n" + bytes(range(256)) * 40  # 10 KB; the test spider's limit for it is 1500 bytes
LIMIT = 1500
# a page whose body exists only once its (gzipped) script ran, and which asks for an off-site tracker
RENDERED = ("<html><head><meta charset='utf-8'><title>2023年度报告</title><script src='/app.js'></script></head>"
            "<body><div id='list'></div><img src='http://203.0.113.9/t.gif'></body></html>").encode("utf-8")
SCRIPT = ("window.addEventListener('DOMContentLoaded', function () {"
          " document.getElementById('list').innerHTML = '<p>第二部分 主动公开政府信息情况</p>'; });").encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked, as real servers do
    received: list[dict]

    def log_message(self, *args):
        pass

    def _log(self, body=b""):
        self.received.append({"method": self.command, "target": self.path, "headers": list(self.headers.items()),
                              "body": body, "at": self.at})

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def parse_request(self):
        self.at = datetime.now(timezone.utc)
        return super().parse_request()

    def do_GET(self):
        self._log()
        html = [("Content-Type", "text/html; charset=utf-8")]
        if self.path == "/gzip":
            self._send(200, gzip.compress(PAGE), html + [("Content-Encoding", "gzip")])
        elif self.path == "/deflate":
            self._send(200, zlib.compress(PAGE), html + [("Content-Encoding", "deflate")])
        elif self.path == "/cookies":
            self._send(200, PAGE, html + [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/; HttpOnly")])
        elif self.path in ("/redirect/1", "/redirect/2"):
            self._send(302, b"", [("Location", "/redirect/2" if self.path.endswith("1") else "/final")])
        elif self.path.startswith("/search?"):
            # a header value that is not ASCII, as Chinese servers send for attachments
            disposition = "attachment; filename=" + GBK_NAME.decode("latin-1")
            self._send(200, PAGE, html + [("Content-Disposition", disposition)])
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in CHUNKS:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/rendered":
            self._send(200, RENDERED, html)
        elif self.path == "/app.js":
            self._send(200, gzip.compress(SCRIPT), [("Content-Type", "application/javascript"),
                                                    ("Content-Encoding", "gzip")])
        elif self.path == "/big":  # says at once it is over the limit
            try:
                self._send(200, BIG, [("Content-Type", "application/pdf")])
            except OSError:
                pass  # the crawler hung up at the headers, as it should
        elif self.path == "/big-chunked":  # over the limit only once streamed
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for start in range(0, len(BIG), 1000):
                    self.wfile.write(b"%x\r\n%s\r\n" % (1000, BIG[start:start + 1000]))
                    self.wfile.flush()
                    time.sleep(0.05)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
        elif self.path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"y" * 40)
            self.close_connection = True
        else:
            self._send(200, PAGE, html)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._log(body)
        self._send(200, PAGE, [("Content-Type", "text/html; charset=utf-8")])


@pytest.fixture(scope="module")
def server():
    received: list[dict] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Handler,), {"received": received}))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def crawl(base: str, store: Path, **settings) -> tuple[Path, list[dict]]:
    out = store / "seen.json"
    args = [f"{k}={json.dumps(v)}" for k, v in settings.items()]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, str(CRAWL_SCRIPT), base, str(store), str(out), *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-5000:]
    (snapshot,) = (store / "snapshots").iterdir()
    return snapshot, json.loads(out.read_text("utf-8"))


def read_records(path: Path) -> list[dict]:
    records = []
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        for record in it:
            raw = record.raw_stream.read()
            records.append({"type": record.rec_type, "headers": record.rec_headers, "http": record.http_headers,
                            "payload": raw, "offset": it.get_record_offset(), "file": path.name})
    return records


CAPTURES = ("response", "revisit")  # the record types that hold an exchange's response


def resolve_revisits(records: list[dict]) -> list[dict]:
    """Give each revisit the payload of the response it refers to ("stored" keeps what is in the file)."""
    by_id = {r["headers"].get_header("WARC-Record-ID"): r for r in records if r["type"] == "response"}
    for r in records:
        r["stored"] = r["payload"]
        if r["type"] == "revisit":
            r["payload"] = by_id[r["headers"].get_header("WARC-Refers-To")]["payload"]
    return records


def decoded(record) -> bytes:
    encoding = record["http"].get_header("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(record["payload"])
    if encoding == "deflate":
        return zlib.decompress(record["payload"])
    return record["payload"]


def warcio_check(path: Path) -> str:
    exe = Path(sys.executable).parent / "warcio"
    proc = subprocess.run([str(exe) if exe.exists() else shutil.which("warcio"), "check", "-v", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def archive(server, tmp_path_factory):
    base, received = server
    received.clear()
    snapshot, seen = crawl(base, tmp_path_factory.mktemp("store"),
                           DOWNLOAD_DELAY=0.25, RANDOMIZE_DOWNLOAD_DELAY=False, CONCURRENT_REQUESTS_PER_DOMAIN=1)
    files = sorted((snapshot / "warc").iterdir())
    records = resolve_revisits([r for f in files for r in read_records(f)])
    responses = {r["headers"].get_header("WARC-Target-URI"): r for r in records if r["type"] in CAPTURES}
    seen, failed = seen["seen"], seen["failed"]
    return {"base": base, "received": list(received), "snapshot": snapshot, "seen": seen, "failed": failed, "files": files,
            "records": records, "responses": responses}


def test_files_are_valid_closed_and_start_with_warcinfo(archive):
    assert archive["files"], "no WARC written"
    for path in archive["files"]:
        assert re.fullmatch(r"nianbao-\d{20}-\d{5}-[^-]+\.warc\.gz", path.name), path.name
        output = warcio_check(path)
        # digests present and checked (a revisit's payload digest is the original's: checked below)
        checked = output.count("digest pass") + output.count("digest present but not checked (revisit)")
        assert checked == len(read_records(path))
    first = archive["records"][0]
    assert first["type"] == "warcinfo"
    assert first["headers"].get_header("WARC-Filename") == archive["files"][0].name
    info = first["payload"].decode()
    assert f"isPartOf: {archive['snapshot'].name}" in info
    assert "format: WARC File Format 1.1" in info and "Scrapy/2.19" in info and "crawl-config-sha256: " in info


def test_every_response_has_its_request_and_metadata(archive):
    records = archive["records"]
    by_concurrent = {}
    for r in records:
        assert r["headers"].protocol == "WARC/1.1"
        if r["type"] in ("request", "metadata"):
            by_concurrent.setdefault(r["headers"].get_header("WARC-Concurrent-To"), []).append(r["type"])
    responses = [r for r in records if r["type"] in CAPTURES]
    assert len(responses) == len(archive["received"])  # one per exchange that went over the wire
    for r in responses:
        assert sorted(by_concurrent[r["headers"].get_header("WARC-Record-ID")]) == ["metadata", "request"]
        assert r["headers"].get_header("WARC-Payload-Digest").startswith("sha256:")
        assert r["headers"].get_header("WARC-Block-Digest").startswith("sha256:")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", r["headers"].get_header("WARC-Date"))
        if not r["headers"].get_header("WARC-Target-URI").endswith("/big"):
            # (Scrapy does not pass the peer's address on for a download stopped at its headers)
            assert r["headers"].get_header("WARC-IP-Address") == "127.0.0.1"


def test_lengths_match_and_nothing_says_chunked(archive):
    for r in archive["records"]:
        if r["http"] is not None:
            assert r["http"].get_header("Transfer-Encoding") is None
        if r["type"] == "response" and not r["headers"].get_header("WARC-Truncated"):
            length = r["http"].get_header("Content-Length")
            if length is not None:
                assert int(length) == len(r["payload"]), r["headers"].get_header("WARC-Target-URI")
    chunked = archive["responses"][archive["base"] + "/chunked"]
    assert chunked["payload"] == b"".join(CHUNKS)


def test_compressed_bodies_stay_compressed_and_decode_to_what_the_spider_read(archive):
    seen = {s["url"]: base64.b64decode(s["body"]) for s in archive["seen"]}
    for path, encoding in (("/gzip", "gzip"), ("/deflate", "deflate")):
        record = archive["responses"][archive["base"] + path]
        assert record["http"].get_header("Content-Encoding") == encoding
        assert record["payload"] != PAGE
        assert decoded(record) == PAGE == seen[archive["base"] + path]


def test_repeated_headers_and_raw_header_bytes_survive(archive):
    cookies = archive["responses"][archive["base"] + "/cookies"]
    assert [v for k, v in cookies["http"].headers if k.lower() == "set-cookie"] == [
        "a=1; Path=/", "b=2; Path=/; HttpOnly"]
    raw = b"".join(gzip.decompress(p.read_bytes()) for p in archive["files"])
    assert b"Content-Disposition: attachment; filename=" + GBK_NAME + b"\r\n" in raw


def test_request_records_say_what_the_server_received(archive):
    requests = {r["headers"].get_header("WARC-Concurrent-To"): r for r in archive["records"] if r["type"] == "request"}
    by_target = {}
    for r in archive["responses"].values():
        request = requests[r["headers"].get_header("WARC-Record-ID")]
        method, target, version = request["http"].protocol, *request["http"].statusline.split(" ")
        by_target[target] = (method, request, r)
        assert version == "HTTP/1.1"
    browser = {r["headers"].get_header("WARC-Concurrent-To") for r in archive["records"]
               if r["type"] == "metadata" and b"via: browser" in r["payload"]}
    for got in archive["received"]:
        method, request, response = by_target[got["target"]]
        assert method == got["method"]
        recorded = [(k.lower(), v) for k, v in request["http"].headers]
        if response["headers"].get_header("WARC-Record-ID") in browser:
            # Playwright reports what the page asked for, not what Chromium's network layer added:
            # every line recorded was sent, none is invented
            assert recorded and set(recorded) <= {(k.lower(), v) for k, v in got["headers"]}, got["target"]
        else:
            assert recorded == [(k.lower(), v) for k, v in got["headers"]]
        assert request["payload"] == got["body"]
        # WARC-Date is when the request really went out, not when it entered the download queue
        # (with DOWNLOAD_DELAY=0.25 the last of the 10 requests waits there for about 2 s)
        sent = datetime.fromisoformat(response["headers"].get_header("WARC-Date").replace("Z", "+00:00"))
        # (the time is derived from Scrapy's measured latency: allow the clocks' jitter, ~1 ms, before)
        assert -0.05 <= (got["at"] - sent).total_seconds() < 0.5, got["target"]
    post = by_target["/submit"][1]
    assert post["payload"] == b"year=2023&title=" + quote("年度报告").encode()
    assert f"/search?{QUERY}" in by_target
    assert archive["responses"][archive["base"] + f"/search?{QUERY}"]["headers"].get_header("WARC-Target-URI").endswith(QUERY)


def test_each_redirect_hop_is_its_own_exchange(archive):
    base, responses = archive["base"], archive["responses"]
    assert [responses[base + p]["http"].statusline for p in ("/redirect/1", "/redirect/2", "/final")] == [
        "302 Found", "302 Found", "200 OK"]
    metadata = {r["headers"].get_header("WARC-Concurrent-To"): r["payload"].decode() for r in archive["records"]
                if r["type"] == "metadata"}
    final = metadata[responses[base + "/final"]["headers"].get_header("WARC-Record-ID")]
    assert "redirect-hop: 2\r\n" in final and "portal: 测试区\r\n" in final and "kind: report\r\n" in final
    assert "spider: warc_test\r\n" in final and "download-latency: " in final


def test_an_identical_payload_is_written_once_then_as_revisits(archive):
    """/cookies, /search, /submit and /final all send PAGE: one response, the others revisits."""
    records = archive["records"]
    same = [r for r in records if r["type"] in CAPTURES and r["payload"] == PAGE]
    assert len(same) == 4
    (first,) = [r for r in same if r["type"] == "response"]
    assert first["stored"] == PAGE
    first_id = first["headers"].get_header("WARC-Record-ID")
    for r in same:
        if r["type"] != "revisit":
            continue
        headers = r["headers"]
        assert r["stored"] == b""  # no payload, HTTP headers kept
        assert r["http"].get_statuscode() == "200" and r["http"].get_header("Content-Length") == str(len(PAGE))
        assert headers.get_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers.get_header("WARC-Refers-To") == first_id
        assert headers.get_header("WARC-Refers-To-Target-URI") == first["headers"].get_header("WARC-Target-URI")
        assert headers.get_header("WARC-Refers-To-Date") == first["headers"].get_header("WARC-Date")
        assert headers.get_header("WARC-Payload-Digest") == first["headers"].get_header("WARC-Payload-Digest")
        assert headers.get_header("WARC-Target-URI") != headers.get_header("WARC-Refers-To-Target-URI")
    # the three redirect hops' empty bodies are not deduplicated: a revisit would save nothing
    assert [r["type"] for r in records if r["type"] in CAPTURES and r["http"].get_statuscode() == "302"] == ["response"] * 2


def test_truncated_body_is_marked(archive):
    record = archive["responses"][archive["base"] + "/truncated"]
    assert record["headers"].get_header("WARC-Truncated") == "disconnect"
    assert record["payload"] == b"y" * 40


def test_warc_ref_in_meta_points_at_the_response_record(archive):
    warc_dir = archive["snapshot"] / "warc"
    assert not list(warc_dir.glob("*.open"))
    for seen in archive["seen"]:
        ref = seen["capture"]
        with open(warc_dir / ref["filename"], "rb") as f:
            f.seek(ref["offset"])
            record = next(iter(ArchiveIterator(f)))
            # a revisit's WARC-Refers-To leads to the payload; a rendered page is the DOM the spider read
            assert record.rec_type in CAPTURES + ("conversion",)
            assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
            assert record.rec_headers.get_header("WARC-Target-URI") == seen["url"]
            assert record.rec_headers.get_header("WARC-Date") == ref["captured_at"]


def test_rotation_starts_every_file_with_warcinfo(server, tmp_path):
    snapshot, seen = crawl(server[0], tmp_path, NIANBAO_WARC_MAX_SIZE=1, NIANBAO_WARC_PREFIX="rot")
    files = sorted((snapshot / "warc").iterdir())
    assert len(files) >= 5 and all(f.name.startswith("rot-") and f.name.endswith(".warc.gz") for f in files)
    assert [int(f.name.split("-")[2]) for f in files] == list(range(len(files)))
    for path in files:
        warcio_check(path)
        types = [r["type"] for r in read_records(path)]
        assert types in (["warcinfo", "response", "request", "metadata"], ["warcinfo", "revisit", "request", "metadata"],
                         ["warcinfo", "conversion", "metadata"])


def test_crawl_config_keeps_credentials_out():
    from scrapy.settings import Settings

    from archive.capture import crawl_config

    config = crawl_config(Settings({"NIANBAO_PROXY": "http://user:pw@10.0.0.1:3128", "NIANBAO_S3_SECRET_KEY": "s",
                                    "NIANBAO_API_TOKEN": "t", "NIANBAO_OPERATOR": "某研究组"}))
    assert config["NIANBAO_PROXY"] == "http://10.0.0.1:3128" and config["NIANBAO_OPERATOR"] == "某研究组"
    assert "pw" not in json.dumps(config) and not any("SECRET" in k or "TOKEN" in k for k in config)
    assert "USER_AGENT" in config and "ROBOTSTXT_OBEY" in config


def test_a_rendered_page_is_kept_as_fetched_and_as_rendered(archive):
    """The browser's network responses are response records (bodies as the browser decoded them, the
    server's encoding headers renamed); the DOM the spider read is a conversion record referring to them."""
    base, records = archive["base"], archive["records"]
    page = archive["responses"][base + "/rendered"]
    assert page["type"] == "response" and page["payload"] == RENDERED
    (conversion,) = [r for r in records if r["type"] == "conversion"]
    assert conversion["headers"].get_header("WARC-Target-URI") == base + "/rendered"
    assert conversion["headers"].get_header("WARC-Refers-To") == page["headers"].get_header("WARC-Record-ID")
    assert conversion["headers"].get_header("Content-Type").startswith("text/html")
    seen = {s["url"]: base64.b64decode(s["body"]) for s in archive["seen"]}
    assert conversion["payload"] == seen[base + "/rendered"]
    assert "第二部分 主动公开政府信息情况" in conversion["payload"].decode("utf-8")  # written by the script
    (meta,) = [r for r in records if r["type"] == "metadata"
               and r["headers"].get_header("WARC-Concurrent-To") == conversion["headers"].get_header("WARC-Record-ID")]
    assert b"kind: report\r\n" in meta["payload"] and b"via: browser\r\n" in meta["payload"]

    script = archive["responses"][base + "/app.js"]
    assert script["payload"] == SCRIPT  # decoded by the browser…
    assert script["http"].get_header("Content-Encoding") is None  # …so it does not claim an encoding
    assert script["http"].get_header("X-Orig-Content-Encoding") == "gzip"
    assert script["http"].get_header("X-Orig-Content-Length") == str(len(gzip.compress(SCRIPT)))
    # the off-site tracker the page asked for was never fetched
    assert not [r for r in records if "203.0.113.9" in (r["headers"].get_header("WARC-Target-URI") or "")]
    assert not [g for g in archive["received"] if "t.gif" in g["target"]]


def test_a_body_over_the_size_limit_is_archived_truncated_and_reported(archive):
    base = archive["base"]
    declared = archive["responses"][base + "/big"]  # Content-Length said too much: stopped at the headers
    assert declared["headers"].get_header("WARC-Truncated") == "length"
    assert declared["http"].get_header("Content-Length") == str(len(BIG))
    assert len(declared["payload"]) <= LIMIT and BIG.startswith(declared["payload"])
    streamed = archive["responses"][base + "/big-chunked"]  # cut where the stream passed the limit
    assert streamed["headers"].get_header("WARC-Truncated") == "length"
    assert LIMIT < len(streamed["payload"]) < len(BIG) and BIG.startswith(streamed["payload"])
    failed = {f["url"]: f["reason"] for f in archive["failed"]}
    assert failed == {base + "/big": "body over size limit", base + "/big-chunked": "body over size limit"}
