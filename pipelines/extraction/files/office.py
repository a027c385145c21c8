"""Word 97 and WPS files (OLE2) through LibreOffice: converted to DOCX, then read as DOCX.

No maintained pure-Python reader of the Word binary format exists under a licence the project
can take; Writer reads both, and Debian packages it (`make install`). Each conversion runs with
its own profile folder, so conversions in parallel do not share (and lock) one profile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 180


class ConversionError(RuntimeError):
    pass


def to_docx(body: bytes, suffix: str = "doc") -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ConversionError("LibreOffice (soffice) is not installed: `make install` installs it")
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as tmp:
        work = Path(tmp)
        (work / f"report.{suffix}").write_bytes(body)
        proc = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--norestore",
             "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(work / f"report.{suffix}")],
            capture_output=True, timeout=TIMEOUT)
        out = work / "out" / "report.docx"
        if not out.exists():
            # its stderr opens with warnings (no Java) that say nothing about the file
            said = [line for line in proc.stderr.decode(errors="replace").splitlines()
                    if line.strip() and not line.startswith("Warning:")]
            raise ConversionError(f"LibreOffice could not read the file: {' '.join(said)[-200:] or 'no reason given'}")
        return out.read_bytes()
