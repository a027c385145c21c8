"""Incremental recrawl: a second crawl into the same store asks only for what changed, archives the
rest as revisits of the previous snapshot, still yields the whole corpus, and says what changed.

The offline portal's edition 2 (`replica.editions`) is 合川区 a year on: one report corrected, one
withdrawn, one new, every list and home page republished with new validators.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import ROOT, run_nianbao
from test_s3_store import s3  # noqa: F401  (the moto server fixture)
from archive.records import scan_snapshot
from archive.wacz import referred_records
from crawler.urls import canonical_url
from pipelines.extract import doc_id_for
from replica import editions
from replica.editions import edition
from replica.server import OfflinePortal
from replica.site import build_replica
from test_wacz import pywb, replay, tool

SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def doc_id(path: str) -> str:
    return doc_id_for(canonical_url(f"http://www.{editions.HOST}{path}.html"))


class Snapshot:
    def __init__(self, root: Path):
        self.root, self.id = root, root.name
        self.documents = {d["doc_id"]: d for d in map(json.loads, (root / "corpus" / "documents.jsonl").open())}
        self.records = []  # (type, WARC headers, HTTP headers, metadata fields or payload)
        for path in sorted((root / "warc").glob("*.warc.gz")):
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream):
                    self.records.append((record.rec_type, record.rec_headers, record.http_headers,
                                         record.content_stream().read()))

    def by_id(self, record_id: str):
        return next(r for r in self.records if r[1].get_header("WARC-Record-ID") == record_id)

    def exchange(self, record_id: str, rec_type: str):
        return next(r for r in self.records
                    if r[0] == rec_type and r[1].get_header("WARC-Concurrent-To") == record_id)


@pytest.fixture(scope="module")
def recrawl(tmp_path_factory):
    """Two crawls of 合川区 into one store: edition 1, then edition 2."""
    store = tmp_path_factory.mktemp("store")
    roots = []
    for number in (1, 2):
        proc = run_nianbao("crawl", "chongqing_districts", "--offline", "--store", str(store), "-a", "districts=合川区",
                           "-s", f"NIANBAO_REPLICA_EDITION={number}")
        assert proc.returncode == 0, proc.stderr[-4000:]
        roots.append(next(r for r in sorted((store / "snapshots").iterdir()) if r not in roots))
    return Snapshot(roots[0]), Snapshot(roots[1])


def test_the_portal_answers_conditional_requests_with_304():
    page = ("hc.gov.cn", editions.NEW_FROM + ".html")
    with OfflinePortal(replica=edition(build_replica(), 1)) as portal:
        host, port = portal.server.server_address[:2]

        def get(headers):
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", f"http://www.{page[0]}{page[1]}", headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()

        status, headers, body = get({})
        assert status == 200 and headers["ETag"] and headers["Last-Modified"]
        assert get({"If-None-Match": headers["ETag"]})[::2] == (304, b"")
        assert get({"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert get({"If-None-Match": '"other"', "If-Modified-Since": headers["Last-Modified"]})[0] == 200
        assert get({"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200


def test_delta_names_the_new_changed_and_gone_reports(recrawl):
    first, second = recrawl
    delta = json.loads((second.root / "delta.json").read_text())
    assert delta["previous"] == first.id
    assert delta["new"] == [doc_id(editions.NEW)]
    assert delta["changed"] == [doc_id(editions.CHANGED)]
    assert delta["gone"] == [doc_id(editions.GONE)]
    assert set(delta["unchanged"]) == set(first.documents) - {doc_id(editions.CHANGED), doc_id(editions.GONE)}


def test_the_corpus_is_complete_and_unchanged_documents_read_the_same(recrawl):
    first, second = recrawl
    reports = {doc_id_for(u) for u, r in build_replica().expected_reports().items() if r["portal"] == "合川区"}
    assert set(first.documents) == reports
    expected = reports - {doc_id(editions.GONE)} | {doc_id(editions.NEW)}
    assert set(second.documents) == expected
    lines = (second.root / "corpus" / "documents.jsonl").read_text().splitlines()
    assert len(lines) == len(second.documents)  # none twice
    unchanged = set(first.documents) & set(second.documents) - {doc_id(editions.CHANGED)}
    assert len(unchanged) >= 3
    for key in unchanged:
        before, now = first.documents[key], second.documents[key]
        assert {k: now[k] for k in ("title", "text", "tables", "payload_digest")} == \
               {k: before[k] for k in ("title", "text", "tables", "payload_digest")}
        assert now["warc_file"] in {p.name for p in (second.root / "warc").iterdir()}
    assert "更正" in second.documents[doc_id(editions.CHANGED)]["text"]


def test_unchanged_pages_are_asked_conditionally_and_archived_as_revisits(recrawl):
    first, second = recrawl
    not_modified = [r for r in second.records if r[0] == "revisit" and r[1].get_header("WARC-Profile") == SERVER_NOT_MODIFIED]
    identical = [r for r in second.records if r[0] == "revisit" and r[1].get_header("WARC-Profile") == IDENTICAL_PAYLOAD]
    assert len(not_modified) >= 3 and len(identical) >= 3
    for rec_type, headers, response, block in not_modified + identical:
        assert response.get_statuscode() == ("304" if headers in [r[1] for r in not_modified] else "200")
        original = first.by_id(headers.get_header("WARC-Refers-To"))  # a record of the previous snapshot
        assert original[0] == "response"
        assert original[1].get_header("WARC-Target-URI") == headers.get_header("WARC-Refers-To-Target-URI")
        assert original[1].get_header("WARC-Date") == headers.get_header("WARC-Refers-To-Date")
        assert original[1].get_header("WARC-Payload-Digest") == headers.get_header("WARC-Payload-Digest")
        meta = second.exchange(headers.get_header("WARC-Record-ID"), "metadata")[3].decode()
        assert f"refers-to-snapshot: {first.id}" in meta
    for rec_type, headers, response, block in not_modified:
        request = second.exchange(headers.get_header("WARC-Record-ID"), "request")[2]
        original = first.by_id(headers.get_header("WARC-Refers-To"))[2]
        assert request.get_header("If-None-Match") == original.get_header("ETag")
        assert request.get_header("If-Modified-Since") == original.get_header("Last-Modified")
        assert block == b""
    # no payload of the previous snapshot is stored again
    before = {r[1].get_header("WARC-Payload-Digest") for r in first.records if r[0] == "response"}
    stored = [r[1].get_header("WARC-Payload-Digest") for r in second.records if r[0] == "response"]
    assert stored and not before & set(stored)
    changed = doc_id(editions.CHANGED)
    assert next(r for r in second.records if r[1].get_header("WARC-Record-ID") ==
                second.documents[changed]["warc_record_id"])[0] == "response"


def test_the_records_a_recrawl_refers_to_are_found_one_record_at_a_time(recrawl):
    """What the WACZ copies of the previous snapshot: the same records as the whole scan's
    resolved captures name, though read keeping only ids."""
    first, second = recrawl
    resolved = {c.payload_at for c in scan_snapshot(None, second.id, second.root / "warc")
                if c.payload_at and c.payload_at.snapshot != second.id}
    referred = referred_records(second.root, second.id)
    assert list(referred) == [first.id] and len(resolved) >= 3
    assert referred[first.id] == sorted(resolved, key=lambda at: (at.filename, at.offset))


def test_the_recrawl_verifies_reextracts_and_replays_on_its_own(recrawl, tmp_path):
    first, second = recrawl
    assert run_nianbao("verify", str(second.root)).returncode == 0
    manifest = json.loads((second.root / "manifest.json").read_text())
    assert manifest["scope"]["depends_on"] == [first.id]
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", *map(str, (second.root / "warc").glob("*.warc.gz"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout

    # re-extraction follows the revisits into the previous snapshot
    proc = run_nianbao("reextract", str(second.root), "--store", str(second.root.parent.parent))
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = next(r for r in second.root.parent.iterdir() if r.name not in (first.id, second.id))
    assert (again / "corpus" / "documents.jsonl").read_bytes() == (second.root / "corpus" / "documents.jsonl").read_bytes()

    # the package carries the records it refers to, and replays from them alone
    (package,) = second.root.glob("*.wacz")
    proc = subprocess.run([tool("wacz"), "validate", "-f", str(package)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Validation succeeded" in proc.stdout, proc.stdout[-2000:]
    unchanged = next(d for k, d in second.documents.items()
                     if k in first.documents and k != doc_id(editions.CHANGED) and d["kind"] == "page")
    revisit = second.by_id(unchanged["warc_record_id"])
    assert revisit[0] == "revisit"
    assert revisit[1].get_header("WARC-Profile") == SERVER_NOT_MODIFIED
    original = first.by_id(revisit[1].get_header("WARC-Refers-To"))
    stamp = "".join(ch for ch in original[1].get_header("WARC-Date") if ch.isdigit())[:14]
    with pywb(package, tmp_path) as port:
        status, headers, body = replay(port, stamp, unchanged["url"], {})
        changed = second.documents[doc_id(editions.CHANGED)]
        now = "".join(ch for ch in changed["captured_at"] if ch.isdigit())[:14]
        corrected = replay(port, now, changed["url"], {})
    # the confirmed capture comes from the records the package carries; the corrected one from its own
    assert status == 200 and body == original[3] and "更正" not in body.decode("utf-8")
    assert corrected[0] == 200 and "更正" in corrected[2].decode("utf-8")


def test_an_incremental_crawl_killed_and_resumed_ends_the_same(recrawl, tmp_path):
    from test_resume import kill_when, lines

    first, second = recrawl
    store, jobdir = tmp_path / "store", tmp_path / "job"
    shutil.copytree(first.root, store / "snapshots" / first.id)
    command = [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--offline", "--store", str(store),
               "--jobdir", str(jobdir), "-a", "districts=合川区", "-s", "NIANBAO_REPLICA_EDITION=2"]
    assert kill_when(command, lambda: any(lines(p) >= 1 for p in store.glob("snapshots/*/corpus/documents.jsonl")))
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (root,) = [r for r in (store / "snapshots").iterdir() if r.name != first.id]
    resumed = Snapshot(root)
    assert set(resumed.documents) == set(second.documents)
    for key, doc in resumed.documents.items():
        assert (doc["text"], doc["payload_digest"]) == (second.documents[key]["text"], second.documents[key]["payload_digest"])
    delta, expected = (json.loads((s.root / "delta.json").read_text()) for s in (resumed, second))
    assert {k: delta[k] for k in ("new", "changed", "unchanged", "gone")} == \
           {k: expected[k] for k in ("new", "changed", "unchanged", "gone")}
    assert run_nianbao("verify", str(root)).returncode == 0


def test_an_incremental_crawl_into_s3_reads_the_previous_snapshot_there(s3, tmp_path):  # noqa: F811 (the fixture)
    from test_s3_store import BUCKET, crawl_into, snapshot_id

    spools = [tmp_path / "one", tmp_path / "two"]
    for number, spool in zip((1, 2), spools):
        proc = crawl_into(s3, "incremental", spool, "-s", f"NIANBAO_REPLICA_EDITION={number}")
        assert proc.returncode == 0, proc.stderr[-3000:]
    second = Snapshot(spools[1] / snapshot_id(spools[1]))
    delta = json.loads((second.root / "delta.json").read_text())
    assert delta["previous"] == snapshot_id(spools[0])
    assert delta["counts"]["new"] == delta["counts"]["changed"] == delta["counts"]["gone"] == 1
    assert any(r[0] == "revisit" and r[1].get_header("WARC-Profile") == SERVER_NOT_MODIFIED for r in second.records)
    uri = f"s3://{BUCKET}/incremental/snapshots/{second.id}"
    again = run_nianbao("reextract", uri, "--store", str(tmp_path / "local"), **s3.env, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    (rebuilt,) = (tmp_path / "local" / "snapshots").iterdir()
    assert (rebuilt / "corpus" / "documents.jsonl").read_bytes() == (second.root / "corpus" / "documents.jsonl").read_bytes()
