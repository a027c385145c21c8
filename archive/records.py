"""Reading a snapshot's WARC files back: where each capture is, and its payload.

A resumed crawl answers requests it already archived from its own WARC files (`archive.resume`),
and an incremental crawl compares against the previous snapshot's (`archive.recrawl`): both need
the same map of captures, built by one pass over the files, and the same way of reading a payload
back, following a revisit to the record that holds it — in this snapshot or an earlier one.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler.items import WarcRef

# fields of an exchange's metadata record naming a payload kept in another snapshot
REFERS_TO_SNAPSHOT, REFERS_TO_FILE, REFERS_TO_OFFSET = "refers-to-snapshot", "refers-to-file", "refers-to-offset"
# field of a file's metadata record naming the report page that only points to it
REPORT_PAGE_FIELD = "report-page"


@dataclass(frozen=True)
class Location:
    """A record in the store: snapshot id, WARC file name, offset of its gzip member."""

    snapshot: str
    filename: str
    offset: int


@dataclass
class Capture:
    url: str
    record_id: str
    date: str
    digest: str
    status: int
    location: Location
    revisit: bool
    headers: list[tuple[str, str]]
    truncated: bool = False
    refers_to: str | None = None  # a revisit's WARC-Refers-To
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    payload_at: Location | None = None  # where the payload is (resolved by `scan_snapshot`)
    meta: dict = field(default_factory=dict)  # the fields of the exchange's metadata record

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def ref(self) -> WarcRef:
        return WarcRef(self.location.filename, self.location.offset, self.record_id, self.date, self.digest)


def metadata_fields(record) -> dict[str, str]:
    return fields_of(record.content_stream().read())


def fields_of(block: bytes) -> dict[str, str]:
    """The `name: value` lines of a metadata record's block."""
    text = block.decode("utf-8", "replace")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


@dataclass(frozen=True)
class Metadata:
    """The fields of a metadata record, and the record it is about (its WARC-Concurrent-To)."""

    concurrent_to: str | None
    fields: dict[str, str]


def collected(entries: Iterator[Capture | Metadata]) -> tuple[list[Capture], dict[str, dict]]:
    captures, meta = [], {}
    for entry in entries:
        if isinstance(entry, Metadata):
            meta[entry.concurrent_to] = entry.fields
        else:
            captures.append(entry)
    return captures, meta


def scan_file(stream, snapshot: str, filename: str) -> tuple[list[Capture], dict[str, dict]]:
    """The captures of one WARC stream in file order, and metadata fields by concurrent record id."""
    return collected(file_entries(stream, snapshot, filename))


def file_entries(stream, snapshot: str, filename: str) -> Iterator[Capture | Metadata]:
    """The captures and metadata records of one WARC stream, one at a time in file order.
    Each record is its own gzip member (as every WARC writer here makes them): its heads are read
    from the member's first bytes, with no parser of the whole stream (warcio's took two thirds of
    a resumed crawl's scan of its files). `UnusualWarc` if the file is not so (after what came
    before it): `file_entries_parsed`."""
    for offset, _, content in gzip_members(stream, keep=KEPT_OF_MEMBER, whole=True):
        warc_line, warc_headers, at = read_head(content, 0)
        if not warc_line.startswith("WARC/") or at is None:
            raise UnusualWarc(f"{filename}: no WARC record at {offset}")
        fields = {}
        for name, value in warc_headers:
            fields.setdefault(name.lower(), value)
        length = int(fields.get("content-length", "0"))
        if len(content) < KEPT_OF_MEMBER and len(content) != at + length + 4:
            raise UnusualWarc(f"{filename}: more or less than one record in the gzip member at {offset}")
        kind, url = fields.get("warc-type"), fields.get("warc-target-uri", "")
        if kind == "metadata":
            if len(content) < at + length:
                raise UnusualWarc(f"{filename}: metadata record at {offset} longer than what was kept")
            yield Metadata(fields.get("warc-concurrent-to"), fields_of(content[at: at + length]))
        elif kind in ("response", "revisit") and length and url.startswith(("http:", "https:")):
            status_line, headers, end = read_head(content, at)
            if end is None and len(content) >= KEPT_OF_MEMBER:
                raise UnusualWarc(f"{filename}: HTTP head at {offset} longer than what was kept")
            if not status_line and kind == "revisit" and end is None:
                continue  # a revisit without HTTP headers (warcio: none either)
            protocol_status = status_line.split(" ", 1)
            yield Capture(
                url=url, record_id=fields.get("warc-record-id"), date=fields.get("warc-date"),
                digest=fields.get("warc-payload-digest") or "",
                status=int((protocol_status[1] if len(protocol_status) > 1 else "").split(" ", 1)[0] or 0),
                location=Location(snapshot, filename, offset), revisit=kind == "revisit", headers=headers,
                truncated=bool(fields.get("warc-truncated")), refers_to=fields.get("warc-refers-to"),
                refers_to_uri=fields.get("warc-refers-to-target-uri"), refers_to_date=fields.get("warc-refers-to-date"),
            )


