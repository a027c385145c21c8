"""WarcCaptureMiddleware: every HTTP exchange into the snapshot's WARC files, as it was sent.

It sits at priority 950, next to the downloader and above HttpCompressionMiddleware (590): the
body it sees is still the server's bytes (compressed bodies stay compressed, with their
Content-Encoding), and every redirect hop and retry passes through it as its own exchange.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import datetime, timezone
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals

from archive.item_refs import CAPTURE_META_KEY
from archive.snapshot import Snapshot

from .warc import WarcWriter

STARTED_META_KEY = "nianbao_request_started"
# settings that shape what a crawl fetches; their hash identifies the configuration in warcinfo
CONFIG_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                   "AUTOTHROTTLE_ENABLED", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "DEPTH_LIMIT")


def reason_phrase(status: int) -> str:
    """Twisted drops the reason phrase; the standard one stands in for it."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def header_lines(headers) -> list[tuple[str, str]]:
    """One (name, value) per value: repeated headers such as Set-Cookie all survive."""
    lines = []
    for name, values in headers.items():
        key = name.decode("latin-1")
        if key.lower() == "transfer-encoding":  # the body is stored de-chunked
            continue
        lines.extend((key, value.decode("latin-1")) for value in headers.getlist(name))
    return lines


def crawl_config(settings) -> dict:
    keys = sorted(k for k in settings.attributes if k.startswith("NIANBAO_") and "SECRET" not in k and "KEY" not in k)
    return {k: settings.get(k) for k in (*CONFIG_SETTINGS, *keys) if k != "NIANBAO_PROXY"}


class WarcCaptureMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        snapshot = Snapshot.from_crawler(crawler)
        config = json.dumps(crawl_config(settings), sort_keys=True, default=str)
        self.writer = WarcWriter(
            snapshot.warc_dir,
            prefix=settings.get("NIANBAO_WARC_PREFIX", "nianbao"),
            max_size=settings.getint("NIANBAO_WARC_MAX_SIZE", 1_000_000_000),
            warcinfo={
                "software": f"nianbao/{version('nianbao')} Scrapy/{version('scrapy')} warcio/{version('warcio')} "
                f"Python/{platform.python_version()}",
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "isPartOf": snapshot.id,
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "operator": settings.get("NIANBAO_OPERATOR", ""),
                "git-commit": git_commit(),
                "crawl-config-sha256": hashlib.sha256(config.encode()).hexdigest(),
                "hostname": platform.node(),
            },
        )

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self, spider):
        self.writer.close()

    def process_request(self, request):
        request.meta[STARTED_META_KEY] = datetime.now(timezone.utc)

    def process_response(self, request, response):
        if "cached" in response.flags:
            return response  # archived when it was first fetched
        parts = urlsplit(request.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = header_lines(request.headers)
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc))
        meta = request.meta
        ref = self.writer.write_exchange(
            url=request.url,
            request_method=request.method,
            request_path_and_query=path,
            request_headers=request_headers,
            request_body=request.body or b"",
            status=response.status,
            reason=reason_phrase(response.status),
            protocol=response.protocol or "HTTP/1.1",
            response_headers=header_lines(response.headers),
            payload=response.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
            warc_date=meta.get(STARTED_META_KEY) or datetime.now(timezone.utc),
            truncated="length" if "dataloss" in response.flags else None,
            metadata={
                "spider": self.crawler.spider.name if self.crawler.spider else "",
                "portal": meta.get("portal", ""),
                "kind": meta.get("kind", ""),
                "depth": meta.get("depth", 0),
                "referer": (request.headers.get("Referer") or b"").decode("latin-1"),
                "download-latency": f"{meta.get('download_latency', 0):.6f}",
                "retry-count": meta.get("retry_times", 0),
                "redirect-hop": len(meta.get("redirect_urls", [])),
            },
        )
        meta[CAPTURE_META_KEY] = ref
        return response
