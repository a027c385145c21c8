"""What a browser-rendered page is made of, for the WARC: the network responses the browser got.

Playwright hands over bodies the browser has already decoded. Stored as they are, they would
contradict their own `Content-Encoding` and `Content-Length`; those headers are kept under
`X-Orig-Content-Encoding` / `X-Orig-Content-Length` (the convention of browser-based archivers), so
the record says truthfully what the server announced and what is stored.
The rendered DOM is written apart, as a `conversion` record (see `WarcCaptureMiddleware`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit

from .warc import WarcWriter

logger = logging.getLogger(__name__)

DECODED_BY_BROWSER = {"content-encoding": "X-Orig-Content-Encoding", "content-length": "X-Orig-Content-Length"}
UNRECORDED_REQUEST_HEADERS = {"proxy-authorization"}


def _started(timing: dict | None) -> datetime:
    start = (timing or {}).get("startTime", -1)
    if start and start > 0:  # milliseconds since the epoch; -1 when the browser did not say
        return datetime.fromtimestamp(start / 1000, timezone.utc)
    return datetime.now(timezone.utc)


def response_header_lines(headers: list[dict]) -> list[tuple[str, str]]:
    """One line per value, `Content-Encoding`/`Content-Length` renamed when the body was decoded."""
    encoded = any(h["name"].lower() == "content-encoding" and h["value"].strip().lower() not in ("", "identity")
                  for h in headers)
    lines = []
    for h in headers:
        name = h["name"]
        if name.lower() == "transfer-encoding":
            continue  # the browser removed the chunked framing
        if encoded and name.lower() in DECODED_BY_BROWSER:
            name = DECODED_BY_BROWSER[name.lower()]
        lines.append((name, h["value"]))
    return lines


def cut_short(headers: list[dict], payload: bytes) -> bool:
    """Whether an unencoded body is shorter than its Content-Length (Chromium gives an empty body
    for a response it served from its cache or dropped when the page closed)."""
    names = {h["name"].lower(): h["value"].strip() for h in headers}
    if names.get("content-encoding", "identity").lower() not in ("", "identity"):
        return False  # decoded by the browser: its length says nothing
    length = names.get("content-length", "")
    return length.isdigit() and int(length) != len(payload)


class BrowserExchanges:
    """Records each network response one browser page received, while the page is open.

    `on_response` is the page's `response` event handler; bodies are read in tasks (a body is only
    there once the response has finished), and `settled()` waits for them before the page's DOM
    is written, so the conversion record can refer to the page's own response."""

    def __init__(self, writer: WarcWriter, metadata: dict):
        self.writer, self.metadata = writer, metadata
        self.pending: list[asyncio.Future] = []
        self.document = None  # WarcRef of the main frame's last navigation response

    def on_response(self, response) -> None:
        self.pending.append(asyncio.ensure_future(self._record(response)))

    async def settled(self) -> None:
        await asyncio.gather(*self.pending, return_exceptions=True)

    async def _record(self, response) -> None:
        request = response.request
        try:
            truncated = None
            try:
                payload = await response.body()
            except Exception:  # a redirect has no body; a page closed early loses it
                payload = b""
                if not 300 <= response.status < 400:
                    truncated = "unspecified"  # the record must not pass for the whole body
            server = await response.server_addr()
            request_headers = [(h["name"], h["value"]) for h in await request.headers_array()
                               if h["name"].lower() not in UNRECORDED_REQUEST_HEADERS]
            raw_headers = await response.headers_array()
            response_headers = response_header_lines(raw_headers)
            if truncated is None and cut_short(raw_headers, payload):
                truncated = "unspecified"  # the browser gave less than the server announced
        except Exception as exc:  # the page went away: nothing trustworthy to write
            logger.warning("browser response %s not archived: %s", response.url, exc)
            return
        parts = urlsplit(response.url)
        document = request.is_navigation_request() and request.frame.parent_frame is None
        ref = self.writer.write_exchange(
            url=response.url,
            request_method=request.method,
            request_path_and_query=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            request_headers=request_headers,
            request_body=request.post_data_buffer or b"",
            status=response.status,
            reason=response.status_text,
            protocol="HTTP/1.1",  # Playwright does not tell; Chromium speaks HTTP/1.1 to these servers
            response_headers=response_headers,
            payload=payload,
            ip_address=(server or {}).get("ipAddress"),
            warc_date=_started(request.timing),
            truncated=truncated,
            # the page's kind (report, list…) belongs to its DOM, the conversion record: re-extraction
            # reads that, as the spider did
            # Playwright reports the headers the page asked for; Chromium's network layer adds Host,
            # Connection, Accept-Encoding, Sec-Fetch-* and the like, which it does not report
            metadata={**self.metadata, "via": "browser", "resource-type": request.resource_type,
                      "request-headers": "as reported by the browser (network-level headers not included)",
                      "kind": "browser-document" if document else "browser-resource"},
        )
        if document:
            self.document = ref
