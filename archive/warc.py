"""WarcWriter: WARC/1.1 files with sha256 digests, a warcinfo record first, rotation by size.

Files are named as WARC/1.1 Annex C suggests (prefix-timestamp-serial-host) and written as
`….warc.gz.open`, renamed when closed, so an open file is never mistaken for a finished one.

A payload already written in this snapshot or in the previous one (same sha256 payload digest) is
written again as a `revisit` record (identical-payload-digest profile): HTTP headers kept, no
payload, pointing at the first capture with WARC-Refers-To, -Target-URI and -Date. A 304 answer to
a conditional request is a revisit with the server-not-modified profile, pointing at the capture
the validators came from. Replay tools (pywb, ReplayWeb.page) and `archive.reextract` follow that
pointer to the payload; when it leads into another snapshot, the exchange's metadata record also
says where (`refers-to-snapshot`, `-file`, `-offset`), so nobody has to search for it.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.items import WarcRef

from .records import REFERS_TO_FILE, REFERS_TO_OFFSET, REFERS_TO_SNAPSHOT, Location

SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


class Sha256WARCWriter(WARCWriter):
    # warcio 1.8.1 has no digest option: this hook is the only way to get sha256
    @staticmethod
    def _create_digester():
        return Digester("sha256")


class RawHttpHeaders(StatusAndHeaders):
    """HTTP headers written back byte for byte.

    Header values arrive as latin-1-decoded bytes; warcio would percent-encode any non-ASCII
    value (e.g. a GBK filename in Content-Disposition), so the stored bytes would not be the
    server's. latin-1 round-trips every byte.
    """

    def to_ascii_bytes(self, filter_func=None):
        return self.to_str(filter_func).encode("latin-1") + b"\r\n"


@dataclass(frozen=True)
class FirstCapture:
    """Where a payload was first written: what a revisit record refers to."""

    uri: str
    date: str
    record_id: str
    digest: str = ""
    location: Location | None = None  # set when the record is in another snapshot

    def pointer_fields(self) -> dict:
        """Metadata fields naming the record's place when it is in another snapshot."""
        at = self.location
        return {REFERS_TO_SNAPSHOT: at.snapshot, REFERS_TO_FILE: at.filename, REFERS_TO_OFFSET: at.offset} if at else {}


class FirstCaptures:
    """payload digest → FirstCapture, for revisit records: one entry per distinct payload, so as
    many as a crawl has pages. Kept in a private temporary SQLite database (deleted when it is
    closed, and with the process), of which only a small page cache stays in memory: a worker's
    memory does not grow with its crawl for it. Lost with the process: a resumed crawl seeds it
    again from its WARC files (`archive.capture.known_payloads`)."""

    def __init__(self, known: dict[str, FirstCapture] | None = None):
        # "": a private on-disk database (sqlite spills its pages to a temporary file when its cache is full)
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        # SQLite's default page cache (2 000 KiB) fills at some 7 000 entries and then stays: 256 KiB
        # kept 50 000 entries with 0.8 MiB of RSS against 2.5, inserts and lookups no slower
        self.db.execute("PRAGMA cache_size=-256")
        self.db.execute("CREATE TABLE first (digest TEXT PRIMARY KEY, uri TEXT, date TEXT, record_id TEXT,"
                        " snapshot TEXT, filename TEXT, offset INTEGER) WITHOUT ROWID")
        for digest, first in (known or {}).items():
            self.setdefault(digest, first)

    def get(self, digest: str) -> FirstCapture | None:
        row = self.db.execute("SELECT uri, date, record_id, snapshot, filename, offset FROM first WHERE digest = ?",
                              (digest,)).fetchone()
        if row is None:
            return None
        uri, date, record_id, snapshot, filename, offset = row
        return FirstCapture(uri, date, record_id, digest, Location(snapshot, filename, offset) if snapshot else None)

    def setdefault(self, digest: str, first: FirstCapture) -> None:
        """Keep `first` for `digest` unless the digest has one already (the first capture stays first)."""
        at = first.location
        self.db.execute("INSERT OR IGNORE INTO first VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (digest, first.uri, first.date, first.record_id,
                         at.snapshot if at else None, at.filename if at else None, at.offset if at else None))


def format_warc_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field_value(value) -> str:
    # a line break inside a value would start a new field
    return " ".join(str(value).splitlines())


