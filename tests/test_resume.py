"""Resume after SIGKILL: a crawl killed at any moment and started again with the same command ends
with exactly the documents of an uninterrupted crawl (the session's `offline_crawl`), and a snapshot
that seals and verifies."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.records import gzip_members
from archive.resume import repair_open_warc
from archive.warc import WarcWriter
from conftest import ROOT, CrawlResult, run_nianbao
from crawler.cli import OFFLINE_SETTINGS
from pipelines.corpus import complete_lines
from test_revisits import REPORT, write

DISTRICTS = "璧山区,合川区"  # 44 reports over 11 list pages: enough to be killed in the middle


def crawl_command(store: Path, jobdir: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--offline", "--store", str(store),
            "--jobdir", str(jobdir), "-a", f"districts={DISTRICTS}"]


def kill_when(command: list[str], moment, **kwargs) -> bool:
    """Run a crawl and SIGKILL its whole process group (Chromium and all) as soon as `moment()`
    holds; whether it was killed."""
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, **kwargs)
    try:
        while proc.poll() is None:
            if moment():
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.002)
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def reference_documents(offline_crawl, districts: str) -> dict[str, dict]:
    wanted = set(districts.split(","))
    return {d["doc_id"]: d for d in offline_crawl.documents if d["portal"] in wanted}


def assert_same_corpus(result: CrawlResult, reference_crawl: CrawlResult, districts: str) -> None:
    portals = set(districts.split(","))
    reference = reference_documents(reference_crawl, districts)
    docs = result.documents
    ids = [d["doc_id"] for d in docs]
    assert len(ids) == len(set(ids)), "a document was written twice"
    assert set(ids) == set(reference), (sorted(set(reference) - set(ids))[:5], sorted(set(ids) - set(reference))[:5])
    for doc in docs:  # what a reader sees is the same, whichever run fetched it
        assert {k: doc[k] for k in ("title", "text", "tables", "payload_digest")} == \
               {k: reference[doc["doc_id"]][k] for k in ("title", "text", "tables", "payload_digest")}
    # attachments and failures too: each once, as in the uninterrupted crawl
    for name in ("corpus/attachments.jsonl", "crawl/failures.jsonl"):
        got = sorted(json.dumps(a, sort_keys=True) for a in result.jsonl(name))
        want = sorted(json.dumps(a, sort_keys=True) for a in reference_crawl.jsonl(name) if a["portal"] in portals)
        assert [json.loads(a)["url"] for a in got] == [json.loads(a)["url"] for a in want], name
        assert want or name == "crawl/failures.jsonl"
    # every document points at its own response in this snapshot's WARC
    names = {p.name for p in result.warc_files}
    assert all(d["warc_file"] in names for d in docs)


def test_killed_early_mid_and_while_sealing_then_resumed(tmp_path, offline_crawl):
    store, jobdir = tmp_path / "store", tmp_path / "job"
    command = crawl_command(store, jobdir)
    snapshots = store / "snapshots"

    def one(pattern):
        return lambda: any(snapshots.glob(pattern))

    moments = {
        "early": one("*/warc/*.warc.gz.open"),  # the first WARC file is being written
        "mid": lambda: any(lines(p) >= 15 for p in snapshots.glob("*/corpus/documents.jsonl")),
        # the crawl is over and sealing has begun (its first file is config.json; a poll can miss
        # the package's own few milliseconds, so any step from there to the manifest will do)
        "sealing": lambda: any(snapshots.glob("*/crawl/config.json")) and not any(snapshots.glob("*/manifest.json")),
    }
    for name, moment in moments.items():
        assert kill_when(command, moment), f"the crawl finished before the {name} kill"
        (root,) = snapshots.iterdir()  # every restart goes on in the same snapshot
        assert not (root / "manifest.json").exists(), f"killed {name}, yet sealed"
    assert (root / "corpus" / "documents.jsonl").exists()

    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = CrawlResult(store, proc)
    assert_same_corpus(result, offline_crawl, DISTRICTS)
    assert not list(result.root.rglob("*.open")) and not list(result.root.rglob("*.part"))
    assert "resuming snapshot" in proc.stderr and "resumed: " in proc.stdout
    verify = run_nianbao("verify", str(result.root))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", *map(str, result.warc_files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # nothing archived twice: an exchange archived before a kill is replayed, not fetched again
    captured = [r.rec_headers.get_header("WARC-Target-URI") for p in result.warc_files
                for r in ArchiveIterator(open(p, "rb")) if r.rec_type in ("response", "revisit")]
    assert len(captured) == len(set(captured))
    assert json.loads((result.root / "crawl" / "summary.json").read_text())["totals"]["reports"] == len(result.documents)

    # the job is done: the same command now starts a new crawl, into a new snapshot
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert len(list(snapshots.iterdir())) == 2


def test_a_resumed_crawl_yields_what_the_frontier_journal_kept_instead_of_reading_again(tmp_path, offline_crawl):
    store, jobdir = tmp_path / "store", tmp_path / "job"
    command = crawl_command(store, jobdir)
    assert kill_when(command, lambda: any(lines(p) >= 15 for p in (store / "snapshots").glob("*/corpus/documents.jsonl")))
    (journal,) = jobdir.glob("frontier-*.journal")
    with open(journal, "ab") as stream:
        stream.write(b"\x07\x00torn")  # a record the kill cut short
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = CrawlResult(store, proc)
    assert_same_corpus(result, offline_crawl, DISTRICTS)
    assert b"torn" not in journal.read_bytes()
    stats = json.loads((result.root / "crawl" / "stats.json").read_text())
    assert 0 < stats["nianbao/journaled"] <= stats["nianbao/replayed"]
    # some journaled requests needed no page: neither downloaded nor read back (crawler.frontier.UnscheduledJournaled)
    assert 0 < stats["nianbao/unscheduled"] < stats["nianbao/journaled"]
    assert stats["downloader/response_count"] + stats["nianbao/unscheduled"] >= stats["nianbao/replayed"]
    # the steps the journaled callbacks counted and the hosts they let in: the uninterrupted crawl's rows
    rows = json.loads((result.root / "crawl" / "summary.json").read_text())["portals"]
    reference = json.loads((offline_crawl.root / "crawl" / "summary.json").read_text())["portals"]
    assert {p: rows[p] for p in DISTRICTS.split(",")} == {p: reference[p] for p in DISTRICTS.split(",")}


def test_scrapy_crawl_with_a_jobdir_resumes_through_a_portal_on_another_port(tmp_path, offline_crawl):
    from replica.server import OfflinePortal

    store, jobdir = tmp_path / "store", tmp_path / "job"

    def command(portal):
        settings = {"NIANBAO_PROXY": portal.proxy_url, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                    "NIANBAO_STORE": store, "JOBDIR": jobdir}
        return [str(Path(sys.executable).with_name("scrapy")), "crawl", "chongqing_districts",
                *[arg for k, v in settings.items() for arg in ("-s", f"{k}={v}")], "-a", "districts=璧山区"]

    with OfflinePortal() as first:
        killed = kill_when(command(first), lambda: any(lines(p) >= 10 for p in store.glob("snapshots/*/corpus/documents.jsonl")))
    assert killed
    with OfflinePortal() as second:
        assert second.proxy_url != first.proxy_url
        proc = subprocess.run(command(second), cwd=ROOT, capture_output=True, text=True, timeout=300)
        fetched = second.requests
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = CrawlResult(store, proc)
    assert_same_corpus(result, offline_crawl, "璧山区")
    assert (result.root / "manifest.json").exists()
    # the second run fetched only what the first had not archived
    assert 0 < len(fetched) < json.loads((result.root / "crawl" / "stats.json").read_text())["downloader/request_count"]


def test_a_torn_warc_file_keeps_its_complete_exchanges(tmp_path):
    writer = WarcWriter(tmp_path / "w", warcinfo={"isPartOf": "test"})
    for n in range(3):
        write(writer, f"http://www.example.gov.cn/{n}.html", REPORT + str(n).encode())
    writer.file.flush()
    (path,) = (tmp_path / "w").glob("*.open")
    whole = path.read_bytes()
    warcio = Path(sys.executable).with_name("warcio")
    for cut in (len(whole) - 1, len(whole) - 200, len(whole) * 2 // 3, 100):
        torn = tmp_path / f"cut{cut}" / path.name
        torn.parent.mkdir()
        torn.write_bytes(whole[:cut])
        repair_open_warc(torn)
        closed = list(torn.parent.iterdir())
        if cut == 100:  # not even the warcinfo record is whole
            assert closed == []
            continue
        (closed,) = closed
        assert closed.name == path.name[: -len(".open")]
        types = [r.rec_type for r in ArchiveIterator(open(closed, "rb"))]
        assert types[0] == "warcinfo" and len(types) % 3 == 1 and types[-1] == "metadata", types
        assert len(types) < 10
        check = subprocess.run([str(warcio), "check", str(closed)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout


def test_a_torn_last_line_is_dropped(tmp_path):
    path = tmp_path / "documents.jsonl"
    # JSON leaves U+2028 and U+0085 unescaped: they are not line ends here
    whole = '{"doc_id": "a", "text": "第一段\u2028第二段\u0085"}\n{"doc_id": "b"}\n'.encode()
    path.write_bytes(whole + b'{"doc_id": "c", "te')
    assert list(complete_lines(path)) == ['{"doc_id": "a", "text": "第一段\u2028第二段\u0085"}\n', '{"doc_id": "b"}\n']
    assert path.read_bytes() == whole


def test_a_resumed_json_lines_file_writes_no_line_twice(tmp_path):
    """JsonLines keeps digests of the lines an earlier run wrote, not the lines: a record written
    before is not written again, a new one is, and the caller sees each earlier line once."""
    from pipelines.corpus import JsonLines

    path = tmp_path / "documents.jsonl"
    path.write_text('{"doc_id": "a", "text": "第一段"}\n{"doc_id": "b"}\n{"doc_id": "c", "te', encoding="utf-8")
    before = []
    lines = JsonLines(path, before.append)
    lines.write({"doc_id": "a", "text": "第一段"})
    lines.write({"doc_id": "c", "text": "第三段"})
    lines.close()
    assert before == ['{"doc_id": "a", "text": "第一段"}\n', '{"doc_id": "b"}\n']
    assert path.read_text("utf-8") == '{"doc_id": "a", "text": "第一段"}\n{"doc_id": "b"}\n{"doc_id": "c", "text": "第三段"}\n'


def test_a_not_a_report_verdict_is_written_once_and_known_when_resumed(tmp_path):
    """Of this run's verdicts only a hash is kept: the same drop again writes no second line; a
    resumed run knows the verdict, with its reason, and writes no line for it either."""
    from scrapy.utils.test import get_crawler

    from crawler.items import ReportPage, WarcRef
    from pipelines.extract import NotAReport
    from pipelines.written import WrittenDocumentsPipeline

    def page(record_id):
        return ReportPage("https://a.gov.cn/zfxxgknb/t1.html", "https://a.gov.cn/zfxxgknb/t1.html", "甲区", None,
                          "<html></html>", "关于征集意见的通知", capture=WarcRef("a.warc.gz", 0, record_id, "2026-01-01T00:00:00Z"))

    def run():
        crawler = get_crawler(settings_dict={"NIANBAO_STORE": str(tmp_path / "store"), "NIANBAO_SNAPSHOT_ID": "s1"})
        written = WrittenDocumentsPipeline(crawler)
        written.open_spider()
        return written

    first = run()
    reason = "not an annual report: '关于征集意见的通知'"
    for _ in range(2):
        first.item_dropped(page("<urn:uuid:1>"), None, NotAReport(reason), None)
    first.item_dropped(page("<urn:uuid:2>"), None, NotAReport(reason), None)
    assert first.known(page("<urn:uuid:1>")) == (None, None)  # not kept whole: not met again in a run
    first.close_spider()
    path = first.not_reports_path
    assert [json.loads(line)["record_id"] for line in path.read_text("utf-8").splitlines()] == ["<urn:uuid:1>", "<urn:uuid:2>"]

    resumed = run()
    assert resumed.known(page("<urn:uuid:1>")) == (None, reason)
    assert resumed.known(page("<urn:uuid:3>")) == (None, None)
    resumed.item_dropped(page("<urn:uuid:1>"), None, NotAReport(reason), None)
    resumed.item_dropped(page("<urn:uuid:3>"), None, NotAReport(reason), None)
    resumed.close_spider()
    assert [json.loads(line)["record_id"] for line in path.read_text("utf-8").splitlines()] == [
        "<urn:uuid:1>", "<urn:uuid:2>", "<urn:uuid:3>"]


def test_a_document_line_gives_its_doc_id_without_being_decoded_whole(tmp_path):
    """What a resumed crawl reads of each document written before: its doc_id, taken from the
    line's start as the corpus writer writes it, from the whole JSON when written otherwise."""
    from crawler.items import Document
    from pipelines.corpus import JsonLines, as_record, line_doc_id

    document = Document(**{f: None for f in Document.__dataclass_fields__} | {"doc_id": "0123abcd4567ef89", "text": "一"})
    lines = JsonLines(tmp_path / "documents.jsonl")
    lines.write(as_record(document))
    lines.close()
    assert line_doc_id((tmp_path / "documents.jsonl").read_text("utf-8")) == "0123abcd4567ef89"
    assert line_doc_id('{"doc_id": "00ff", "text": "the rest is never decoded') == "00ff"
    assert line_doc_id('{"text": "{\\"doc_id\\": \\"ffff\\"", "doc_id": "0000"}\n') == "0000"


