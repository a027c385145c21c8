"""Word 97 and WPS files (OLE2) through LibreOffice: converted to DOCX, then read as DOCX.

No maintained pure-Python reader of the Word binary format exists under a licence the project
can take; Writer reads both, and Debian packages it (`make install`).

Starting Writer costs 1-3 s a file here, its conversion proper under 0.15 s; so one
LibreOffice is started at the first file of a process and kept for the next ones, driven
through UNO by `uno_converter.py` (run by the system Python, whose python3-uno the virtualenv
cannot import). It is restarted if it dies, killed if a file outlasts `TIMEOUT`, and stopped with
the process (`stop()`; its child notices this process ending in any case). Without python3-uno,
each file starts LibreOffice anew (`--convert-to`, its own profile folder so conversions in
parallel do not share and lock one), as said once in the log.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)

TIMEOUT = 180  # one file's conversion
START_TIMEOUT = 150  # LibreOffice's first start (it writes a profile, then restarts itself)
SYSTEM_PYTHON = "/usr/bin/python3"  # the Python Debian's python3-uno is built for
CONVERTER = Path(__file__).with_name("uno_converter.py")


class ConversionError(RuntimeError):
    pass


def soffice_path() -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ConversionError("LibreOffice (soffice) is not installed: `make install` installs it")
    return soffice


class Office:
    """The long-lived LibreOffice of this process: one conversion at a time (callers in threads wait)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.unavailable: str | None = None  # why there is no long-lived LibreOffice here
        self.owner = os.getpid()

    def to_docx(self, body: bytes, suffix: str) -> bytes:
        with self.lock, tempfile.TemporaryDirectory(prefix="nianbao-office-") as tmp:
            work = Path(tmp)
            source, target = work / f"report.{suffix}", work / "report.docx"
            source.write_bytes(body)
            if self.unavailable is None and self.running():
                answer = self.ask({"in": str(source), "out": str(target)}, TIMEOUT)
                if "error" in answer:
                    raise ConversionError(f"LibreOffice could not read the file: {answer['error'][-200:]}")
            else:
                convert_once(source, work / "out")
                target = work / "out" / "report.docx"
            if not target.exists():
                raise ConversionError("LibreOffice could not read the file: no DOCX written")
            return target.read_bytes()

    def running(self) -> bool:
        """Started if it is not (again, if it died); False if it cannot be here, once and for all."""
        if self.proc is not None and self.proc.poll() is None and self.owner == os.getpid():
            return True
        self.stop()
        self.owner = os.getpid()  # a forked child starts its own; the parent's pipes are not its to use
        if not os.access(SYSTEM_PYTHON, os.X_OK):
            return self.give_up(f"no {SYSTEM_PYTHON}")
        self.proc = subprocess.Popen([SYSTEM_PYTHON, str(CONVERTER), soffice_path()], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     start_new_session=True)  # its group: soffice, killed with it
        self.buffer = b""
        try:
            answer = self.ask(None, START_TIMEOUT)
        except ConversionError as exc:
            return self.give_up(str(exc))
        if "ready" not in answer:
            return self.give_up(answer.get("error", repr(answer)))
        return True

    def give_up(self, why: str) -> bool:
        self.stop()
        self.unavailable = why
        logger.warning("no long-lived LibreOffice (%s): each DOC or WPS file starts LibreOffice anew", why)
        return False

    def ask(self, job: dict | None, timeout: float) -> dict:
        """Sends a job (None: only reads), returns the answer line; kills it all past the timeout."""
        try:
            if job is not None:
                self.proc.stdin.write(json.dumps(job).encode() + b"\n")
                self.proc.stdin.flush()
            deadline = time.monotonic() + timeout
            with selectors.DefaultSelector() as selector:
                selector.register(self.proc.stdout, selectors.EVENT_READ)
                while b"\n" not in self.buffer:
                    left = deadline - time.monotonic()
                    if left <= 0 or not selector.select(left):
                        self.stop()
                        raise ConversionError(f"LibreOffice took more than {timeout} s: stopped (restarted for the next file)")
                    chunk = os.read(self.proc.stdout.fileno(), 65536)
                    if not chunk:
                        raise OSError("it ended")
                    self.buffer += chunk
        except OSError as exc:  # a broken pipe, or the end of its output: LibreOffice died on this file
            self.stop()
            raise ConversionError(f"LibreOffice ended while converting ({exc}): restarted for the next file") from exc
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> None:
        """Ends it and everything it started: stdin closed (it then terminates soffice), then its group killed."""
        proc, self.proc = self.proc, None
        if proc is None or self.owner != os.getpid():
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:  # soffice.bin may outlive its launcher; the group has them all
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        proc.stdout.close()


def convert_once(source: Path, outdir: Path) -> None:
    """A LibreOffice of its own for one file, with its own profile folder."""
    proc = subprocess.run(
        [soffice_path(), f"-env:UserInstallation=file://{outdir.parent / 'profile'}", "--headless", "--norestore",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(source)],
        capture_output=True, timeout=TIMEOUT)
    if not (outdir / "report.docx").exists():
        # its stderr opens with warnings (no Java) that say nothing about the file
        said = [line for line in proc.stderr.decode(errors="replace").splitlines()
                if line.strip() and not line.startswith("Warning:")]
        raise ConversionError(f"LibreOffice could not read the file: {' '.join(said)[-200:] or 'no reason given'}")


OFFICE = Office()
atexit.register(OFFICE.stop)


def to_docx(body: bytes, suffix: str = "doc") -> bytes:
    return OFFICE.to_docx(body, suffix)


def stop() -> None:
    """Stops this process's LibreOffice (the next file starts it again)."""
    with OFFICE.lock:
        OFFICE.stop()
