"""A live crawl where nothing answers ends quickly with a summary, not a traceback."""

import json
import socket
import time

from conftest import run_nianbao


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_portals_give_a_summary_not_a_traceback(tmp_path):
    # every request goes to a proxy address where nothing listens: the network is "down"
    started = time.monotonic()
    proc = run_nianbao(
        "crawl", "chongqing_districts", "--store", str(tmp_path),
        "-a", "districts=合川区,大渡口区,北碚区",
        "-s", f"NIANBAO_PROXY=http://127.0.0.1:{closed_port()}", "-s", "DOWNLOAD_DELAY=0",
        timeout=120,
    )
    took = time.monotonic() - started
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "no portal answered" in proc.stderr
    for name in ("合川区", "大渡口区", "北碚区"):
        assert name in proc.stdout
    (snapshot,) = (tmp_path / "snapshots").iterdir()
    summary = json.loads((snapshot / "crawl" / "summary.json").read_text("utf-8"))
    assert {row["failure_reasons"].keys() == {"connection refused"} for row in summary["portals"].values()} == {True}
    failures = [json.loads(x) for x in (snapshot / "crawl" / "failures.jsonl").read_text("utf-8").splitlines()]
    assert {f["url"] for f in failures} == {"http://www.hc.gov.cn/", "http://www.ddk.gov.cn/", "https://www.beibei.gov.cn/"}
    assert took < 90
