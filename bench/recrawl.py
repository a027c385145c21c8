"""What resuming and recrawling save, on the whole offline portal: figures and ratios, no assertions.

    .venv/bin/python bench/recrawl.py

1. a full crawl (edition 1), then an incremental one (edition 2, same store): body bytes the server
   sent, WARC bytes stored, requests answered 304, wall time;
2. the same full crawl killed with SIGKILL (the whole process group) half-way (by documents
   written) and started again, against an uninterrupted crawl, alternated over ROUNDS rounds so
   that the machine's noise hits both alike: the median of (killed + resumed) / uninterrupted,
   in wall time and in CPU time (the crawl processes' user + system, the offline portal's threads
   included: the steadier figure on a shared machine), and documents lost or duplicated and
   failures the uninterrupted crawl does not have; then, for scale, the CPU of a crawl that finds
   nothing (one dead portal): what a process costs to start and seal, whatever resume does.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROUNDS = 3

from bench.portal import children_cpu  # noqa: E402


def ordinary_portals() -> str:
    """The offline portal's districts but the hostile one, whose stalls and 300 MB file would
    swamp what is measured here."""
    replica = offline_replica()
    return ",".join(p.name for p in replica.portals + replica.dead if p not in replica.hostile_portals)


def offline_replica():
    sys.path.insert(0, str(ROOT))
    from replica.site import build_replica

    return build_replica()


def crawl(store: Path, *extra: str, jobdir: Path | None = None, kill_at_documents: int | None = None,
          districts: str | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one `nianbao crawl` (of the ordinary districts unless told), SIGKILLed
    with its process group once it has written `kill_at_documents` documents."""
    command = [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--offline", "--store", str(store),
               "-a", f"districts={districts or ordinary_portals()}", *(["--jobdir", str(jobdir)] if jobdir else []), *extra]
    started, cpu = time.monotonic(), children_cpu()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while proc.poll() is None:
        if kill_at_documents and any(p.read_bytes().count(b"\n") >= kill_at_documents
                                     for p in store.glob("snapshots/*/corpus/documents.jsonl")):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.005)
    return time.monotonic() - started, children_cpu() - cpu


def payload_sizes(*roots: Path) -> dict[str, int]:
    """payload digest → bytes, over the responses of these snapshots (what a revisit stands for)."""
    sizes = {}
    for root in roots:
        for path in (root / "warc").glob("*.warc.gz"):
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type == "response":
                        sizes[record.rec_headers.get_header("WARC-Payload-Digest")] = len(record.raw_stream.read())
    return sizes


def received_and_stored(root: Path, sizes: dict[str, int]) -> tuple[int, int, int, int]:
    """(body bytes that came over the wire, WARC bytes, exchanges, 304 answers) of a snapshot: a
    response's stored payload is what came (compressed, de-chunked); a revisit of an identical
    payload received that payload again; a 304 received none."""
    received = exchanges = not_modified = 0
    for path in (root / "warc").glob("*.warc.gz"):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type not in ("response", "revisit"):
                    continue
                exchanges += 1
                if record.http_headers.get_statuscode() == "304":
                    not_modified += 1
                elif record.rec_type == "response":
                    received += len(record.raw_stream.read())
                else:
                    received += sizes.get(record.rec_headers.get_header("WARC-Payload-Digest"), 0)
    stored = sum(p.stat().st_size for p in (root / "warc").glob("*.warc.gz"))
    return received, stored, exchanges, not_modified


def documents(root: Path) -> list[str]:
    return [json.loads(line)["doc_id"] for line in (root / "corpus" / "documents.jsonl").open()]


def failures(root: Path) -> set[tuple[str, str]]:
    path = root / "crawl" / "failures.jsonl"
    return {(f["url"], f["reason"]) for f in map(json.loads, path.open())} if path.exists() else set()


def summary_rows(root: Path) -> dict:
    return json.loads((root / "crawl" / "summary.json").read_text())["portals"]


def resume_rounds(tmp: Path) -> None:
    """An uninterrupted crawl, then one killed at half its documents and resumed, ROUNDS times."""
    wall, cpu, whole_cpu = [], [], []
    for n in range(ROUNDS):
        whole = crawl(tmp / f"whole{n}")
        whole_cpu.append(whole[1])
        (uninterrupted,) = (tmp / f"whole{n}" / "snapshots").iterdir()
        half = len(documents(uninterrupted)) // 2
        store, jobdir = tmp / f"resumed{n}", tmp / f"job{n}"
        killed = crawl(store, jobdir=jobdir, kill_at_documents=half)
        rest = crawl(store, jobdir=jobdir)
        (root,) = (store / "snapshots").iterdir()
        ids = documents(root)
        wall.append((killed[0] + rest[0]) / whole[0])
        cpu.append((killed[1] + rest[1]) / whole[1])
        print(f"round {n + 1}: uninterrupted {whole[0]:.1f} s; killed at {half} documents after {killed[0]:.1f} s, "
              f"resumed in {rest[0]:.1f} s: {wall[-1]:.2f} × wall, {cpu[-1]:.2f} × CPU; "
              f"documents lost {len(set(documents(uninterrupted)) - set(ids))}, duplicated {len(ids) - len(set(ids))}, "
              f"extra failures {len(failures(root) - failures(uninterrupted))}, sealed {(root / 'manifest.json').exists()}, "
              f"summary rows the same {summary_rows(root) == summary_rows(uninterrupted)}")
    print(f"resume ratio (killed + resumed) / uninterrupted, median of {ROUNDS}: "
          f"wall {statistics.median(wall):.2f} (range {min(wall):.2f}–{max(wall):.2f}), "
          f"CPU {statistics.median(cpu):.2f} (range {min(cpu):.2f}–{max(cpu):.2f})")
    # the floor under the ratio: the fixed cost of a crawl process, whatever resume does
    dead = offline_replica().dead[0].name
    idle = crawl(tmp / "idle", districts=dead)
    print(f"a crawl of one dead portal ({dead}; a process start, the offline portal built, an empty snapshot sealed, the coverage heatmap drawn): {idle[1]:.1f} s CPU, "
          f"{idle[1] / statistics.median(whole_cpu):.2f} of the uninterrupted crawl's median CPU")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        first_time, _ = crawl(store, "-s", "NIANBAO_REPLICA_EDITION=1")
        second_time, _ = crawl(store, "-s", "NIANBAO_REPLICA_EDITION=2")
        first, second = sorted((store / "snapshots").iterdir())
        sizes = payload_sizes(first, second)
        a, b = received_and_stored(first, sizes), received_and_stored(second, sizes)
        print(f"full crawl:        {a[2]} exchanges, {a[0]:,} body bytes received, {a[1]:,} WARC bytes, {first_time:.1f} s")
        print(f"incremental crawl: {b[2]} exchanges ({b[3]} answered 304), {b[0]:,} body bytes received, "
              f"{b[1]:,} WARC bytes, {second_time:.1f} s")
        print(f"ratios incremental/full: body bytes received {b[0] / a[0]:.2f}, WARC bytes {b[1] / a[1]:.2f}, "
              f"time {second_time / first_time:.2f}")
        print("delta:", json.loads((second / "delta.json").read_text())["counts"])

        resume_rounds(Path(tmp))


if __name__ == "__main__":
    main()
