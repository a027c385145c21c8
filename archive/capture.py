"""WarcCaptureMiddleware: every HTTP exchange into the snapshot's WARC files, as it was sent.

It sits at priority 950, next to the downloader and above HttpCompressionMiddleware (590): the
body it sees is still the server's bytes (compressed bodies stay compressed, with their
Content-Encoding), and every redirect hop and retry passes through it as its own exchange.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scrapy import signals
from scrapy.settings import BaseSettings

from archive.item_refs import CAPTURE_META_KEY
from archive.snapshot import Snapshot
from crawler.items import HELD_PAGE_KEY

from .browser_capture import BrowserExchanges
from .records import REPORT_PAGE_FIELD
from .recrawl import PREVIOUS_META_KEY, PreviousSnapshot
from .resume import archived_captures
from .warc import FirstCapture, WarcWriter

STARTED_META_KEY = "nianbao_request_started"
BROWSER_META_KEY = "nianbao_browser_exchanges"
# settings that shape what a crawl fetches; their hash identifies the configuration in warcinfo
CONFIG_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS",
                   "CONCURRENT_REQUESTS_PER_DOMAIN", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_MAXSIZE",
                   "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "RETRY_HTTP_CODES", "DEPTH_LIMIT")
SECRET_NAME = re.compile(r"SECRET|KEY|TOKEN|PASS|AUTH|CREDENTIAL", re.I)
# never in a record: it goes to the proxy (or nowhere, for a CONNECT tunnel), not to the site
UNRECORDED_REQUEST_HEADERS = {"proxy-authorization"}


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def reason_phrase(status: int) -> str:
    """Twisted drops the reason phrase; the standard one stands in for it."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _plain(value):
    """A setting as stable JSON input: no credentials in URLs, no object reprs, no set order."""
    if isinstance(value, BaseSettings):
        value = value.copy_to_dict()
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, str) and "@" in value and "://" in value:
        parts = urlsplit(value)
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return value


def crawl_config(settings) -> dict:
    names = [k for k in settings if k.startswith("NIANBAO_")] + list(CONFIG_SETTINGS)
    return {k: _plain(settings.get(k)) for k in sorted(set(names)) if not SECRET_NAME.search(k)}


def header_lines(headers, skip=()) -> list[tuple[str, str]]:
    """One (name, value) per value: repeated headers such as Set-Cookie all survive."""
    lines = []
    for name in headers:
        key = name.decode("latin-1")
        if key.lower() in skip:
            continue
        lines.extend((key, value.decode("latin-1")) for value in headers.getlist(name))
    return lines