KEPT_OF_MEMBER = 1 << 20  # bytes of a record kept while scanning: its heads; a metadata record whole


class UnusualWarc(Exception):
    """A WARC file `scan_file` does not read (records not one per gzip member, a torn member)."""


def read_head(content: bytes, at: int) -> tuple[str, list[tuple[str, str]], int | None]:
    """(first line, headers, where the block after the blank line starts: None if no blank line came),
    line by line as warcio reads a head: each line UTF-8 or else Latin-1, stripped on the right; a
    line starting with a space or tab continues the value before it; a line with no colon is left out."""
    first, headers, name, value = None, [], None, None
    while True:
        end = content.find(b"\n", at)
        if end < 0:
            return first or "", headers, None
        raw, at = content[at:end + 1], end + 1
        try:
            line = raw.decode("utf-8").rstrip()
        except UnicodeDecodeError:
            line = raw.decode("iso-8859-1").rstrip()
        if first is None:
            first = line
            if not line:
                return "", headers, at
            continue
        if line and line[0] in " \t":
            if value is not None:
                value += line
            continue
        if value is not None:
            headers.append((name, value))
        if not line:
            return first, headers, at
        name, _, rest = line.partition(":")
        name, value = (name.rstrip(" \t"), rest.lstrip()) if _ else (name, None)


def scan_file_parsed(stream, snapshot: str, filename: str) -> tuple[list[Capture], dict[str, dict]]:
    """`scan_file` through warcio's parser, for any WARC file it reads."""
    return collected(file_entries_parsed(stream, snapshot, filename))


def file_entries_parsed(stream, snapshot: str, filename: str) -> Iterator[Capture | Metadata]:
    """`file_entries` through warcio's parser."""
    records = ArchiveIterator(stream)
    for record in records:
        headers, capture = record.rec_headers, None
        if record.rec_type == "metadata":
            yield Metadata(headers.get_header("WARC-Concurrent-To"), metadata_fields(record))
        elif record.rec_type in ("response", "revisit") and record.http_headers is not None:
            capture = Capture(
                url=headers.get_header("WARC-Target-URI"), record_id=headers.get_header("WARC-Record-ID"),
                date=headers.get_header("WARC-Date"), digest=headers.get_header("WARC-Payload-Digest") or "",
                status=int(record.http_headers.get_statuscode() or 0), location=Location(snapshot, filename, 0),
                revisit=record.rec_type == "revisit", headers=list(record.http_headers.headers),
                truncated=bool(headers.get_header("WARC-Truncated")),
                refers_to=headers.get_header("WARC-Refers-To"),
                refers_to_uri=headers.get_header("WARC-Refers-To-Target-URI"),
                refers_to_date=headers.get_header("WARC-Refers-To-Date"),
            )
        records.read_to_end(record)
        if capture is not None:
            capture.location = Location(snapshot, filename, records.get_record_offset())
            yield capture