class WarcWriter:
    def __init__(self, directory: Path, *, prefix: str = "nianbao", max_size: int = 1_000_000_000, warcinfo: dict,
                 known: dict[str, FirstCapture] | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = warcinfo
        # Annex C fields are separated by '-', so the host must not contain one
        self.host = socket.gethostname().replace("-", "_") or "localhost"
        # a resumed crawl numbers its files after those it wrote before the kill
        self.serial = len(list(self.directory.glob("*.warc.gz")))
        self.file = None
        self.writer: Sha256WARCWriter | None = None
        self.name = ""
        self.warcinfo_id = ""
        # payload digest → first capture, for revisit records, on disk (seeded with the previous
        # snapshot's payloads and, on resume, this snapshot's own)
        self.first_captures = FirstCaptures(known)

    def _open(self) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
        self.name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.host}.warc.gz"
        self.serial += 1
        self.file = open(self.directory / (self.name + ".open"), "xb")
        self.writer = Sha256WARCWriter(self.file, gzip=True, warc_version="1.1")
        record = self.writer.create_warcinfo_record(self.name, self.warcinfo)
        self.warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        self.writer.write_record(record)

    def close(self) -> None:
        if self.file is None:
            return
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.directory / (self.name + ".open"), self.directory / self.name)
        self.file = self.writer = None

    def _ready(self) -> Sha256WARCWriter:
        # rotate between exchanges only, so an exchange never spans two files
        if self.file is not None and self.file.tell() > self.max_size:
            self.close()
        if self.file is None:
            self._open()
        return self.writer

    def _metadata_record(self, url: str, fields: dict, headers: dict):
        block = "".join(f"{k}: {_field_value(v)}\r\n" for k, v in fields.items() if v is not None and v != "")
        block = block.encode("utf-8")
        return self.writer.create_warc_record(
            url, "metadata", payload=BytesIO(block), length=len(block),
            warc_content_type="application/warc-fields", warc_headers_dict=headers,
        )

    def write_conversion(self, *, url: str, body: bytes, content_type: str, refers_to: str | None,
                         warc_date: datetime, metadata: dict) -> WarcRef:
        """Write what a browser made of a page (its rendered DOM) as a `conversion` record, with a
        `metadata` record; `refers_to` is the response record of the page as the server sent it.

        A rendered DOM is not what any server sent, so it is never a `response` record."""
        writer = self._ready()
        date = format_warc_date(warc_date)
        headers = {"WARC-Date": date, "WARC-Warcinfo-ID": self.warcinfo_id}
        if refers_to:
            headers["WARC-Refers-To"] = refers_to
        conversion = writer.create_warc_record(url, "conversion", payload=BytesIO(body), length=len(body),
                                               warc_content_type=content_type, warc_headers_dict=headers)
        conversion_id = conversion.rec_headers.get_header("WARC-Record-ID")
        meta = self._metadata_record(url, metadata, {"WARC-Date": date, "WARC-Warcinfo-ID": self.warcinfo_id,
                                                     "WARC-Concurrent-To": conversion_id})
        offset = self.file.tell()
        for record in (conversion, meta):
            writer.write_record(record)
        self.file.flush()
        return WarcRef(self.name, offset, conversion_id, date, conversion.rec_headers.get_header("WARC-Payload-Digest") or "")

    def write_exchange(
        self,
        *,
        url: str,
        request_method: str,
        request_path_and_query: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int,
        reason: str,
        protocol: str,
        response_headers: list[tuple[str, str]],
        payload: bytes,
        ip_address: str | None,
        warc_date: datetime,
        metadata: dict,
        truncated: str | None = None,
        request_protocol: str | None = None,
        not_modified: FirstCapture | None = None,
    ) -> WarcRef:
        """Write one exchange as response, request and metadata records; where the response is.

        `request_protocol` defaults to `protocol`; they differ when an HTTP/1.1 request gets an
        HTTP/1.0 answer. `not_modified`: the capture a 304 answer confirms.
        """
        writer = self._ready()
        date = format_warc_date(warc_date)
        common = {"WARC-Date": date, "WARC-Warcinfo-ID": self.warcinfo_id}
        extra = dict(common)
        if ip_address:
            extra["WARC-IP-Address"] = ip_address
        if truncated:
            extra["WARC-Truncated"] = truncated
        http_headers = RawHttpHeaders(f"{status} {reason}".strip(), response_headers, protocol=protocol)
        digest = payload_digest(payload)
        first = self.first_captures.get(digest) if payload and not truncated else None
        if not_modified and status == 304:
            extra["WARC-Refers-To"] = not_modified.record_id
            response = writer.create_revisit_record(url, not_modified.digest, not_modified.uri, not_modified.date,
                                                    http_headers=http_headers, warc_headers_dict=extra)
            response.rec_headers.replace_header("WARC-Profile", SERVER_NOT_MODIFIED)
            metadata = {**metadata, **not_modified.pointer_fields()}
        elif first:
            extra["WARC-Refers-To"] = first.record_id
            response = writer.create_revisit_record(url, digest, first.uri, first.date, http_headers=http_headers,
                                                    warc_headers_dict=extra)
            metadata = {**metadata, **first.pointer_fields()}
        else:
            response = writer.create_warc_record(
                url, "response", payload=BytesIO(payload), length=len(payload), warc_headers_dict=extra,
                http_headers=http_headers,
            )
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        if payload and not truncated and not first:
            # an empty or truncated body is never referred to: a revisit would save nothing or mislead
            self.first_captures.setdefault(digest, FirstCapture(url, date, response_id, digest))
        concurrent = {**common, "WARC-Concurrent-To": response_id}
        request_line = f"{request_method} {request_path_and_query} {request_protocol or protocol}"
        request = writer.create_warc_record(
            url, "request", payload=BytesIO(request_body), length=len(request_body), warc_headers_dict=concurrent,
            http_headers=RawHttpHeaders(request_line, request_headers, is_http_request=True),
        )
        meta = self._metadata_record(url, metadata, concurrent)
        offset = self.file.tell()
        for record in (response, request, meta):
            writer.write_record(record)
        self.file.flush()
        # for a revisit the ref names the revisit record (this exchange's own capture, with its date
        # and headers); its WARC-Refers-To leads to the payload
        return WarcRef(self.name, offset, response_id, date, response.rec_headers.get_header("WARC-Payload-Digest") or "")


def payload_digest(payload: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for this payload (sha256, base32, as Sha256WARCWriter)."""
    digester = Digester("sha256")
    digester.update(payload)
    return str(digester)