def test_replayed_headers_are_the_stored_bytes(tmp_path):
    from archive.records import RecordReader, scan_snapshot

    writer = WarcWriter(tmp_path / "warc", warcinfo={"isPartOf": "test"})
    names = ['attachment; filename="年度报告.pdf"'.encode("gbk"), 'attachment; filename="café.pdf"'.encode("utf-8")]
    for n, raw in enumerate(names):
        # the capture middleware hands header values over as latin-1 text, byte for byte
        writer.write_exchange(
            url=f"http://www.example.gov.cn/{n}.pdf", request_method="GET", request_path_and_query=f"/{n}.pdf",
            request_headers=[("Host", "www.example.gov.cn")], request_body=b"", status=200, reason="OK",
            protocol="HTTP/1.1", response_headers=[("Content-Disposition", raw.decode("latin-1"))], payload=b"%PDF-1.4 " + raw,
            ip_address=None, warc_date=datetime.now(timezone.utc), metadata={})
    writer.close()
    reader = RecordReader(None, "test", tmp_path / "warc")
    for capture, raw in zip(scan_snapshot(None, "test", tmp_path / "warc"), names):
        headers, payload = reader.record(capture.location)
        assert headers == [(b"Content-Disposition", raw)] and payload == b"%PDF-1.4 " + raw


