"""Pages whose declared charset is wrong: GBK bytes declared UTF-8, and the reverse.

Scrapy believes the header (then the <meta>), and decodes with replacement characters when the
bytes disagree, so a GBK report declared UTF-8 becomes U+FFFD soup. Two facts decide instead:
bytes that are not valid UTF-8 but are valid GB18030 are GB18030; non-ASCII bytes that are valid
UTF-8 are UTF-8 (GBK text practically never is). `honest_encoding` is used by the crawl (as a
downloader middleware) and by re-extraction from the WARC, so both read the same text.
"""

from __future__ import annotations

import codecs
import logging

from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

CHINESE = {"gbk", "gb2312", "gb18030", "hz", "big5"}


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def actual_encoding(body: bytes, declared: str) -> str | None:
    """The encoding the bytes are really in, when it is not the declared one; else None."""
    name = codecs.lookup(declared).name
    if name == "utf-8" and not _decodes(body, "utf-8") and _decodes(body, "gb18030"):
        return "gb18030"
    if name in CHINESE and not body.isascii() and _decodes(body, "utf-8"):
        return "utf-8"
    return None


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
