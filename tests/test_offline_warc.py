"""The offline crawl's WARC files: valid, complete, and what the server sent."""

import gzip
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


def records(paths):
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                yield path, record, record.raw_stream.read()  # the payload as stored, not decoded


def test_warcio_check_passes(offline_crawl):
    warcio = Path(sys.executable).with_name("warcio")
    assert offline_crawl.warc_files
    proc = subprocess.run([str(warcio), "check", "-v", *map(str, offline_crawl.warc_files)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "digest pass" in proc.stdout


def test_each_file_starts_with_warcinfo_and_no_file_is_left_open(offline_crawl):
    assert not list((offline_crawl.root / "warc").glob("*.open"))
    for path in offline_crawl.warc_files:
        with open(path, "rb") as stream:
            first = next(iter(ArchiveIterator(stream)))
            assert first.rec_type == "warcinfo"
            assert first.rec_headers.get_header("WARC-Filename") == path.name


def test_every_response_has_its_request_and_metadata(offline_crawl):
    responses, concurrent = set(), Counter()
    for _, record, _ in records(offline_crawl.warc_files):
        if record.rec_type in ("response", "revisit"):
            responses.add(record.rec_headers.get_header("WARC-Record-ID"))
            assert record.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
            assert record.rec_headers.get_header("WARC-Block-Digest").startswith("sha256:")
        elif record.rec_type in ("request", "metadata"):
            concurrent[(record.rec_type, record.rec_headers.get_header("WARC-Concurrent-To"))] += 1
    assert responses
    for rid in responses:
        assert concurrent[("request", rid)] == 1 and concurrent[("metadata", rid)] == 1


def test_payloads_are_what_the_server_sent(offline_crawl):
    """Compressed bodies stay compressed: Content-Length matches the stored payload, which decodes."""
    encodings = Counter()
    for _, record, payload in records(offline_crawl.warc_files):
        if record.rec_type != "response":
            continue
        headers = record.http_headers
        assert headers.get_header("Transfer-Encoding") is None
        length = headers.get_header("Content-Length")
        if length is not None and not record.rec_headers.get_header("WARC-Truncated"):
            assert int(length) == len(payload), record.rec_headers.get_header("WARC-Target-URI")
        encoding = headers.get_header("Content-Encoding")
        encodings[encoding] += 1
        if encoding == "gzip":
            assert b"<html" in gzip.decompress(payload)[:200].lower()
        elif encoding == "deflate":
            assert b"<html" in zlib.decompress(payload)[:200].lower()
    assert encodings["gzip"] > 100


def test_chunked_bodies_and_repeated_cookies_survive(offline_crawl):
    """The portals send gzip chunked (no Content-Length) and two Set-Cookie lines on their home pages."""
    chunked = cookies = 0
    for _, record, payload in records(offline_crawl.warc_files):
        if record.rec_type != "response":
            continue
        headers = record.http_headers
        if headers.get_header("Content-Encoding") == "gzip" and headers.get_header("Content-Length") is None:
            chunked += 1
            assert gzip.decompress(payload)  # the whole de-chunked body, still compressed
        set_cookie = [v for k, v in headers.headers if k.lower() == "set-cookie"]
        if any(v.startswith("SERVERID=") for v in set_cookie):  # (challenge pages set cookies of their own)
            cookies += 1
            assert len(set_cookie) == 2 and set_cookie[0].startswith("SERVERID="), set_cookie
    assert chunked > 100 and cookies >= 20


def test_request_records_carry_the_request_as_sent(offline_crawl):
    # (a browser opened for a challenge reports its requests without its network layer's headers)
    in_browser = {record.rec_headers.get_header("WARC-Concurrent-To")
                  for _, record, payload in records(offline_crawl.warc_files)
                  if record.rec_type == "metadata" and b"via: browser" in payload}
    for _, record, body in records(offline_crawl.warc_files):
        if record.rec_type == "request" and record.rec_headers.get_header("WARC-Concurrent-To") not in in_browser:
            assert record.http_headers.protocol in ("GET", "HEAD")
            assert record.http_headers.get_header("Host")
            assert record.http_headers.get_header("Accept-Encoding") == "gzip, deflate"
            assert record.http_headers.get_header("User-Agent").startswith("nianbao/")
