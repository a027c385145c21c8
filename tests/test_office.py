"""One LibreOffice for many DOC and WPS files (pipelines/extraction/files/office.py): the same DOCX
text a LibreOffice started for each file gives, started again after it dies or hangs, and no
process of it left once stopped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import pytest

from pipelines.extraction.files import office
from pipelines.extraction.files.docx import read_docx

FILES = resources.files("replica.data").joinpath("files")

pytestmark = [pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed (make install)"),
              pytest.mark.skipif(subprocess.run([office.SYSTEM_PYTHON, "-c", "import uno"]).returncode != 0,
                                 reason="no python3-uno for the system Python (make install)")]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def once(body: bytes, suffix: str) -> bytes:
    """What a LibreOffice started for this file alone writes (`soffice --convert-to`)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"report.{suffix}").write_bytes(body)
        office.convert_once(Path(tmp) / f"report.{suffix}", Path(tmp) / "out")
        return (Path(tmp) / "out" / "report.docx").read_bytes()


@pytest.fixture
def libreoffice():
    kept = office.Office()
    yield kept
    pgid = kept.proc.pid if kept.proc else None
    kept.stop()
    assert pgid is None or not group_alive(pgid)  # soffice.bin included: nothing of it is left


def test_one_libreoffice_reads_every_file_as_one_started_for_each_file(libreoffice):
    pids = set()
    for filename in ("seed_000.doc", "seed_002.wps", "4123035.doc", "P020190120210024.wps"):
        body, suffix = FILES.joinpath(filename).read_bytes(), filename.rsplit(".", 1)[1]
        assert read_docx(libreoffice.to_docx(body, suffix)) == read_docx(once(body, suffix))
        pids.add(libreoffice.proc.pid)
    assert len(pids) == 1 and libreoffice.unavailable is None


def test_libreoffice_dead_or_hanging_is_started_again(libreoffice, monkeypatch):
    body = FILES.joinpath("seed_001.doc").read_bytes()
    expected = read_docx(libreoffice.to_docx(body, "doc"))
    first = libreoffice.proc.pid
    os.killpg(first, signal.SIGKILL)  # soffice and its driver gone between two files
    libreoffice.proc.wait()
    assert read_docx(libreoffice.to_docx(body, "doc")) == expected
    second = libreoffice.proc.pid
    assert second != first

    monkeypatch.setattr(office, "TIMEOUT", 0.01)  # no conversion is that fast: a hang, as seen from here
    with pytest.raises(office.ConversionError, match="took more than"):
        libreoffice.to_docx(body, "doc")
    assert libreoffice.proc is None and not group_alive(second)
    monkeypatch.setattr(office, "TIMEOUT", 180)
    assert read_docx(libreoffice.to_docx(body, "doc")) == expected


def test_a_file_libreoffice_cannot_read_is_an_error_of_that_file_only(libreoffice):
    with pytest.raises(office.ConversionError, match="could not read"):
        libreoffice.to_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "doc")  # an OLE2 header, nothing in it
    pid = libreoffice.proc.pid
    assert read_docx(libreoffice.to_docx(FILES.joinpath("seed_003.doc").read_bytes(), "doc"))[0]
    assert libreoffice.proc.pid == pid


def test_without_uno_each_file_starts_libreoffice_and_the_log_says_why(monkeypatch, caplog):
    monkeypatch.setattr(office, "SYSTEM_PYTHON", sys.executable)  # the virtualenv's: no python3-uno
    without = office.Office()
    body = FILES.joinpath("seed_004.doc").read_bytes()
    assert read_docx(without.to_docx(body, "doc")) == read_docx(once(body, "doc"))
    assert without.unavailable and "python3-uno" in without.unavailable and without.proc is None
    assert "no long-lived LibreOffice" in caplog.text and "python3-uno" in caplog.text


def test_the_process_that_started_it_ending_ends_it(tmp_path):
    # killed outright: no atexit, no stop(); its driver sees its parent gone and ends soffice
    script = ("import sys; from pipelines.extraction.files import office; from importlib import resources\n"
              "office.to_docx(resources.files('replica.data').joinpath('files/seed_000.doc').read_bytes())\n"
              "print(office.OFFICE.proc.pid, flush=True); import time; time.sleep(600)")
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pgid = int(reader.stdout.readline())
    assert group_alive(pgid)
    reader.kill()
    reader.wait()
    for _ in range(100):
        if not group_alive(pgid):
            break
        subprocess.run(["sleep", "0.1"])
    assert not group_alive(pgid)
