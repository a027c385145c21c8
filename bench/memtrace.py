"""One worker's memory along its crawl, finely: the memory part of `bench/cluster.py` (same crawl,
same settings), sampled every half second instead of read at a few counts.

Each sample: requests the portal logged so far, the worker's RSS and peak RSS (VmHWM), its memory
by kind from /proc/PID/smaps (the main heap `[heap]`, anonymous mappings: other threads' glibc
arenas and large mmapped blocks, file-backed), its threads; written as tab-separated lines to
`--out`, and each step of the peak (≥ `--step` MiB) printed with the files (PDF, DOC, …) the portal
served in the seconds before it, which a step most likely comes from.

`--probe FILE`: the worker also writes what it holds in flight next to glibc's memory in use, from
inside (`bench/memprobe.py`).

usage: python bench/memtrace.py [--pages 20000] [--step 4] [--out FILE] [--probe FILE] [--env NAME=VALUE …]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cluster import PAGES_PER_COPY, LogCounter, Target, start_worker  # noqa: E402
from bench.memprobe import proc_status  # noqa: E402
from bench.portal import ServedPortal, free_port, stop_group  # noqa: E402

FILE_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".jpg", ".png", ".tif", ".xls", ".xlsx", ".zip")


def by_kind(pid: int) -> dict[str, int]:
    """Rss (KiB) of the main heap, of anonymous mappings and of file-backed ones."""
    kinds = {"heap": 0, "anon": 0, "file": 0}
    kind = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(None, 5)
        if "-" in first[0] and len(first) >= 5 and not first[0].endswith(":"):
            name = first[5] if len(first) > 5 else ""
            kind = "heap" if name == "[heap]" else "anon" if not name or name.startswith("[anon") else \
                "file" if name.startswith("/") else None
        elif first[0] == "Rss:" and kind:
            kinds[kind] += int(first[1])
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--scale", type=int, default=None, help="copies (default: as bench/cluster.py for 50 000 pages)")
    parser.add_argument("--step", type=float, default=4.0)
    parser.add_argument("--out", default=None)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE in the worker's environment")
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE: a setting of the worker")
    parser.add_argument("--portal-processes", type=int, default=2)
    parser.add_argument("--probe", default=None, help="FILE: the worker's own samples (bench/memprobe.py)")
    args = parser.parse_args()
    settings = dict(pair.split("=", 1) for pair in args.set)
    env = dict(pair.split("=", 1) for pair in args.env)
    if args.probe:
        from scrapy.utils.project import get_project_settings

        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
        extensions = {**get_project_settings().getdict("EXTENSIONS"), "bench.memprobe.MemoryProbe": 1}
        settings["EXTENSIONS"] = json.dumps(extensions)
        env["NIANBAO_MEMPROBE"] = str(Path(args.probe).resolve())
    target = Target(None, args.scale or 50000 // PAGES_PER_COPY + 1, "0")
    work = Path(tempfile.mkdtemp(prefix="nianbao-memtrace-"))
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.5)
    out = open(args.out or os.devnull, "w")
    print(f"{target.describe()}; trace to {out.name}", flush=True)
    try:
        with ServedPortal(target.scale, args.portal_processes, "0") as portal:
            worker = start_worker(target, portal, f"redis://127.0.0.1:{port}/1", work / "memory", settings, env)
            fetched, started, last_peak, files = LogCounter(portal.log), time.monotonic(), 0, []
            log_offset = 0
            out.write("s\trequests\trss\thwm\theap\tanon\tfile\tthreads\tfiles_fetched\n")
            try:
                while worker.poll() is None:
                    time.sleep(0.5)
                    now = fetched()
                    if portal.log.exists():  # the files served so far (URL, when)
                        with open(portal.log, "rb") as stream:
                            stream.seek(log_offset)
                            data = stream.read()
                        data = data[:data.rfind(b"\n") + 1]
                        log_offset += len(data)
                        for line in data.decode("utf-8", "replace").splitlines():
                            at, method, url = line.split("\t", 2)
                            if method != "CONNECT" and url.lower().split("?")[0].endswith(FILE_SUFFIXES):
                                files.append((float(at), url))
                    try:
                        st, kinds = proc_status(worker.pid, ("VmRSS", "VmHWM", "Threads")), by_kind(worker.pid)
                    except (OSError, RuntimeError):  # ended between poll and read (a zombie has no VmRSS)
                        break
                    t = time.monotonic() - started
                    out.write(f"{t:.1f}\t{now}\t{st['VmRSS']}\t{st['VmHWM']}\t{kinds['heap']}\t{kinds['anon']}\t"
                              f"{kinds['file']}\t{st['Threads']}\t{len(files)}\n")
                    out.flush()
                    if st["VmHWM"] - last_peak >= args.step * 1024:
                        recent = [url for at, url in files if at > time.monotonic() - 5]
                        print(f"{t:7.1f} s {now:>6} requests: peak {st['VmHWM'] / 1024:.1f} MiB (rss "
                              f"{st['VmRSS'] / 1024:.1f}, heap {kinds['heap'] / 1024:.1f}, anon {kinds['anon'] / 1024:.1f}, "
                              f"file {kinds['file'] / 1024:.1f}, {len(files)} files so far); files in the last 5 s: "
                              f"{', '.join(u.rsplit('/', 1)[-1] for u in recent[-6:]) or '-'}", flush=True)
                        last_peak = st["VmHWM"]
                    if now >= args.pages:
                        break
            finally:
                stop_group(worker)
    finally:
        target.remove()
        stop_group(server)
        out.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