def resolve_payloads(captures: list[Capture], meta: dict[str, dict]) -> None:
    """Set `payload_at`: a response holds its payload; a revisit's is in the record it refers
    to, in the same snapshot or, as its metadata record says, in an earlier one."""
    holders = {c.record_id: c.location for c in captures if not c.revisit}
    for c in captures:
        c.meta = meta.get(c.record_id, {})
        if not c.revisit:
            c.payload_at = c.location
        elif c.refers_to in holders:
            c.payload_at = holders[c.refers_to]
        else:
            c.payload_at = in_earlier_snapshot(c.meta)


def in_earlier_snapshot(fields: dict[str, str]) -> Location | None:
    """Where a revisit's payload is in an earlier snapshot, as its metadata record says (None: it
    names none)."""
    if REFERS_TO_SNAPSHOT not in fields:
        return None
    return Location(fields[REFERS_TO_SNAPSHOT], fields[REFERS_TO_FILE], int(fields[REFERS_TO_OFFSET]))


def warc_files(store, snapshot_id: str, warc_dir: Path | None = None) -> list[tuple[str, Callable]]:
    """(name, a function opening it) of each WARC file of a snapshot, in name (= time) order; from a
    local folder if given."""
    if warc_dir is not None:
        return [(path.name, lambda path=path: open(path, "rb")) for path in sorted(warc_dir.glob("*.warc.gz"))]
    return [(key.rsplit("/", 1)[-1], lambda key=key: store.open(key))
            for key in sorted(store.keys(f"snapshots/{snapshot_id}/warc")) if key.endswith(".warc.gz")]


def snapshot_entries(store, snapshot_id: str, warc_dir: Path | None = None) -> Iterator[Capture | Metadata]:
    """The captures and metadata records of a snapshot one at a time, holding none of them: for a
    reader that keeps little of each. A file `file_entries` finds unusual part way is read again
    through warcio's parser, so the entries before that point come twice."""
    for name, opened in warc_files(store, snapshot_id, warc_dir):
        try:
            with opened() as stream:
                yield from file_entries(stream, snapshot_id, name)
        except UnusualWarc:
            with opened() as stream:
                yield from file_entries_parsed(stream, snapshot_id, name)


def scan_snapshot(store, snapshot_id: str, warc_dir: Path | None = None,
                  headers: Collection[str] | None = None) -> list[Capture]:
    """Every capture of a snapshot, files in name (= time) order; from a local folder if given.
    With `headers` (lower-case names) each capture keeps only these of its HTTP headers, and of the
    metadata fields only where its payload is: for a reader that holds a snapshot's captures for
    the length of a crawl (whole, about 3 KiB a capture)."""
    captures, meta = [], {}
    for name, opened in warc_files(store, snapshot_id, warc_dir):
        try:
            with opened() as stream:
                found, fields = scan_file(stream, snapshot_id, name)
        except UnusualWarc:
            with opened() as stream:
                found, fields = scan_file_parsed(stream, snapshot_id, name)
        if headers is not None:
            for capture in found:
                capture.headers = [(k, v) for k, v in capture.headers if k.lower() in headers]
            fields = {record_id: f for record_id, f in fields.items() if REFERS_TO_SNAPSHOT in f}
        captures += found
        meta.update(fields)
    resolve_payloads(captures, meta)
    return captures


def latest_by_url(captures: list[Capture]) -> dict[str, Capture]:
    """The last capture of each URL: what the crawl finally got for it."""
    return {c.url: c for c in captures}


RawHeaders = list[tuple[bytes, bytes]]
CONTENT_LENGTH = re.compile(rb"^Content-Length:\s*(\d+)", re.M | re.I)


