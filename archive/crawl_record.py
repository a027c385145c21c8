"""crawl/config.json and crawl/environment.json: how and with what a snapshot was made."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .capture import SECRET_NAME, _plain, git_commit

PACKAGES = ("nianbao", "scrapy", "scrapy-playwright", "playwright", "twisted", "trafilatura", "warcio", "boto3", "lxml")


def resolved_settings(settings) -> dict:
    """Every setting as the crawl used it, minus anything that looks like a secret."""
    out = {}
    for name, value in sorted(settings.copy_to_dict().items()):
        if SECRET_NAME.search(name):
            continue
        try:
            json.dumps(value)
        except TypeError:
            value = repr(value)
        out[name] = _plain(value)
    return out


def chromium_version() -> str | None:
    binary = shutil.which("chromium")
    if not binary:
        return None
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "packages": versions,
            "chromium": chromium_version(), "git_commit": git_commit() or None}


def write_crawl_record(crawl_dir: Path, settings) -> None:
    (crawl_dir / "config.json").write_text(json.dumps(resolved_settings(settings), indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    (crawl_dir / "environment.json").write_text(json.dumps(environment(), indent=1), encoding="utf-8")
