"""Short, stable reasons for failed requests, for failures.jsonl and the summary."""

from __future__ import annotations

from twisted.internet import error as net
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapy.spidermiddlewares.httperror import HttpError

REASONS = [
    (net.DNSLookupError, "dns lookup failed"),
    (net.ConnectionRefusedError, "connection refused"),
    ((net.TimeoutError, net.TCPTimedOutError), "timeout"),
    ((net.ConnectionLost, net.ConnectionDone, ResponseNeverReceived, ResponseFailed), "connection lost"),
    (net.ConnectError, "connection failed"),
]


def causes(exc: BaseException):
    """The exception and what it wraps (Scrapy 2.19 wraps Twisted's errors, Twisted wraps lists)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        for inner in getattr(exc, "reasons", None) or ():  # ResponseNeverReceived, ResponseFailed
            yield from causes(getattr(inner, "value", inner))
        exc = exc.__cause__ or exc.__context__


def describe_failure(failure) -> tuple[str, str]:
    """(reason, what was done) for a Twisted failure that reached a spider's errback."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http {status}", "recorded in the WARC; not followed"
    if hasattr(failure.value, "reason") and hasattr(failure.value, "action"):
        return failure.value.reason, failure.value.action  # our own exceptions say it themselves
    chain = list(causes(failure.value))
    for types, reason in REASONS:
        if any(isinstance(exc, types) for exc in chain):
            return reason, "gave up after retries"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200], "gave up"