def archived_response(request, url: str, status: int, headers: RawHeaders, payload: bytes, flags):
    """A response made from archived headers and payload (the body as the server sent it)."""
    http_headers = Headers()
    for name, value in headers:
        http_headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=http_headers, url=url, body=payload)
    return cls(url=url, status=status, headers=http_headers, body=payload, request=request, flags=list(flags))


def archived_payload(capture: Capture, reader: "RecordReader") -> tuple[int, RawHeaders, bytes]:
    """Status, headers and payload (as the server sent it) a capture stands for: a revisit of an
    identical payload keeps its own headers; a 304 stands for the earlier 200, headers and all."""
    headers, payload = reader.record(capture.payload_at)
    if capture.revisit and capture.status != 304:
        headers = reader.record(capture.location)[0]
    return (200 if capture.status == 304 else capture.status), headers, payload


class RecordReader:
    """Reads a record back by location: this crawl's own files locally, other snapshots' from the store."""

    def __init__(self, store, own_id: str | None = None, own_warc_dir: Path | None = None):
        self.store, self.own_id, self.own_warc_dir = store, own_id, own_warc_dir

    def open(self, at: Location):
        if at.snapshot == self.own_id and self.own_warc_dir is not None:
            stream = open(self.own_warc_dir / at.filename, "rb")
            stream.seek(at.offset)
            return stream
        return self.store.open(f"snapshots/{at.snapshot}/warc/{at.filename}", at.offset)

    def record(self, at: Location) -> tuple[RawHeaders, bytes]:
        """HTTP headers and payload of the record at this location, byte for byte as stored (warcio
        would decode header values, as UTF-8 or else latin-1, and could not give the bytes back).
        The record's gzip member is inflated and split here: no parser is needed to find its block
        (a resumed crawl reads back every page it had archived)."""
        with self.open(at) as stream:
            warc_head, _, block = read_member(stream, inflate=True).partition(b"\r\n\r\n")
        block = block[: int(CONTENT_LENGTH.search(warc_head).group(1))]
        head, _, payload = block.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")[1:]  # after the status line
        return [tuple(part.strip() for part in line.split(b":", 1)) for line in lines if b":" in line], payload

    def member(self, at: Location) -> bytes:
        """The record's gzip member, byte for byte (to copy it into a package)."""
        with self.open(at) as stream:
            return read_member(stream)


def read_member(stream, inflate: bool = False) -> bytes:
    """The gzip member the stream is at, byte for byte, or (inflate) its content."""
    inflater, out = zlib.decompressobj(zlib.MAX_WBITS | 16), []
    while not inflater.eof:
        chunk = stream.read(1 << 16)
        if not chunk:
            raise EOFError("gzip member cut short")
        content = inflater.decompress(chunk)
        out.append(content if inflate else chunk[: len(chunk) - len(inflater.unused_data)])
    return b"".join(out)


def gzip_members(stream, keep: int = 4096, whole: bool = False) -> Iterator[tuple[int, int, bytes]]:
    """(offset, end, first `keep` bytes of content) of each complete gzip member; stops at a torn
    one (`whole`: raises `UnusualWarc` there instead)."""
    offset, buffer = 0, b""
    while True:
        inflater, kept, size, start = zlib.decompressobj(zlib.MAX_WBITS | 16), [], 0, offset
        while not inflater.eof:
            if not buffer:
                buffer = stream.read(1 << 16)
                if not buffer:
                    if whole and offset > start:
                        raise UnusualWarc(f"a gzip member cut short at {start}")
                    return  # end of file: at a boundary, or in a torn member
            try:
                data = inflater.decompress(buffer)
            except zlib.error:
                if whole:
                    raise UnusualWarc(f"no gzip member at {offset}") from None
                return  # garbage: what a kill left half-written
            if size < keep:
                kept.append(data[: keep - size])
                size += len(kept[-1])
            used = len(buffer) - len(inflater.unused_data)
            offset += used
            buffer = buffer[used:]
        yield start, offset, b"".join(kept)
