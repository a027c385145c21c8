"""The offline portal in processes of its own, for the benchmarks: served from a thread of the
crawling process (`nianbao crawl --offline`), its page making would share the crawl's interpreter
lock and be measured as the crawl's."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_cpu() -> float:
    """CPU seconds (user + system) of every waited-for child process so far, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stop_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to a process started in a session of its own and everything it started, then SIGKILL."""
    if proc.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=timeout)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
    proc.wait()


class ServedPortal:
    """`nianbao portal serve` in processes of its own, logging each request's arrival to a file:
    `with ServedPortal(scale, processes) as portal: … portal.proxy_url … portal.log …`; its CPU
    (`portal.cpu`, seconds) once it is stopped."""

    def __init__(self, scale: int = 0, processes: int = 1, latency: str | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="nianbao-bench-portal-"))
        self.log = self.folder / "requests.log"
        self.command = [sys.executable, "-m", "crawler.cli", "portal", "serve", "--port", "0",
                        "--scale", str(scale), "--processes", str(processes), "--request-log", str(self.log)]
        if latency is not None:
            self.command += ["--latency", latency]
        self.proxy_url, self.cpu = None, 0.0

    def __enter__(self) -> "ServedPortal":
        self.cpu = children_cpu()
        self.proc = subprocess.Popen(self.command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)  # its own group: stopped with everything it forked
        try:
            line = self.proc.stdout.readline()
            if "listening on " not in line:
                raise SystemExit(f"the offline portal did not start: {line}{self.proc.stderr.read()[-2000:]}")
            self.proxy_url = line.split("listening on ", 1)[1].split()[0]
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop_group(self.proc)
        self.cpu = children_cpu() - self.cpu
        shutil.rmtree(self.folder, ignore_errors=True)
