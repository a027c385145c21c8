"""`nianbao validate`: passes on the offline crawl's snapshot, and names what is wrong in a damaged copy."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import shutil

from warcio.archiveiterator import ArchiveIterator

from conftest import run_nianbao


def members(path):
    """(offset, length, record type, target URI) of each gzip member (= record) of a WARC file."""
    out = []
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            kind, uri = record.rec_type, record.rec_headers.get_header("WARC-Target-URI")
            records.read_to_end(record)
            out.append((records.get_record_offset(), records.get_record_length(), kind, uri))
    return out


def rewrite(path, edit) -> None:
    """Apply `edit(kind, uri, record bytes) -> bytes | None` to each record (None drops it)."""
    data = path.read_bytes()
    out = bytearray()
    for offset, length, kind, uri in members(path):
        record = gzip.decompress(data[offset:offset + length])
        record = edit(kind, uri, record)
        if record is not None:
            out += gzip.compress(record)
    path.write_bytes(bytes(out))


def with_block_digest(record: bytes) -> bytes:
    """The record with its WARC-Block-Digest and Content-Length recomputed: digests stay valid."""
    head, _, rest = record.partition(b"\r\n\r\n")
    block = rest[:-4]  # the record ends with two CRLF
    digest = "sha256:" + base64.b32encode(hashlib.sha256(block).digest()).decode()
    head = re.sub(rb"WARC-Block-Digest: \S+", b"WARC-Block-Digest: " + digest.encode(), head)
    head = re.sub(rb"\r\nContent-Length: \d+", b"\r\nContent-Length: %d" % len(block), head)
    return head + b"\r\n\r\n" + block + b"\r\n\r\n"


def test_the_demo_snapshot_is_valid(offline_crawl):
    proc = run_nianbao("validate", str(offline_crawl.root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("OK: ") and " response" in proc.stdout and " revisit" in proc.stdout


def test_a_damaged_copy_fails_and_each_problem_is_named(offline_crawl, tmp_path):
    copy = tmp_path / offline_crawl.root.name
    shutil.copytree(offline_crawl.root, copy)
    (warc,) = sorted((copy / "warc").glob("*.warc.gz"))[:1]
    state = {"length": None, "dropped": None, "flipped": None}

    def damage(kind, uri, record):
        if kind == "response" and b"Content-Encoding: gzip" in record and state["length"] is None:
            # an HTTP Content-Length that lies, in a record whose digests are otherwise right
            state["length"] = uri
            return with_block_digest(record.replace(b"\r\nContent-Encoding: gzip", b"\r\nContent-Length: 1\r\nContent-Encoding: gzip", 1))
        if kind == "metadata" and state["dropped"] is None:
            state["dropped"] = uri
            return None
        if kind == "request" and state["flipped"] is None:
            state["flipped"] = uri
            return record[:-6] + bytes([record[-6] ^ 1]) + record[-5:]
        return record

    rewrite(warc, damage)
    assert all(state.values())
    proc = run_nianbao("validate", str(copy))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any("HTTP Content-Length 1 but" in line for line in lines), lines
    assert any("0 metadata records instead of 1" in line for line in lines), lines
    assert any("digest" in line.lower() for line in lines), lines
    assert "FAILED" in proc.stderr
