"""Coverage of a snapshot: coverage/coverage.csv, index.html and heatmap.png, checked against the
offline portal's own truth (what it serves), and the page rendered in a real Chromium."""

import base64
import csv
import json
import shutil
import struct
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from archive.coverage import SUBSITE
from archive.coverage_png import LAUNCH_ARGS, chromium
from conftest import ROOT

NIANBAO = Path(sys.executable).with_name("nianbao")


def run_nianbao(*args):
    return subprocess.run([str(NIANBAO), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def read_rows(root: Path) -> list[dict]:
    return list(csv.DictReader((root / "coverage" / "coverage.csv").open(encoding="utf-8")))


def found_years(rows: list[dict]) -> dict[str, set[int]]:
    """Portal code → report years found, for the portal itself or any of its sub-sites."""
    years = defaultdict(set)
    for r in rows:
        if r["status"] in ("page", "file"):
            years[r["parent"] if r["level"] == SUBSITE else r["code"]].add(int(r["report_year"]))
    return years


def test_the_crawl_writes_coverage_before_sealing(offline_crawl):
    listed = {r["path"] for r in json.loads((offline_crawl.root / "manifest.json").read_text("utf-8"))["resources"]}
    assert {"coverage/coverage.csv", "coverage/index.html", "coverage/heatmap.png", "crawl/crawl.log",
            "crawl/portals.json"} <= listed
    assert "coverage:" in offline_crawl.proc.stdout and offline_crawl.proc.stdout.count("total ") == 1


def test_coverage_counts_equal_the_offline_portals_truth(offline_crawl, replica):
    rows = read_rows(offline_crawl.root)
    portals = json.loads((offline_crawl.root / "crawl" / "portals.json").read_text("utf-8"))["portals"]
    code_of = {p["name"]: p["code"] or f"{p['parent']}/{p['name']}" for p in portals}
    truth = defaultdict(set)
    for report in replica.expected_reports().values():
        truth[code_of[report["portal"]]].add(report["year"])
    years = sorted({y for ys in truth.values() for y in ys})
    assert sorted({int(r["report_year"]) for r in rows}) == years
    assert found_years(rows) == truth
    # one row per unit and year, no more
    assert len({(r["code"], r["report_year"]) for r in rows}) == len(rows)
    assert len([r for r in rows if r["level"] != SUBSITE]) == len(portals) * len(years)
    for dead in replica.dead:  # a portal that never answered: every year failed, with the reason
        dead_rows = [r for r in rows if r["code"] == code_of[dead.name]]
        assert dead_rows and all(r["status"] == "failed" and r["reason"] for r in dead_rows)
    page = (offline_crawl.root / "coverage" / "index.html").read_text("utf-8")
    total = sum(1 for r in rows)
    assert "<tr><td class='u'>重庆市</td>" in page and "<td class='u'></td>" not in page  # zones too
    assert f"<td>{total}</td></tr>" in page  # the province's total is every row
    for r in rows:
        assert r["status"] in ("page", "file", "failed", "missing")
        assert bool(r["doc_id"]) == (r["status"] in ("page", "file"))
        if r["doc_id"]:
            assert (offline_crawl.root / "corpus" / "text" / f"{r['doc_id']}.txt").exists()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(not chromium(), reason="needs Debian's chromium")
def test_the_coverage_page_renders_in_chromium_without_the_network(offline_crawl, tmp_path):
    from playwright.sync_api import sync_playwright

    rows = read_rows(offline_crawl.root)
    page_file = offline_crawl.root / "coverage" / "index.html"
    requested = []
    with sync_playwright() as p:
        browser = p.chromium.launch(headless=True, executable_path=chromium(), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.route("**/*", lambda route: (requested.append(route.request.url),
                                              route.continue_() if route.request.url.startswith("file:")
                                              else route.abort()))
            page.goto(page_file.as_uri())
            page.wait_for_selector("#heatmap")
            shot = tmp_path / "page.png"
            page.screenshot(path=str(shot), full_page=True)
            units = page.eval_on_selector_all("#heatmap tbody tr", "rows => rows.length")
            legend = page.inner_text("p.legend")
            links = page.eval_on_selector_all("#heatmap td.page a", "as => as.map(a => a.href)")
            # not blank: draw the screenshot on a canvas in the same browser and count its colours
            page.set_content(f"<img id=s src='data:image/png;base64,{base64.b64encode(shot.read_bytes()).decode()}'>")
            page.wait_for_function("document.getElementById('s').complete")
            colours = page.evaluate("""() => {
                const img = document.getElementById('s'), c = document.createElement('canvas');
                c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
                for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
                return seen.size;
            }""")
        finally:
            browser.close()
    assert not [u for u in requested if not u.startswith("file:")]  # self-contained
    assert units == len({r["code"] for r in rows})
    for status in ("page", "file", "failed", "missing"):
        assert f"{status} {sum(r['status'] == status for r in rows)}" in legend
    assert len(links) == sum(r["status"] == "page" for r in rows)
    assert all(Path(link.removeprefix("file://")).exists() for link in links)
    assert colours >= 4  # green, grey, red cells and the text: a page, not a white rectangle
    width, height = png_size(offline_crawl.root / "coverage" / "heatmap.png")
    assert width > 300 and height > 20 * units


def test_nianbao_coverage_on_a_sealed_snapshot_keeps_it_verifiable(offline_crawl, tmp_path):
    copy = tmp_path / offline_crawl.root.name
    shutil.copytree(offline_crawl.root, copy)
    shutil.rmtree(copy / "coverage")
    proc = run_nianbao("coverage", str(copy), "--registry")
    assert proc.returncode == 0, proc.stderr
    assert "coverage:" in proc.stdout
    rows = read_rows(copy)
    codes = {r["code"] for r in rows}
    assert {"500105", "500112", "500000"} <= codes  # uncrawled units of the province are rows too
    assert all(r["status"] == "missing" for r in rows if r["code"] == "500105")
    assert found_years(rows) == found_years(read_rows(offline_crawl.root))
    verify = run_nianbao("verify", str(copy))
    assert verify.returncode == 0, verify.stdout
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    assert manifest["scope"]["coverage"]["registry"] is True
    assert "coverage/heatmap.png" in {r["path"] for r in manifest["resources"]}


@pytest.mark.parametrize("target", ["/nonexistent/snapshot", "tests"])
def test_nianbao_coverage_refuses_what_is_not_a_snapshot(target):
    proc = run_nianbao("coverage", target)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith(f"nianbao: {target} is not a local snapshot folder")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
