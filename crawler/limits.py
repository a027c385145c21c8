"""Bodies over the size limit are cut, archived as truncated and reported, never silently lost.

Scrapy's own DOWNLOAD_MAXSIZE cancels such a download and keeps nothing. Here the download is
stopped at the limit instead (at the headers when Content-Length already says too much), so the
WARC keeps the exchange with `WARC-Truncated: length` (see `archive.capture`), and the spider's
errback gets `BodyTooLarge` and writes the failure. The same limit still guards Scrapy's
decompression (HttpCompressionMiddleware), so a gzip bomb is refused there.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, StopDownload

TRUNCATED_META_KEY = "nianbao_truncated"
RECEIVED_META_KEY = "nianbao_body_bytes"


class BodyTooLarge(IgnoreRequest):
    """The body passed the size limit; what arrived before is archived as truncated."""

    reason = "body over size limit"
    action = "archived truncated (WARC-Truncated: length); not read"


class BodySizeLimit:
    def __init__(self, crawler):
        self.default_limit = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler):
        limit = cls(crawler)
        crawler.signals.connect(limit.headers_received, signal=signals.headers_received)
        crawler.signals.connect(limit.bytes_received, signal=signals.bytes_received)
        return limit

    def limit(self, request) -> int:
        return request.meta.get("download_maxsize", self.default_limit)

    def process_request(self, request):
        request.meta[RECEIVED_META_KEY] = 0  # a retry starts counting again
        request.meta.pop(TRUNCATED_META_KEY, None)

    def headers_received(self, headers, body_length, request, **kwargs):
        limit = self.limit(request)
        # body_length is Twisted's UNKNOWN_LENGTH (a string) for a chunked body: the stream decides
        if limit and isinstance(body_length, int) and body_length > limit:
            request.meta[TRUNCATED_META_KEY] = "length"
            raise StopDownload(fail=False)

    def bytes_received(self, data, request, **kwargs):
        received = request.meta.get(RECEIVED_META_KEY, 0) + len(data)
        request.meta[RECEIVED_META_KEY] = received
        limit = self.limit(request)
        if limit and received > limit:
            request.meta[TRUNCATED_META_KEY] = "length"
            raise StopDownload(fail=False)

    def process_response(self, request, response):
        if request.meta.get(TRUNCATED_META_KEY) == "length":
            raise BodyTooLarge(f"{request.url}: more than {self.limit(request)} bytes")
        return response
