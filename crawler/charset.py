"""Pages whose declared charset is wrong: GBK bytes declared UTF-8, and the reverse.

Scrapy believes the header (then the <meta>), and decodes with replacement characters when the
bytes disagree, so a GBK report declared UTF-8 becomes U+FFFD soup. The rule that decides instead
is the page reader's (`pipelines.extraction.encoding.actual_encoding`, which `nianbao extract`
uses too); `honest_encoding` applies it in the crawl (as a downloader middleware) and in
re-extraction from the WARC, so all of them read the same text.
"""

from __future__ import annotations

import logging

from scrapy.http import TextResponse

from pipelines.extraction.encoding import actual_encoding

logger = logging.getLogger(__name__)

def honest_encoding(response):
    if not isinstance(response, TextResponse) or not response.body:
        return response
    actual = actual_encoding(response.body, response.encoding)
    if actual is None:
        return response
    logger.info("%s declares %s but is %s", response.url, response.encoding, actual)
    return response.replace(encoding=actual)


class CharsetMiddleware:
    """Downloader middleware (584, after decompression)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        fixed = honest_encoding(response)
        if fixed is not response:
            self.stats.inc_value("nianbao/charset_corrected")
        return fixed
