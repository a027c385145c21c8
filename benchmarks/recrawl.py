"""What resuming and recrawling save, on the whole offline portal: figures and ratios, no assertions.

    .venv/bin/python benchmarks/recrawl.py

1. a full crawl (edition 1), then an incremental one (edition 2, same store): body bytes the server
   sent, WARC bytes stored, requests answered 304, wall time;
2. the same full crawl killed with SIGKILL half-way (by documents written) and started again:
   total wall time against the uninterrupted crawl, and documents lost or duplicated.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]


def crawl(store: Path, *extra: str, jobdir: Path | None = None, kill_at_documents: int | None = None) -> float:
    command = [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--offline", "--store", str(store),
               *(["--jobdir", str(jobdir)] if jobdir else []), *extra]
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        if kill_at_documents and any(p.read_bytes().count(b"\n") >= kill_at_documents
                                     for p in store.glob("snapshots/*/corpus/documents.jsonl")):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.005)
    return time.monotonic() - started


def received_and_stored(root: Path) -> tuple[int, int, int, int]:
    """(body bytes the server sent, WARC bytes, exchanges, 304 answers) of a snapshot."""
    sent = exchanges = not_modified = 0
    for path in (root / "warc").glob("*.warc.gz"):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    exchanges += 1
                    status = record.http_headers.get_statuscode()
                    not_modified += status == "304"
                    sent += int(record.http_headers.get_header("Content-Length") or 0) if status != "304" else 0
    stored = sum(p.stat().st_size for p in (root / "warc").glob("*.warc.gz"))
    return sent, stored, exchanges, not_modified


def documents(root: Path) -> list[str]:
    return [json.loads(line)["doc_id"] for line in (root / "corpus" / "documents.jsonl").open()]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        first_time = crawl(store, "-s", "NIANBAO_REPLICA_EDITION=1")
        second_time = crawl(store, "-s", "NIANBAO_REPLICA_EDITION=2")
        first, second = sorted((store / "snapshots").iterdir())
        a, b = received_and_stored(first), received_and_stored(second)
        print(f"full crawl:        {a[2]} exchanges, {a[0]:,} body bytes received, {a[1]:,} WARC bytes, {first_time:.1f} s")
        print(f"incremental crawl: {b[2]} exchanges ({b[3]} answered 304), {b[0]:,} body bytes received, "
              f"{b[1]:,} WARC bytes, {second_time:.1f} s")
        print(f"ratios incremental/full: body bytes {b[0] / a[0]:.2f}, WARC bytes {b[1] / a[1]:.2f}, "
              f"time {second_time / first_time:.2f}")
        print("delta:", json.loads((second / "delta.json").read_text())["counts"])

        resumed_store, jobdir = Path(tmp) / "resumed", Path(tmp) / "job"
        half = len(documents(first)) // 2
        killed = crawl(resumed_store, jobdir=jobdir, kill_at_documents=half)
        rest = crawl(resumed_store, jobdir=jobdir)
        (root,) = (resumed_store / "snapshots").iterdir()
        ids = documents(root)
        print(f"killed at {half} documents after {killed:.1f} s, resumed in {rest:.1f} s: "
              f"{(killed + rest) / first_time:.2f} × the uninterrupted crawl's time; "
              f"documents lost {len(set(documents(first)) - set(ids))}, duplicated {len(ids) - len(set(ids))}, "
              f"sealed {(root / 'manifest.json').exists()}")


if __name__ == "__main__":
    main()