def host_header(parts) -> str:
    """What Twisted's Agent sends as Host (default ports left out)."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port and (parts.scheme, parts.port) not in (("http", 80), ("https", 443)):
        host += f":{parts.port}"
    return host


def request_lines(request, parts) -> list[tuple[str, str]]:
    """The request headers as Twisted writes them: Content-Length first, Host added last."""
    lines = header_lines(request.headers, skip=UNRECORDED_REQUEST_HEADERS)
    names = {k.lower() for k, _ in lines}
    # Twisted frames a body with Content-Length, and sends 0 for a bodiless POST/PUT
    if "content-length" not in names and (request.body or request.method in ("POST", "PUT")):
        lines.insert(0, ("Content-Length", str(len(request.body))))
    if "host" not in names:
        lines.append(("Host", host_header(parts)))
    return lines


def warcinfo_fields(settings, snapshot) -> dict:
    config = json.dumps(crawl_config(settings), sort_keys=True, default=str)
    return {
        "software": f"nianbao/{_version('nianbao')} Scrapy/{_version('scrapy')} warcio/{_version('warcio')} "
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
    }


class WarcCaptureMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        snapshot = Snapshot.from_crawler(crawler)
        self.writer = WarcWriter(
            snapshot.warc_dir,
            prefix=settings.get("NIANBAO_WARC_PREFIX") or "nianbao",
            max_size=int(settings.getfloat("NIANBAO_WARC_MAX_SIZE", 1e9)),
            warcinfo=warcinfo_fields(settings, snapshot),
            known=known_payloads(crawler),
        )

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        return middleware

    def spider_closed(self, spider):
        self.writer.close()

    def process_request(self, request):
        request.meta[STARTED_META_KEY] = datetime.now(timezone.utc)
        if request.meta.get("playwright"):
            exchanges = BrowserExchanges(self.writer, self.exchange_metadata(request))
            request.meta[BROWSER_META_KEY] = exchanges
            request.meta["playwright_page_event_handlers"] = {"response": exchanges.on_response}

    def headers_received(self, request):
        # process_request runs before the download slot's queue (DOWNLOAD_DELAY, concurrency),
        # so a request may wait there for minutes; the HTTP/1.1 handler has just measured
        # download_latency from the moment it really sent the request.
        latency = request.meta.get("download_latency")
        if latency is not None:
            request.meta[STARTED_META_KEY] = datetime.now(timezone.utc) - timedelta(seconds=latency)

    async def process_response(self, request, response):
        if "cached" in response.flags:
            return response  # archived when it was first fetched
        if "playwright" in response.flags:
            await self.write_rendered(request, response)
            return response
        if not request.url.startswith(("http://", "https://")):
            return response  # a local file is not an HTTP exchange
        parts = urlsplit(request.url)
        meta = request.meta
        protocol = response.protocol or "HTTP/1.1"
        ref = self.writer.write_exchange(
            url=request.url,
            request_method=request.method,
            # urlsplit drops the fragment, as Scrapy does before sending
            request_path_and_query=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            request_headers=request_lines(request, parts),
            request_body=request.body or b"",
            status=response.status,
            reason=reason_phrase(response.status),
            protocol=protocol,
            # Twisted asks in HTTP/1.1 even when a server answers in HTTP/1.0
            request_protocol="HTTP/1.1" if protocol.startswith("HTTP/1") else protocol,
            # Twisted has removed the chunked framing, so Transfer-Encoding would lie
            response_headers=header_lines(response.headers, skip={"transfer-encoding"}),
            payload=response.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
            warc_date=meta.get(STARTED_META_KEY) or datetime.now(timezone.utc),
            truncated=request.meta.get("nianbao_truncated") or truncation(response),
            not_modified=meta.get(PREVIOUS_META_KEY),
            metadata=self.exchange_metadata(request),
        )
        meta[CAPTURE_META_KEY] = ref
        return response

    def process_exception(self, request, exception):
        # the recorder holds the page's event handler: no request copied for a retry may carry it
        request.meta.pop(BROWSER_META_KEY, None)
        request.meta.pop("playwright_page_event_handlers", None)

    async def write_rendered(self, request, response) -> None:
        """The browser's network responses (recorded while the page was open), then its DOM as a
        `conversion` record referring to the page's own response."""
        exchanges = request.meta.pop(BROWSER_META_KEY, None)
        request.meta.pop("playwright_page_event_handlers", None)
        document = None
        if exchanges is not None:
            await exchanges.settled()
            document = exchanges.document
        request.meta[CAPTURE_META_KEY] = self.writer.write_conversion(
            url=response.url,
            body=response.body,
            content_type=f"text/html; charset={response.encoding}",
            refers_to=document.record_id if document else None,
            warc_date=datetime.now(timezone.utc),
            metadata={**self.exchange_metadata(request), "via": "browser", "rendered-by": "chromium",
                      # only a page rendered for its content (meta `render`) is that kind of page; a
                      # page the browser opened for another reason (an anti-bot challenge) is not
                      "kind": request.meta.get("kind", "") if request.meta.get("render") else "browser-visit"},
        )

    def exchange_metadata(self, request) -> dict:
        meta = request.meta
        return {
            "spider": self.crawler.spider.name if self.crawler.spider else "",
            "portal": meta.get("portal", ""),
            "kind": meta.get("kind", ""),
            "depth": meta.get("depth", 0),
            "referer": (request.headers.get("Referer") or b"").decode("latin-1"),
            "download-latency": f"{meta.get('download_latency', 0):.6f}",
            "retry-count": meta.get("retry_times", 0),
            "redirect-hop": len(meta.get("redirect_urls", [])),
            # the portal's division code, so that re-extraction needs no registry
            **({"portal-code": code} if (code := portal_code(self.crawler.spider, meta.get("portal", ""))) else {}),
            # the department or township sub-site a report was found under: a document's `unit`
            **({"unit": meta["unit"]} if meta.get("unit") else {}),
            # the link text a file was listed under: its title when the file has none of its own
            **({"listed-title": title} if (title := meta.get("listed_title") or meta.get("name")) else {}),
            # the page that only points to this file: re-extraction makes them one document again
            **({REPORT_PAGE_FIELD: page.url} if (page := meta.get(HELD_PAGE_KEY)) else {}),
        }


def portal_code(spider, name: str) -> str:
    portal = getattr(spider, "portals", {}).get(name)
    return getattr(portal, "code", None) or ""


def known_payloads(crawler) -> dict[str, FirstCapture]:
    """Payloads a new capture need not store again: the previous snapshot's and, when the crawl
    resumes, those this snapshot already holds."""
    known = PreviousSnapshot.from_crawler(crawler).payloads()
    for c in archived_captures(crawler):
        if c.digest and not c.revisit and not c.truncated and c.payload_at:
            known.setdefault(c.digest, FirstCapture(c.url, c.date, c.record_id, c.digest))
    return known


def truncation(response) -> str | None:
    """WARC-Truncated for a body Scrapy did not get whole: a connection lost before Content-Length
    was reached, or a handler that raised StopDownload(fail=False). (A body cut at the size limit
    is marked `length` by `crawler.limits`, through the request's meta.)"""
    if "dataloss" in response.flags:
        return "disconnect"
    if "download_stopped" in response.flags:
        return "unspecified"
    return None
