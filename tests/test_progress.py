"""What `nianbao crawl` shows a person: on a terminal one live progress line, the summary once,
Scrapy's log in the snapshot; and a regional spider with no network ends quickly, each portal's
failure listed."""

import errno
import json
import os
import select
import subprocess
import sys
import time

from conftest import ROOT
from test_unreachable import closed_port

NIANBAO = os.path.join(os.path.dirname(sys.executable), "nianbao")


def run_on_a_terminal(*args, timeout=120) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as its stdout and stderr; (exit code, screen)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([NIANBAO, *args], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    screen, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError as error:  # the terminal closes with the process
                    if error.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                screen += chunk
            elif proc.poll() is not None:
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.wait(), screen.decode("utf-8", "replace")


def test_a_regional_spider_without_network_on_a_terminal(tmp_path):
    started = time.monotonic()
    code, screen = run_on_a_terminal(
        "crawl", "ningxia", "--store", str(tmp_path), "-a", "codes=中卫市,沙坡头区", "-a", "years=2019-2024",
        "-s", f"NIANBAO_PROXY=http://127.0.0.1:{closed_port()}", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0")
    assert code == 2, screen[-3000:]
    assert time.monotonic() - started < 90
    assert "\r\x1b[Kportals " in screen and "portals 2/2" in screen  # one line, rewritten in place
    assert screen.count("\ntotal ") == 1 and "中卫市" in screen and "沙坡头区" in screen
    assert "coverage: 2 units × 2019–2024: 12 unit-years, page 0, file 0, failed 12, missing 0" in screen
    assert "Traceback" not in screen and "Scrapy 2." not in screen and "Overridden settings" not in screen
    assert screen.count("\n") < 25  # the live line is rewritten with \r, never a new line
    (snapshot,) = (tmp_path / "snapshots").iterdir()
    log = (snapshot / "crawl" / "crawl.log").read_text("utf-8")
    assert "Scrapy 2." in log and "Dumping Scrapy stats" in log
    portals = json.loads((snapshot / "crawl" / "portals.json").read_text("utf-8"))
    assert portals["years"] == list(range(2019, 2025))
    assert {(p["code"], p["level"], p["parent"]) for p in portals["portals"]} == {
        ("640500", "prefecture", "640000"), ("640502", "county", "640500")}


def test_off_a_terminal_progress_is_plain_lines(offline_crawl):
    lines = [x for x in offline_crawl.proc.stderr.splitlines() if x.startswith("portals ")]
    assert lines and "\r" not in offline_crawl.proc.stderr and "\x1b[" not in offline_crawl.proc.stderr
    assert lines[-1].startswith(f"portals {len(offline_crawl.summary['portals'])}/{len(offline_crawl.summary['portals'])} ")
    assert f"reports {offline_crawl.summary['totals']['reports']} " in lines[-1]
