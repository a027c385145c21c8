"""BackoffRetryMiddleware: Scrapy's retries (429, 5xx, timeouts), spaced out.

Scrapy retries at once; a portal that said 429 or 503 is asked again only after its
`Retry-After` (seconds or an HTTP date) or, without one, after NIANBAO_RETRY_BACKOFF × 2^(n-1)
seconds. The whole host waits, not just the request: the download slot is held for as long.
A Retry-After longer than NIANBAO_RETRY_MAX_WAIT is not waited for: the request gives up and
its failure is recorded.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from time import monotonic

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware


def retry_after(response) -> float | None:
    value = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("NIANBAO_RETRY_BACKOFF", 2.0)
        self.max_wait = settings.getfloat("NIANBAO_RETRY_MAX_WAIT", 120.0)

    async def process_response(self, request, response):
        asked = retry_after(response) if response.status in self.retry_http_codes else None
        if asked is not None and asked > self.max_wait:
            self.crawler.stats.inc_value("nianbao/retry_after_too_long")
            return response  # gives up: the errback records it
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self.wait(result, asked)
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self.wait(result, None)
        return result

    async def wait(self, retry: Request, asked: float | None) -> None:
        attempt = retry.meta.get("retry_times", 1)
        seconds = asked if asked is not None else min(self.max_wait, self.backoff * 2 ** (attempt - 1))
        if seconds <= 0:
            return
        retry.meta["nianbao_retry_wait"] = seconds
        self.crawler.stats.inc_value("nianbao/retry_wait_seconds", seconds)
        self.hold_host(retry, seconds)
        await asyncio.sleep(seconds)

    def hold_host(self, request: Request, seconds: float) -> None:
        """With a download delay, the host's slot sends nothing before `seconds` have passed."""
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, monotonic() + seconds)
