"""Log hygiene. A site that is down is an expected event of a crawl, not a bug: log it in one line.
And no credential in a URL is ever written to a log (`RedactCredentials`).

Scrapy's robots.txt middleware logs a full traceback when a host does not answer; the failure
itself is kept in `crawl/failures.jsonl` and the summary, so the traceback only hides it.
"""

from __future__ import annotations

import logging
import re

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


USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s@'\"]+@", re.I)


def redact(text: str) -> str:
    """`http://user:password@host` → `http://***@host`."""
    return USERINFO.sub(r"\g<scheme>***@", text)


class CredentialFilter(logging.Filter):
    """Credentials in URLs (a proxy's, a store's) never reach a log line, whatever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class RedactCredentials:
    """Add-on: add-ons run before Scrapy logs its overridden settings (where a proxy URL with a
    password would appear), so the filter is on every root handler before the first such line."""

    def update_settings(self, settings):
        handlers = logging.getLogger().handlers
        for handler in handlers:
            if not any(isinstance(f, CredentialFilter) for f in handler.filters):
                handler.addFilter(CredentialFilter())
