"""The snapshot's CDXJ index: one line per `response` and `revisit` record, sorted.

The lines are those `cdxj-indexer` writes (pywb and ReplayWeb.page read them): the SURT of the
URL, the 14-digit timestamp, then JSON with url, mime, status, digest, length and offset of the
record in its gzip file, and filename (relative to the WACZ's `archive/`).
"""

from __future__ import annotations

import heapq
import json
import re
import tempfile
from contextlib import ExitStack
from itertools import islice
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


RUN = 100_000  # index lines sorted in memory at a time (some 30 MB)


def write_index(warc_files: list[Path], out: Path, run: int = RUN) -> int:
    """Write the sorted index of these files; how many lines. The lines (~300 B each) are sorted
    `run` at a time into temporary files, then merged: a national crawl's millions of records never
    sit in memory together."""
    lines = (line for path in warc_files for line in record_lines(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial, count = out.with_name(out.name + ".part"), 0
    with tempfile.TemporaryDirectory(prefix="nianbao-cdxj-") as tmp, ExitStack() as runs:
        sorted_runs = []
        while chunk := sorted(islice(lines, run)):
            count += len(chunk)
            path = Path(tmp) / f"{len(sorted_runs)}.cdxj"
            with open(path, "w", encoding="utf-8", newline="") as stream:
                stream.writelines(chunk)
            sorted_runs.append(runs.enter_context(open(path, encoding="utf-8", newline="")))
        with open(partial, "w", encoding="utf-8", newline="") as stream:
            stream.writelines(heapq.merge(*sorted_runs))
    partial.replace(out)
    return count
