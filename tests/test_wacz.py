"""The snapshot's CDXJ index and WACZ package: valid, complete, and replayed by pywb as captured.

The validators and pywb live in the tools virtualenv `make install` creates (`.venv-tools`, or
the folder named by $NIANBAO_TOOLS): their pins would downgrade the crawler's packages.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import http.client
import json
import os
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import write_index

ROOT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    venv = Path(os.environ.get("NIANBAO_TOOLS") or ROOT / ".venv-tools")
    exe = venv / "bin" / name
    if not exe.exists():
        # not a skip: `make test` always creates the tools virtualenv, so a missing one is a broken setup
        pytest.fail(f"{exe} is missing: run `make install` (it creates the tools virtualenv {venv}), "
                    "or point NIANBAO_TOOLS at a virtualenv with wacz and pywb 2.10")
    return str(exe)


def record_at(path: Path, offset: int):
    """(record, stored payload) of the record at this offset."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return record, record.raw_stream.read()


def sha256_b32(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture(scope="module")
def package(offline_crawl):
    (wacz,) = offline_crawl.root.glob("*.wacz")
    assert wacz.name == f"{offline_crawl.root.name}.wacz"
    return wacz


def test_wacz_validate_passes(package):
    proc = subprocess.run([tool("wacz"), "validate", "-f", str(package)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Validation succeeded" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_package_lists_every_file_with_its_hash(package, offline_crawl):
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        datapackage = archive.read("datapackage.json")
        digest = json.loads(archive.read("datapackage-digest.json"))
        assert digest == {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest()}
        datapackage = json.loads(datapackage)
        assert datapackage["profile"] == "data-package" and datapackage["wacz_version"] == "1.1.1"
        assert datapackage["created"] and datapackage["software"].startswith("nianbao")
        listed = {r["path"]: r for r in datapackage["resources"]}
        assert set(listed) == set(names) - {"datapackage.json", "datapackage-digest.json"}
        for path, resource in listed.items():
            with archive.open(path) as stream:
                data = stream.read()
            assert resource["bytes"] == len(data) and resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert {p for p in names if p.startswith("archive/")} == {f"archive/{w.name}" for w in offline_crawl.warc_files}
        assert archive.read("indexes/index.cdx") == (offline_crawl.root / "indexes" / "index.cdxj").read_bytes()


def test_pages_list_every_report_with_its_text(package, offline_crawl):
    with zipfile.ZipFile(package) as archive:
        lines = [json.loads(line) for line in archive.read("pages/pages.jsonl").decode("utf-8").splitlines()]
    assert lines[0] == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    documents = offline_crawl.documents
    assert len(documents) > 100 and len(lines) == len(documents) + 1
    assert lines[1:] == [{"url": d["url"], "ts": d["captured_at"], "title": d["title"], "text": d["text"]}
                         for d in documents]


def test_index_is_what_cdxj_indexer_writes(offline_crawl):
    warc_dir = offline_crawl.root / "warc"
    proc = subprocess.run([tool("cdxj-indexer"), "--sort", *[w.name for w in offline_crawl.warc_files]],
                          cwd=warc_dir, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (offline_crawl.root / "indexes" / "index.cdxj").read_text("utf-8") == proc.stdout


def test_the_index_sorted_in_runs_is_the_same(offline_crawl, tmp_path):
    """Sorted a few lines at a time and merged (as a national crawl's millions of records are):
    the same bytes as the crawl's index, which cdxj-indexer's is (above)."""
    count = write_index(offline_crawl.warc_files, tmp_path / "index.cdxj", run=7)
    whole = (offline_crawl.root / "indexes" / "index.cdxj").read_bytes()
    assert count == whole.count(b"\n") > 100
    assert (tmp_path / "index.cdxj").read_bytes() == whole


def test_every_index_line_points_at_its_record_and_digest(offline_crawl):
    warc_dir = offline_crawl.root / "warc"
    kinds = {"response": 0, "revisit": 0}
    for line in (offline_crawl.root / "indexes" / "index.cdxj").read_text("utf-8").splitlines():
        key, stamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        path, offset = warc_dir / fields["filename"], int(fields["offset"])
        with open(path, "rb") as stream:  # offset and length delimit exactly one gzip member
            stream.seek(offset)
            assert gzip.decompress(stream.read(int(fields["length"]))).startswith(b"WARC/1.1\r\n")
        record, payload = record_at(path, offset)
        kinds[record.rec_type] += 1
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        assert record.rec_headers.get_header("WARC-Date").replace("-", "").replace(":", "").replace("T", "")[:14] == stamp
        assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
        if record.rec_type == "revisit":
            assert fields["mime"] == "warc/revisit" and payload == b""
            refers_to = record.rec_headers.get_header("WARC-Refers-To")
            payload = original_payload(warc_dir, refers_to)
        assert sha256_b32(payload) == fields["digest"]
    assert kinds["response"] > 300 and kinds["revisit"] > 0  # robots.txt and shared files are revisits


def original_payload(warc_dir: Path, record_id: str) -> bytes:
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                    assert record.rec_type == "response"
                    return record.raw_stream.read()
    raise AssertionError(f"no record {record_id}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def pywb(package: Path, home: Path):
    """pywb serving a package as collection `nianbao` on 127.0.0.1: its port; stopped after."""
    for args in (["init", "nianbao"], ["add", "--unpack-wacz", "nianbao", str(package)]):
        proc = subprocess.run([tool("wb-manager"), *args], cwd=home, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
    port = free_port()
    log = open(home / "wayback.log", "wb")
    server = subprocess.Popen([tool("wayback"), "-b", "127.0.0.1", "-p", str(port)], cwd=home, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (home / "wayback.log").read_text()[-2000:]
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def wayback(package, tmp_path_factory):
    with pywb(package, tmp_path_factory.mktemp("pywb")) as port:
        yield port


def replay(port: int, stamp: str, url: str, headers: dict) -> tuple[int, dict, bytes]:
    """An `id_` request: the capture as recorded, no rewriting (http.client never decodes a body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/nianbao/{stamp}id_/{url}", headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_pywb_replays_a_report_page_as_captured(wayback, offline_crawl):
    warc_dir = offline_crawl.root / "warc"
    replayed = 0
    for doc in offline_crawl.documents[:5]:
        record, payload = record_at(warc_dir / doc["warc_file"], doc["warc_offset"])
        if record.rec_type == "revisit":
            payload = original_payload(warc_dir, record.rec_headers.get_header("WARC-Refers-To"))
        if record.http_headers.get_header("Content-Encoding") != "gzip":
            continue
        stamp = record.rec_headers.get_header("WARC-Date").replace("-", "").replace(":", "").replace("T", "")[:14]
        status, headers, body = replay(wayback, stamp, doc["url"], {"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip"
        assert body == payload  # byte for byte what the server sent
        status, headers, body = replay(wayback, stamp, doc["url"], {})
        assert status == 200 and "content-encoding" not in headers
        assert body == gzip.decompress(payload)
        replayed += 1
    assert replayed >= 1, "no gzip-encoded report page among the first documents"


def test_pywb_replays_a_revisit_from_its_original(wayback, offline_crawl):
    lines = (offline_crawl.root / "indexes" / "index.cdxj").read_text("utf-8").splitlines()
    key, stamp, fields = next(line.split(" ", 2) for line in lines if '"mime": "warc/revisit"' in line)
    fields = json.loads(fields)
    record, _ = record_at(offline_crawl.root / "warc" / fields["filename"], int(fields["offset"]))
    payload = original_payload(offline_crawl.root / "warc", record.rec_headers.get_header("WARC-Refers-To"))
    status, headers, body = replay(wayback, stamp, fields["url"], {"Accept-Encoding": "gzip"})
    assert status == 200 and body == payload