def failures(crawl: CrawlResult) -> list[tuple[str, str]]:
    return sorted((f["url"], f["reason"]) for f in crawl.jsonl("crawl/failures.jsonl"))


STATUS_LINE = re.compile(rb"\r\n\r\nHTTP/[\d.]+ (\d{3})")
TARGET = re.compile(rb"^WARC-Target-URI:\s*(\S+)", re.M)


class ArchivedAnswers:
    """What a running crawl has archived so far: (URL, status) of every complete response and
    revisit record, read from where the last look stopped (the WARC files only grow)."""

    def __init__(self, warc_dirs):
        self.warc_dirs = warc_dirs
        self.read_to: dict[Path, int] = {}
        self.counts: Counter = Counter()

    def look(self) -> Counter:
        for path in sorted(p for d in self.warc_dirs() for p in d.glob("*.warc.gz*")):
            # a resumed crawl closes the `.open` file the kill left (cut after its last exchange):
            # the same file, read on from where the last look stopped, never counted twice
            name = path.with_name(path.name.removesuffix(".open"))
            start = self.read_to.get(name, 0)
            try:
                stream = open(path, "rb")
            except FileNotFoundError:  # closed between the listing and now: read under its new name next time
                continue
            with stream:
                stream.seek(start)
                for _, end, head in gzip_members(stream):
                    self.read_to[name] = start + end
                    if re.search(rb"^WARC-Type:\s*(response|revisit)", head, re.M):
                        self.counts[(TARGET.search(head).group(1).decode(), int(STATUS_LINE.search(head).group(1)))] += 1
        return self.counts


