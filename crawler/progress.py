"""CrawlProgress: what a person watching a crawl needs, on stderr while it runs.

On a terminal, one line rewritten in place: portals done/total, pages, reports, failures, rate,
elapsed. Elsewhere (a pipe, a CI log) the same figures as a plain line every
`NIANBAO_PROGRESS_INTERVAL` seconds (30). A portal is done when none of its requests is waiting
or in flight. `NIANBAO_PROGRESS = False` turns it off (`nianbao crawl` turns it on).
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from .items import CrawlFailure, Document


class CrawlProgress:
    def __init__(self, crawler, stream=None):
        self.crawler = crawler
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.interval = 0.5 if self.live else crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL", 30)
        self.pending: Counter = Counter()
        self.started_portals: set[str] = set()
        self.pages = self.reports = self.failures = 0
        self.started = time.monotonic()
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NIANBAO_PROGRESS", False):
            raise NotConfigured
        ext = cls(crawler)
        for handler, signal in ((ext.spider_opened, signals.spider_opened), (ext.spider_closed, signals.spider_closed),
                                (ext.request_scheduled, signals.request_scheduled),
                                (ext.request_left, signals.request_left_downloader),
                                (ext.request_dropped, signals.request_dropped),
                                (ext.response_received, signals.response_received),
                                (ext.item_scraped, signals.item_scraped)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    def spider_opened(self, spider):
        self.total = len(getattr(spider, "portals", {}))
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def request_scheduled(self, request, spider):
        portal = request.meta.get("portal", "")
        self.started_portals.add(portal)
        self.pending[portal] += 1

    def request_left(self, request, spider):
        self.pending[request.meta.get("portal", "")] -= 1

    def request_dropped(self, request, spider):
        self.pending[request.meta.get("portal", "")] -= 1

    def response_received(self, response, request, spider):
        self.pages += 1

    def item_scraped(self, item, response, spider):
        if isinstance(item, Document):
            self.reports += 1
        elif isinstance(item, CrawlFailure):
            self.failures += 1

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        done = sum(1 for p in self.started_portals if self.pending[p] <= 0)
        minutes, seconds = divmod(int(elapsed), 60)
        return (f"portals {done}/{self.total} · pages {self.pages} · reports {self.reports} · "
                f"failures {self.failures} · {self.pages / max(elapsed, 1e-9):.1f} pages/s · {minutes:02d}:{seconds:02d}")

    def show(self, final: bool = False):
        if self.live:
            self.stream.write("\r\033[K" + self.line() + ("\n" if final else ""))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def spider_closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
        self.show(final=True)
