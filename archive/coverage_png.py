"""`coverage/heatmap.png`: a screenshot of the coverage page's heatmap taken by Chromium.

Why a screenshot and not a plotting library: the page already draws the heatmap with the unit
names in Chinese, Chromium is already a dependency (Debian's, for challenges and rendered pages),
and the image then shows exactly what the page shows. It runs in a child process because
Playwright's synchronous API cannot run inside the crawl's event loop.

    python -m archive.coverage_png coverage/index.html coverage/heatmap.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page_file: Path, png_file: Path, selector: str = "#heatmap") -> None:
    """Open the page from disk (no network), wait for it to render, shoot the element."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(headless=True, executable_path=chromium(), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(page_file.resolve().as_uri())
            page.wait_for_selector(selector)
            page.locator(selector).screenshot(path=str(png_file))
        finally:
            browser.close()


def write_heatmap_png(page_file: Path, png_file: Path, timeout: float = 120) -> str | None:
    """Run `screenshot` in a child process; the reason it failed, or None."""
    if not chromium():
        return "no chromium on this machine"
    result = subprocess.run([sys.executable, "-m", "archive.coverage_png", str(page_file), str(png_file)],
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or not png_file.exists():
        return (result.stderr.strip().splitlines() or ["chromium failed"])[-1]
    return None


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
