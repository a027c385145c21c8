import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def fresh_machine_caches(tmp_path_factory):
    """Caches start empty, as on a new machine: what a first run fetches or fails at shows up in
    every run (tldextract's public-suffix cache hid a fetch from the web once)."""
    os.environ["TLDEXTRACT_CACHE"] = str(tmp_path_factory.mktemp("tldextract-cache"))


def run_nianbao(*args, timeout=600, **env):
    """Run the installed `nianbao` command the way a user does, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class CrawlResult:
    def __init__(self, store: Path, proc):
        self.store = store
        self.proc = proc
        (self.root,) = (store / "snapshots").iterdir()
        self.summary = json.loads((self.root / "crawl" / "summary.json").read_text("utf-8"))

    def jsonl(self, relpath):
        path = self.root / relpath
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []

    @property
    def crawl_log(self) -> str:
        """Scrapy's log, which `nianbao crawl` keeps in the snapshot rather than on the screen."""
        path = self.root / "crawl" / "crawl.log"
        return path.read_text("utf-8") if path.exists() else ""

    @property
    def documents(self):
        return self.jsonl("corpus/documents.jsonl")

    @property
    def warc_files(self):
        return sorted((self.root / "warc").glob("*.warc.gz"))


@pytest.fixture(scope="session")
def offline_crawl(tmp_path_factory):
    """One complete crawl of the offline portal, shared by the tests that inspect it."""
    store = tmp_path_factory.mktemp("store")
    proc = run_nianbao("crawl", "chongqing_districts", "--offline", "--store", str(store))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return CrawlResult(store, proc)


@pytest.fixture(scope="session")
def replica():
    from replica.site import build_replica

    return build_replica()
