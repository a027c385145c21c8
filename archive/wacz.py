"""The snapshot as a WACZ 1.1.1 package, `<snapshot_id>.wacz`, loadable by ReplayWeb.page and pywb.

Inside: `archive/` (the WARC files), `indexes/index.cdx` (the snapshot's `indexes/index.cdxj`, see
`archive.cdxj`: named `.cdx`, as the WACZ spec names a plain index, because pywb 2.10's
`wb-manager add --unpack-wacz` imports only `*.cdx`/`*.cdx.gz`), `pages/pages.jsonl`
(one page per report document, with its clean text, so a reader can find and search the reports),
`datapackage.json` (every file with its sha256 and size) and `datapackage-digest.json`.
After an incremental crawl, revisits refer to records of earlier snapshots of the store. The
package then also holds `archive/nianbao-referred-<snapshot>.warc.gz`: those records copied byte for
byte (their gzip members), after a warcinfo saying where they come from, and its index lines in
`indexes/index.cdx`, so the WACZ replays on its own; `indexes/referred.json` in the snapshot lists
the records and where they are, and `datapackage.json` names the snapshots under `referred`.
The snapshot's own `indexes/index.cdxj` indexes its own WARC files only. A 304 answer (a revisit
with the server-not-modified profile) is in the snapshot's index but not in the package's: pywb
2.10 would replay it as an empty 304, so a reader of the package gets the capture it confirmed.
Everything is streamed through the zip in chunks: a WARC can be a gigabyte. Entries are stored,
not deflated, as WACZ asks, so a replay tool can read a record at its offset without unpacking.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import tempfile
import zipfile
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from .cdxj import record_lines, write_index
from .manifest import software_version
from .store import CHUNK
from .records import Location, Metadata, RecordReader, in_earlier_snapshot, snapshot_entries
from .store import LocalStore

WACZ_VERSION = "1.1.1"
INDEX = "indexes/index.cdxj"  # in the snapshot folder
REFERRED = "indexes/referred.json"
# a 304 answer archived as a revisit: pywb 2.10 replays its status, with no body, so the package's
# index leaves it out and a reader gets the capture it confirmed (packed with it) instead
NOT_MODIFIED_LINE = re.compile(r'"mime": "warc/revisit", "status": "304"')  # records of other snapshots this one's revisits refer to
PACKED_INDEX = "indexes/index.cdx"  # the same bytes, in the package
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
# frictionless resource names: lowercase letters, digits and -._/
NOT_IN_NAME = re.compile(r"[^-a-z0-9._/]")


class HashingWriter:
    """Counts and hashes what goes through to a zip entry."""

    def __init__(self, stream):
        self.stream, self.sha256, self.bytes = stream, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.bytes += len(data)
        self.stream.write(data)


def page_lines(documents: Path):
    yield PAGES_HEADER
    if not documents.exists():
        return
    with open(documents, encoding="utf-8") as stream:
        for line in stream:
            doc = json.loads(line)
            yield {"url": doc["url"], "ts": doc["captured_at"], "title": doc["title"], "text": doc["text"]}


def _entry(archive: zipfile.ZipFile, path: str, size_hint: int = 0):
    info = zipfile.ZipInfo(path, datetime.now(timezone.utc).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    # zip64 must be chosen before writing an entry that might pass 2 GiB
    return archive.open(info, "w", force_zip64=size_hint > (1 << 31))


def _resource(path: str, out: HashingWriter) -> dict:
    return {"name": NOT_IN_NAME.sub("-", Path(path).name.lower()), "path": path,
            "hash": "sha256:" + out.sha256.hexdigest(), "bytes": out.bytes}


def write_wacz(target: Path, *, snapshot_id: str, warc_files: list[Path], index: Path, documents: Path,
               referred: list[str] = ()) -> dict:
    """Write the package (via `….part`, renamed when complete); its datapackage."""
    resources = []
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for source, path in [(w, f"archive/{w.name}") for w in warc_files] + [(index, PACKED_INDEX)]:
            with open(source, "rb") as stream, _entry(archive, path, source.stat().st_size) as entry:
                out = HashingWriter(entry)
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    out.write(chunk)
            resources.append(_resource(path, out))
        with _entry(archive, "pages/pages.jsonl") as entry:
            out = HashingWriter(entry)
            for page in page_lines(documents):
                out.write((json.dumps(page, ensure_ascii=False) + "\n").encode("utf-8"))
        resources.append(_resource("pages/pages.jsonl", out))
        package = {
            "profile": "data-package",
            "title": f"nianbao snapshot {snapshot_id}",
            "resources": resources,
            "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wacz_version": WACZ_VERSION,
            "software": software_version(),
        }
        if referred:  # its revisits refer to records of these snapshots, copied into archive/
            package["referred"] = list(referred)
        body = json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")
        with _entry(archive, "datapackage.json") as entry:
            entry.write(body)
        digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(body).hexdigest()}
        with _entry(archive, "datapackage-digest.json") as entry:
            entry.write(json.dumps(digest, indent=1).encode("utf-8"))
    partial.replace(target)
    return package


def referred_records(root: Path, snapshot_id: str) -> dict[str, list[Location]]:
    """snapshot id → the records of that snapshot this one's revisits refer to: a revisit whose
    payload is not in a response of this snapshot and whose metadata record names another (as
    `resolve_payloads` decides). Read one record at a time, keeping ids only: the captures of a
    crawl of 10 000 pages, headers and all, took 30 MiB more while its last worker sealed."""
    responses, revisits, elsewhere = set(), {}, {}
    for entry in snapshot_entries(None, snapshot_id, root / "warc"):
        if isinstance(entry, Metadata):
            if (at := in_earlier_snapshot(entry.fields)) is not None:
                elsewhere[entry.concurrent_to] = at
        elif entry.revisit:
            revisits[entry.record_id] = entry.refers_to
        else:
            responses.add(entry.record_id)
    out = defaultdict(set)
    for record_id, at in elsewhere.items():
        if record_id in revisits and revisits[record_id] not in responses and at.snapshot != snapshot_id:
            out[at.snapshot].add(at)
    return {k: sorted(v, key=lambda at: (at.filename, at.offset)) for k, v in sorted(out.items())}


def write_referred(referred: dict[str, list[Location]], reader: RecordReader, folder: Path, snapshot_id: str) -> list[Path]:
    """One WARC file per referred snapshot: a warcinfo, then its records' gzip members as stored."""
    from .warc import Sha256WARCWriter

    files = []
    for other, locations in referred.items():
        path = folder / f"nianbao-referred-{other}.warc.gz"
        with open(path, "wb") as out:
            writer = Sha256WARCWriter(out, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, {
                "isPartOf": other, "format": "WARC File Format 1.1",
                "description": f"records of snapshot {other} that revisit records of snapshot {snapshot_id} refer "
                               "to, copied byte for byte from its WARC files"}))
            for at in locations:
                out.write(reader.member(at))
        files.append(path)
    return files