def test_killed_while_retries_and_a_challenge_are_in_flight_then_resumed(tmp_path, offline_crawl):
    """The whole offline portal, 城口县's rate limits and 加速乐 challenge included, killed at each
    moment a transient answer is archived and the crawl still owes it a retry or the browser: the
    429 and the 503 answered, their retries to come; the 521 answered, the browser still to open
    it; the browser holding the challenge page. Each run kills at the first such moment not met
    yet (a case is only ever finished after its moments, so every moment is met), against a fresh
    portal (its rate limits start again, as a real site's may); then one more kill half-way through
    the documents left. The resumed corpus is the uninterrupted crawl's, document for document,
    failure for failure."""
    from replica.server import OfflinePortal

    store, jobdir = tmp_path / "store", tmp_path / "job"
    snapshots = store / "snapshots"
    with OfflinePortal() as probe:
        replica = probe.replica
    cases = {name: replica.hostile_cases[name] for name in ("rate-limit-429", "unavailable-503", "jsl-521")}
    transient = {"rate-limit-429": 429, "unavailable-503": 503, "jsl-521": 521}
    districts = ",".join(p.name for p in replica.portals + replica.dead)
    reference = offline_crawl.documents

    def command(portal):
        # a 503's retry waits 2 s instead of 0.5 (a wider moment to kill in; what is fetched is the same)
        settings = {**OFFLINE_SETTINGS, "NIANBAO_PROXY": portal.proxy_url, "NIANBAO_RETRY_BACKOFF": 2}
        return [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--store", str(store),
                "--jobdir", str(jobdir), "-a", f"districts={districts}",
                *[arg for k, v in settings.items() for arg in ("-s", f"{k}={v}")]]

    def documents_written() -> int:
        return sum(lines(p) for p in snapshots.glob("*/corpus/documents.jsonl"))

    def run_killed(moment_for) -> None:
        with OfflinePortal() as portal:
            archived = ArchivedAnswers(lambda: list(snapshots.glob("*/warc")))
            moment = moment_for(portal, archived, Counter(archived.look()))
            assert kill_when(command(portal), moment), f"the crawl finished before the moment {moment_for.__name__}"
        (root,) = snapshots.iterdir()  # every restart goes on in the same snapshot
        assert not (root / "manifest.json").exists()

    def moments_now(portal, archived, before) -> set[str]:
        counts = archived.look()  # every poll: the WARC is read as it grows, never in arrears
        asked = Counter(url for _, url in portal.requests)
        now = {f"{name} answered, retry to come" for name, url in cases.items()
               if asked[url] == 1 and counts[(url, transient[name])] > before[(url, transient[name])]}
        if asked[cases["jsl-521"]] in (2, 3):  # the browser's load and its reload; the 4th is the cleared fetch
            now.add("jsl-521 in the browser")
        return now

    met: set[str] = set()

    def first_moment_not_met(portal, archived, before):
        def moment():
            new = moments_now(portal, archived, before) - met
            met.update(new)
            return bool(new)
        return moment

    def half_of_the_rest(portal, archived, before):
        target = documents_written() + (len(reference) - documents_written()) // 2
        return lambda: documents_written() >= target

    while len(met) < 4:
        run_killed(first_moment_not_met)
    assert met == {*(f"{name} answered, retry to come" for name in cases), "jsl-521 in the browser"}
    run_killed(half_of_the_rest)

    with OfflinePortal() as portal:
        proc = subprocess.run(command(portal), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = CrawlResult(store, proc)
    assert "resuming snapshot" in proc.stderr
    assert_same_corpus(result, offline_crawl, districts)
    assert failures(result) == failures(offline_crawl)
    # what the crawl finally got for each case is the report, archived by Scrapy, not the transient answer
    finally_archived = ArchivedAnswers(lambda: [result.root / "warc"]).look()
    assert all(finally_archived[(url, 200)] for url in cases.values()), finally_archived
    verify = run_nianbao("verify", str(result.root))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads((result.root / "crawl" / "summary.json").read_text())["totals"]["reports"] == len(reference)


def test_only_final_answers_stand_in_for_the_network(tmp_path):
    from archive.records import scan_snapshot
    from archive.resume import final_answers

    writer = WarcWriter(tmp_path / "warc", warcinfo={"isPartOf": "test"})

    def exchange(name, status, body=b"<html>report</html>", truncated=None, **metadata):
        writer.write_exchange(
            url=f"http://www.example.gov.cn/{name}", request_method="GET", request_path_and_query=f"/{name}",
            request_headers=[("Host", "www.example.gov.cn")], request_body=b"", status=status, reason="",
            protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html")], payload=body + name.encode(),
            ip_address=None, warc_date=datetime.now(timezone.utc), metadata={"kind": "report", **metadata},
            truncated=truncated)

    exchange("ok", 200)
    exchange("gone", 404)
    exchange("moved", 302)
    exchange("limited", 429)
    exchange("unavailable", 503)
    exchange("jsl", 521)
    exchange("ruishu", 412)
    exchange("cut", 200, truncated="length")
    exchange("retried", 503)
    exchange("retried", 200)  # the retry's answer is the last word
    exchange("cleared", 521)
    exchange("cleared", 200, via="browser")  # the browser's page: the crawl's own answer is still to come
    writer.write_exchange(
        url="http://www.example.gov.cn/empty", request_method="GET", request_path_and_query="/empty",
        request_headers=[], request_body=b"", status=200, reason="OK", protocol="HTTP/1.1", response_headers=[],
        payload=b"", ip_address=None, warc_date=datetime.now(timezone.utc), metadata={})
    writer.close()
    final = final_answers(scan_snapshot(None, "test", tmp_path / "warc"), frozenset({429, 500, 502, 503, 504}))
    assert sorted(url.rsplit("/", 1)[1] for url in final) == ["gone", "moved", "ok", "retried"]
    assert final["http://www.example.gov.cn/retried"].status == 200
