"""`nianbao validate`: the archival checks of a snapshot, beyond its manifest's hashes.

`nianbao verify` proves the files are those that were sealed; this proves they are good WARC and
WACZ: every record's digests verify (as `warcio check`), every file starts with its `warcinfo`,
every response and revisit has its request and metadata records, a response's HTTP Content-Length
equals its stored payload (unless marked truncated) and a compressed payload decodes, every
revisit's original is in the snapshot, and the WACZ's files match its datapackage, with one page
per report. Everything is streamed, one record at a time.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from .reextract import decoded_body
from .store import sha256_stream

CAPTURES = ("response", "revisit")


@dataclass
class Validation:
    records: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")


def decodes(payload: bytes, encoding: str | None) -> bool:
    try:
        decoded_body(payload, encoding)
        return True
    except (OSError, EOFError, zlib.error):  # gzip's errors, and zlib's
        return False


def check_warc(path: Path, result: Validation, ids: set, captures: dict, revisits: dict, concurrent: Counter) -> None:
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        for number, record in enumerate(records):
            headers = record.rec_headers
            where = f"{path.name} record {number}"
            payload = record.raw_stream.read()  # reading it to the end checks the digests
            if record.digest_checker.passed is False:
                result.problem(where, "; ".join(map(str, record.digest_checker.problems)))
            kind = record.rec_type
            result.records[kind] += 1
            record_id = headers.get_header("WARC-Record-ID")
            ids.add(record_id)
            if number == 0 and (kind != "warcinfo" or headers.get_header("WARC-Filename") != path.name):
                result.problem(where, "the file does not start with its own warcinfo record")
            if kind in ("request", "metadata") and headers.get_header("WARC-Concurrent-To"):
                concurrent[(kind, headers.get_header("WARC-Concurrent-To"))] += 1
            if kind not in CAPTURES:
                continue
            captures[record_id] = where
            if not (headers.get_header("WARC-Payload-Digest") or "").startswith("sha256:"):
                result.problem(where, "no sha256 payload digest")
            http = record.http_headers
            if kind == "revisit":
                revisits[record_id] = (where, headers.get_header("WARC-Refers-To"))
                continue
            if http.get_header("Transfer-Encoding"):
                result.problem(where, "a Transfer-Encoding header on a de-chunked payload")
            if headers.get_header("WARC-Truncated"):
                continue
            length = http.get_header("Content-Length")
            if length is not None and length.strip().isdigit() and int(length) != len(payload):
                result.problem(where, f"HTTP Content-Length {length} but {len(payload)} bytes stored")
            if not decodes(payload, http.get_header("Content-Encoding")):
                result.problem(where, f"the payload does not decode as {http.get_header('Content-Encoding')}")


def check_warcs(warc_dir: Path, result: Validation) -> None:
    for left_open in sorted(warc_dir.glob("*.open")):
        result.problem(left_open.name, "a WARC file left open")
    ids, captures, revisits, concurrent = set(), {}, {}, Counter()
    files = sorted(warc_dir.glob("*.warc.gz"))
    if not files:
        result.problem(str(warc_dir), "no WARC files")
    for path in files:
        try:
            check_warc(path, result, ids, captures, revisits, concurrent)
        except ArchiveLoadFailed as exc:
            result.problem(path.name, f"not readable as WARC: {exc}")
    for record_id, where in captures.items():
        for kind in ("request", "metadata"):
            if concurrent[(kind, record_id)] != 1:
                result.problem(where, f"{concurrent[(kind, record_id)]} {kind} records instead of 1")
    for where, refers_to in revisits.values():
        if refers_to not in ids:
            result.problem(where, f"revisit of {refers_to}, which is not in this snapshot")


def check_wacz(package: Path, documents: int, result: Validation) -> None:
    try:
        archive = zipfile.ZipFile(package)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problem(package.name, f"not a zip file: {exc}")
        return
    with archive:
        names = set(archive.namelist())
        for required in ("datapackage.json", "datapackage-digest.json", "pages/pages.jsonl"):
            if required not in names:
                result.problem(package.name, f"{required} is missing")
        if "datapackage.json" not in names:
            return
        body = archive.read("datapackage.json")
        if "datapackage-digest.json" in names:
            digest = json.loads(archive.read("datapackage-digest.json"))
            if digest.get("hash") != "sha256:" + hashlib.sha256(body).hexdigest():
                result.problem(package.name, "datapackage-digest.json does not match datapackage.json")
        for resource in json.loads(body).get("resources", []):
            if resource["path"] not in names:
                result.problem(package.name, f"{resource['path']} is listed but missing")
                continue
            with archive.open(resource["path"]) as stream:
                digest, size = sha256_stream(stream)
                if ("sha256:" + digest, size) != (resource["hash"], resource["bytes"]):
                    result.problem(package.name, f"{resource['path']} does not match its hash or size")
        if "pages/pages.jsonl" in names:
            with archive.open("pages/pages.jsonl") as stream:
                pages = sum(1 for line in stream if line.strip()) - 1  # the header line
            if pages != documents:
                result.problem(package.name, f"{pages} pages for {documents} report documents")


def validate_snapshot(root: Path) -> Validation:
    result = Validation()
    check_warcs(root / "warc", result)
    documents_file = root / "corpus" / "documents.jsonl"
    documents = sum(1 for _ in open(documents_file, encoding="utf-8")) if documents_file.exists() else 0
    packages = sorted(root.glob("*.wacz"))
    if not packages:
        result.problem(root.name, "no WACZ package")
    for package in packages:
        check_wacz(package, documents, result)
    return result
