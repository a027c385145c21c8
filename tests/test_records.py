"""Reading a snapshot's WARC files back (`archive.records`): the quick scan a resumed crawl, sealing
and re-extraction make gives what warcio's parser gives, and leaves to it what it cannot read."""

from __future__ import annotations

import gzip

import pytest

from archive.records import UnusualWarc, scan_file, scan_file_parsed, scan_snapshot


def record(uri: str, block: bytes, kind: str = "response", record_id: str = "<urn:uuid:1>") -> bytes:
    head = (f"WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: {record_id}\r\n"
            f"WARC-Date: 2026-12-05T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(block)}\r\n\r\n").encode()
    return head + block + b"\r\n\r\n"


def both(path):
    with open(path, "rb") as stream:
        quick = scan_file(stream, "s", path.name)
    with open(path, "rb") as stream:
        parsed = scan_file_parsed(stream, "s", path.name)
    return quick, parsed


def test_the_quick_scan_reads_a_whole_crawl_as_warcio_does(offline_crawl):
    """Every WARC file of the offline crawl (revisits, truncated bodies, challenges, redirects,
    the browser's captures, metadata records): the same captures, offsets and fields."""
    assert offline_crawl.warc_files
    for path in offline_crawl.warc_files:
        quick, parsed = both(path)
        assert quick == parsed, path.name
    assert sum(len(both(p)[0][0]) for p in offline_crawl.warc_files) > 400


def test_heads_are_read_line_by_line_as_warcio_reads_them(tmp_path):
    """A folded header, a Latin-1 value, a line with no colon, and a metadata record."""
    block = (b"HTTP/1.1 403 Forbidden\r\nX-Folded: first\r\n  second\r\n\tthird\r\nX-Latin: caf\xe9\r\n"
             b"no colon here\r\nContent-Type: text/html;charset=gbk\r\nSet-Cookie: a=b\r\n\r\n<html>\xc4\xe3</html>")
    metadata = b"via: browser\r\nreport-page: http://www.example.gov.cn/p.html\r\n"
    path = tmp_path / "odd.warc.gz"
    path.write_bytes(gzip.compress(record("http://www.example.gov.cn/a", block))
                     + gzip.compress(record("http://www.example.gov.cn/a", metadata, "metadata", "<urn:uuid:2>")
                                     .replace(b"WARC-Date", b"WARC-Concurrent-To: <urn:uuid:1>\r\nWARC-Date")))
    quick, parsed = both(path)
    assert quick == parsed
    (capture,) = quick[0]
    assert capture.status == 403 and capture.header("X-Folded") == "first  second\tthird"
    assert capture.header("X-Latin") == "café" and capture.header("no colon here") is None
    assert quick[1] == {"<urn:uuid:1>": {"via": "browser", "report-page": "http://www.example.gov.cn/p.html"}}


@pytest.mark.parametrize("shape", ["one member", "not gzip", "torn"])
def test_a_file_the_quick_scan_cannot_read_goes_to_the_parser(tmp_path, shape):
    """Records sharing one gzip member, an uncompressed file, a member cut short: `scan_file` says
    so, and `scan_snapshot` reads the file as warcio does (or fails as warcio does)."""
    records = [record(f"http://www.example.gov.cn/{n}", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nhi",
                      record_id=f"<urn:uuid:{n}>") for n in range(3)]
    data = {"one member": gzip.compress(b"".join(records)), "not gzip": b"".join(records),
            "torn": b"".join(gzip.compress(r) for r in records)[:-20]}[shape]
    warc = tmp_path / "warc"
    warc.mkdir()
    (warc / "x.warc.gz").write_bytes(data)
    with open(warc / "x.warc.gz", "rb") as stream, pytest.raises(UnusualWarc):
        scan_file(stream, "s", "x.warc.gz")
    try:
        with open(warc / "x.warc.gz", "rb") as stream:
            expected = scan_file_parsed(stream, "s", "x.warc.gz")[0]
    except Exception as error:  # warcio reads no such file either: the same error
        with pytest.raises(type(error)):
            scan_snapshot(None, "s", warc)
        assert shape == "one member"
        return

    def shown(captures):
        return [(c.url, c.record_id, c.status, c.location, c.headers) for c in captures]

    assert shown(scan_snapshot(None, "s", warc)) == shown(expected)
    assert [c.url for c in expected][:2] == ["http://www.example.gov.cn/0", "http://www.example.gov.cn/1"]


def test_a_snapshot_scanned_for_its_validators_keeps_them_and_where_each_payload_is(offline_crawl):
    """What an incremental crawl holds of the previous snapshot for its whole length: the same
    captures, payload locations and validators, without the other headers."""
    from archive.recrawl import VALIDATORS

    root = offline_crawl.root
    whole = scan_snapshot(None, root.name, root / "warc")
    slim = scan_snapshot(None, root.name, root / "warc", headers=VALIDATORS)

    def kept(c):
        return c.url, c.record_id, c.status, c.digest, c.revisit, c.truncated, c.payload_at, c.header("ETag"), c.header("Last-Modified")

    assert [kept(c) for c in slim] == [kept(c) for c in whole] and len(whole) > 300
    assert any(c.header("ETag") for c in slim) and all(len(c.headers) <= 2 for c in slim)
    assert sum(len(c.headers) for c in whole) > 5 * len(whole)
