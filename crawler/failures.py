"""Short, stable reasons for failed requests, for failures.jsonl and the summary."""

from __future__ import annotations

from twisted.internet import error as net
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

REASONS = [
    (net.DNSLookupError, "dns lookup failed"),
    (net.ConnectionRefusedError, "connection refused"),
    ((net.TimeoutError, net.TCPTimedOutError, DownloadTimeoutError), "timeout"),
    ((net.ConnectionLost, net.ConnectionDone, ResponseNeverReceived, ResponseFailed), "connection lost"),
    (net.ConnectError, "connection failed"),
]


class Refused(IgnoreRequest):
    """A response or request our own components turned down: it reaches the request's errback
    (Scrapy's rule for IgnoreRequest) with the reason and what was done, for failures.jsonl."""

    def __init__(self, reason: str, action: str):
        super().__init__(f"{reason} ({action})")
        self.reason = reason
        self.action = action


def causes(exc: BaseException):
    """The exception and what it wraps (Scrapy 2.19 wraps Twisted's errors, Twisted wraps lists)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        for inner in getattr(exc, "reasons", None) or ():  # ResponseNeverReceived, ResponseFailed
            yield from causes(getattr(inner, "value", inner))
        exc = exc.__cause__ or exc.__context__


def scrapy_refusal(exc: IgnoreRequest) -> tuple[str, str]:
    """Scrapy's own IgnoreRequest messages, named."""
    text = str(exc)
    if "robots.txt" in text:
        return "robots.txt disallows", "not fetched"
    if "offsite" in text:
        return "off-host", "not fetched"
    if "decompression" in text:
        return "decompression bomb", "recorded in the WARC compressed; not decoded past DOWNLOAD_MAXSIZE"
    return f"ignored: {text}"[:200], "not followed"


def describe_failure(failure) -> tuple[str, str]:
    """(reason, what was done) for a Twisted failure that reached a spider's errback."""
    if failure.check(HttpError):
        response = failure.value.response
        retried = response.meta.get("retry_times", 0) if hasattr(response, "meta") else 0
        action = f"gave up after {retried} retries; recorded in the WARC" if retried else "recorded in the WARC; not followed"
        return f"http {response.status}", action
    if hasattr(failure.value, "reason") and hasattr(failure.value, "action"):
        return failure.value.reason, failure.value.action  # ours (Refused, BodyTooLarge) say it themselves
    if failure.check(IgnoreRequest):
        return scrapy_refusal(failure.value)
    if failure.check(DownloadCancelledError):
        return "too large", "download cancelled at DOWNLOAD_MAXSIZE"
    chain = list(causes(failure.value))
    for types, reason in REASONS:
        if any(isinstance(exc, types) for exc in chain):
            return reason, "gave up after retries"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200], "gave up"
