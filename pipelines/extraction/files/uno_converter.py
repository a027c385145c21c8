"""One LibreOffice for many conversions: run by the system Python (Debian's python3-uno is built
for it, not for the project's virtualenv) as a child of the process that reads files.

It starts soffice once, in its own process group, and converts each file named on its stdin (a
JSON line: {"in": path, "out": path}) to DOCX, as `soffice --convert-to "docx:MS Word 2007 XML"`
does (load hidden, store with that filter), answering a JSON line each ({"ok": true} or
{"error": why}). A first line {"ready": true} says soffice is up. Its stdin closing (the reader
is done, or died) ends soffice and itself; so does its parent dying while a conversion hangs. The
reader kills the whole process group if a conversion outlasts its timeout.

Imports nothing of the project: the virtualenv's packages are not on this Python's path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
except ImportError as exc:  # said on the first line, read by the reader as why it cannot be used
    print(json.dumps({"error": f"no UNO for {sys.executable} ({exc}): Debian's python3-uno (`make install`)"}), flush=True)
    sys.exit(2)

START_TIMEOUT = 120  # a first start writes a profile, then LibreOffice restarts itself


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def exit_with_parent(parent: int) -> None:
    """The reader died while soffice hangs on a file: nobody will close stdin, so end it all."""
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os.killpg(0, signal.SIGKILL)


def start_office(profile: str, soffice: str):
    pipe = f"nianbao-office-{os.getpid()}"
    proc = subprocess.Popen([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
                             "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext())
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if proc.poll() is not None and proc.returncode != 81:  # 81: restarting after its first start
                raise RuntimeError(f"soffice ended at start ({proc.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not answer within {START_TIMEOUT} s")
            time.sleep(0.1)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    return proc, desktop


def convert(desktop, source: str, target: str) -> None:
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                            (prop("Hidden", True), prop("ReadOnly", True)))
    if document is None:
        raise RuntimeError("LibreOffice could not load the file")
    try:
        document.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", "MS Word 2007 XML"),))
    finally:
        document.close(True)


def main() -> int:
    soffice = sys.argv[1]
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="nianbao-office-profile-", ignore_cleanup_errors=True) as profile:
        try:
            proc, desktop = start_office(profile, soffice)
        except Exception as exc:
            print(json.dumps({"error": f"LibreOffice did not start: {exc}"}), flush=True)
            return 2
        try:
            print(json.dumps({"ready": True}), flush=True)
            for line in sys.stdin:
                job = json.loads(line)
                try:
                    convert(desktop, job["in"], job["out"])
                    answer = {"ok": True}
                except Exception as exc:  # the file's fault: say why, go on with the next
                    answer = {"error": f"{type(exc).__name__}: {getattr(exc, 'Message', '') or exc}"}
                print(json.dumps(answer), flush=True)
        finally:
            try:
                desktop.terminate()
                proc.wait(timeout=10)
            except Exception:
                pass
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # whatever of soffice is left in its group, not this
            os.killpg(0, signal.SIGTERM)
    return 0


if __name__ == "__main__":
    sys.exit(main())