def package_snapshot(root: Path, snapshot_id: str, store=None) -> Path:
    """Index the snapshot's WARC files and package them with its corpus' pages: `<root>/<id>.wacz`.

    Call it when the WARC files are closed and the corpus is complete (before sealing). `store`
    holds the earlier snapshots its revisits may refer to (default: the store `root` stands in)."""
    warc_files = sorted((root / "warc").glob("*.warc.gz"))
    index = root / INDEX
    write_index(warc_files, index)
    target = root / f"{snapshot_id}.wacz"
    referred = referred_records(root, snapshot_id)
    if referred:
        listing = [{"snapshot": k, "file": at.filename, "offset": at.offset} for k, v in referred.items() for at in v]
        (root / REFERRED).write_text(json.dumps(listing, indent=1), encoding="utf-8")
    if store is None and root.parent.name == "snapshots":
        store = LocalStore(root.parent.parent)
    with tempfile.TemporaryDirectory(prefix="nianbao-referred-") as tmp:
        extra = write_referred(referred, RecordReader(store), Path(tmp), snapshot_id)
        packed = Path(tmp) / "index.cdx"
        copied = sorted(line for path in extra for line in record_lines(path))  # the copied records
        # the index is sorted already: read a line at a time (a whole one was 4 copies of it at once)
        with open(index, encoding="utf-8", newline="") as lines, open(packed, "w", encoding="utf-8", newline="") as out:
            out.writelines(heapq.merge((line for line in lines if not NOT_MODIFIED_LINE.search(line)), copied))
        write_wacz(target, snapshot_id=snapshot_id, warc_files=warc_files + extra, index=packed,
                   documents=root / "corpus" / "documents.jsonl", referred=list(referred))
    return target
