"""A site that is down is an expected event of a crawl, not a bug: log it in one line.

Scrapy's robots.txt middleware logs a full traceback when a host does not answer; the failure
itself is kept in `crawl/failures.jsonl` and the summary, so the traceback only hides it.
"""

from __future__ import annotations

import logging

from .failures import REASONS, causes

NOISY_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper")


class NetworkErrorFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            chain = list(causes(record.exc_info[1]))
            if any(isinstance(exc, types) for exc in chain for types, _ in REASONS):
                record.exc_info = None
                record.exc_text = None
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class QuietNetworkErrors:
    """Extension: install the filter for the crawl's lifetime."""

    @classmethod
    def from_crawler(cls, crawler):
        log_filter = NetworkErrorFilter()
        for name in NOISY_LOGGERS:
            logging.getLogger(name).addFilter(log_filter)
        return cls()
