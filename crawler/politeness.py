"""Politeness Scrapy does not give as such: a User-Agent with a contact, a delay from the answer.

The User-Agent names the project and a contact a site's operator can reach. The contact is
NIANBAO_CONTACT (a setting, or the environment variable of that name); the USER_AGENT setting is a
template with `{contact}`. An add-on fills it in before the settings are frozen, so every
component, and the WARC's warcinfo record, sees the User-Agent actually sent.

DOWNLOAD_DELAY is counted from when a host's answer came back (`DelayFromAnswer`).
"""

from __future__ import annotations

import logging
from time import monotonic

from scrapy import signals
from scrapy.core.downloader import Downloader

logger = logging.getLogger(__name__)


class ContactUserAgent:
    def update_settings(self, settings):
        agent = settings.get("USER_AGENT") or ""
        if "{contact}" in agent:
            contact = settings.get("NIANBAO_CONTACT") or "https://github.com/nianbao/nianbao"
            settings.set("USER_AGENT", agent.replace("{contact}", contact), priority=settings.getpriority("USER_AGENT"))


class DelayFromAnswer:
    """The download slot of a host waits DOWNLOAD_DELAY from when the answer (or the failure) came
    back, as the cluster's frontier does, so that two requests reach a server at least the delay
    apart when they go one at a time (CONCURRENT_REQUESTS_PER_DOMAIN=1).

    Scrapy's downloader stamps a slot (`lastseen`) when a request leaves its queue, before its
    connection is made: a request that opens a connection reaches the server later than it left,
    the next one, on the open connection, sooner. Like AutoThrottle, this extension adjusts the
    slot on `response_downloaded`, which the downloader sends before it looks at the slot's queue
    again. A failure sends nothing before that look, so the slot is stamped again on
    `request_left_downloader`: a slot still waiting then waits from the failure, but one whose
    delay had passed since the failed request left has already sent the next one (a failure with
    no answer, a delay or more after its request left: refused, reset, timed out).
    With more than one request per host at a time, the delay spaces departures and answers only.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.answered, signal=signals.response_downloaded)
        crawler.signals.connect(self.left, signal=signals.request_left_downloader)
        settings = crawler.settings
        # a worker of a cluster gets one request per host at a time from the frontier, whatever these say
        if settings.getfloat("DOWNLOAD_DELAY") and not settings.get("REDIS_URL") and max(
                settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getint("CONCURRENT_REQUESTS_PER_IP")) > 1:
            logger.info("DOWNLOAD_DELAY with more than one request per host at a time: the delay spaces "
                        "departures and answers, not arrivals at the server")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def answered(self, response, request, spider):
        self.restart(request)

    def left(self, request, spider):
        self.restart(request)

    def restart(self, request) -> None:
        slot = self.crawler.engine.downloader.slots.get(request.meta.get(Downloader.DOWNLOAD_SLOT))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, monotonic())
