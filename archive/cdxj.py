"""The snapshot's CDXJ index: one line per `response` and `revisit` record, sorted.

The lines are those `cdxj-indexer` writes (pywb and ReplayWeb.page read them): the SURT of the
URL, the 14-digit timestamp, then JSON with url, mime, status, digest, length and offset of the
record in its gzip file, and filename (relative to the WACZ's `archive/`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

INDEXED = ("response", "revisit")
MIME_END = re.compile(r"[;\s]")


def record_lines(path: Path):
    """The index lines of one WARC file, in file order."""
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type not in INDEXED:
                continue
            headers = record.rec_headers
            url = headers.get_header("WARC-Target-URI")
            if record.rec_type == "revisit":
                mime = "warc/revisit"  # what replay tools look for to follow WARC-Refers-To
            else:
                mime = MIME_END.split(record.http_headers.get_header("Content-Type") or "", 1)[0].strip()
            fields = {"url": url, "mime": mime, "status": record.http_headers.get_statuscode(),
                      "digest": headers.get_header("WARC-Payload-Digest")}
            records.read_to_end(record)  # the record's compressed length is known only after it
            fields.update(length=str(records.get_record_length()), offset=str(records.get_record_offset()),
                          filename=path.name)
            # cdxj-indexer leaves out a field it has no value for
            index = {k: v for k, v in fields.items() if v}
            yield f"{surt.surt(url)} {iso_date_to_timestamp(headers.get_header('WARC-Date'))} {json.dumps(index)}\n"


def write_index(warc_files: list[Path], out: Path) -> int:
    """Write the sorted index of these files; how many lines. Lines (~300 B each) are sorted in
    memory: a few hundred MB at a million records, far beyond one snapshot of ours."""
    lines = sorted(line for path in warc_files for line in record_lines(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with open(partial, "w", encoding="utf-8") as stream:
        stream.writelines(lines)
    partial.replace(out)
    return len(lines)
