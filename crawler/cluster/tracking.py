"""What a worker tells the cluster: that a request is done, and that it is alive.

A request is done when everything its callback gave has been handled (`AckSpiderMiddleware`,
closest to the engine, so it sees the output last), when its callback raised, or when its download
failed for good (`AckFailedDownloads`, outermost downloader middleware: it sees only what no retry
or redirect took over). Until then it stays in the worker's flight list in Redis.

`ClusterWorker` keeps the worker's heartbeat from engine start to engine stop (so a worker still
closing its WARC files is not taken for dead), and, when the last worker stops with nothing left
in the frontier, merges the workers' snapshot parts and seals the snapshot, once.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from time import monotonic

from scrapy import Request, signals
from twisted.internet.task import LoopingCall

from .frontier import TOKEN
from .scheduler import request_done

logger = logging.getLogger(__name__)
STUCK = 300.0  # seconds an event loop may go without turning (LibreOffice takes seconds) before its worker stops beating


class Acknowledger:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def done(self, request) -> None:
        if request is not None:
            self.crawler.signals.send_catch_log(request_done, request=request)


class AckSpiderMiddleware(Acknowledger):
    """Done when the callback is over, the requests it gave are in the frontier (or dropped as
    duplicates) and its items are through the pipelines.

    Scrapy puts a callback's output in a queue that its item tasks empty at their own pace: the
    end of the output is not the end of its handling, and a worker killed in between would lose
    what still waited (requests never queued, documents never written). So the requests go to the
    engine here, at once (what the scraper would do with them), and the items are counted until
    the pipelines are done with each (`item_scraped`, `item_dropped` or `item_error`)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.items: Counter[str] = Counter()  # token → items of its callback still in the pipelines
        self.over: dict[str, Request] = {}  # token → request whose callback is over, waiting for its items
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_handled, signal=signal)

    def hand_on(self, token, output):
        """The output to pass on; None for a request, queued here."""
        if isinstance(output, Request):
            self.crawler.engine.crawl(output)
            return None
        if token and output is not None:
            self.items[token] += 1
        return output

    def process_spider_output(self, response, result):
        token = response.request.meta.get(TOKEN)
        try:
            for output in result:
                if (output := self.hand_on(token, output)) is not None:
                    yield output
        finally:
            self.callback_over(response.request)

    async def process_spider_output_async(self, response, result):
        token = response.request.meta.get(TOKEN)
        try:
            async for output in result:
                if (output := self.hand_on(token, output)) is not None:
                    yield output
        finally:
            self.callback_over(response.request)

    def process_spider_exception(self, response, exception):
        self.callback_over(response.request)

    def callback_over(self, request) -> None:
        token = request.meta.get(TOKEN)
        if token and self.items[token]:
            self.over[token] = request
        else:
            self.items.pop(token, None)
            self.done(request)

    def item_handled(self, item, response, **kwargs):
        token = getattr(response, "request", None) and response.request.meta.get(TOKEN)
        if not token or not self.items[token]:
            return
        self.items[token] -= 1
        if not self.items[token]:
            del self.items[token]
            if token in self.over:
                self.done(self.over.pop(token))


class AckFailedDownloads(Acknowledger):
    def process_exception(self, request, exception):
        self.done(request)


class ClusterWorker:
    """The heartbeat is beaten from a thread, so that a worker busy in a long extraction (LibreOffice
    blocks the event loop for seconds) is not taken for dead; it stops when the event loop has not
    turned for STUCK seconds (a hung worker's requests are taken up) or the engine stops. Each beat
    also says the worker is one of the crawl's, should it have been taken for dead all the same."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.worker = settings.get("NIANBAO_CLUSTER_WORKER")
        self.key = settings.get("NIANBAO_CLUSTER_KEY")
        from scrapy_redis.connection import get_redis_from_settings

        self.server = get_redis_from_settings(settings)
        # seconds without a beat after which the others take this worker for dead
        self.ttl = settings.getfloat("NIANBAO_CLUSTER_HEARTBEAT", 10.0)
        self.turned = monotonic()
        self.turn_loop = LoopingCall(self.turn)
        self.stopping = threading.Event()
        self.beater = threading.Thread(target=self.beat_while_turning, name="nianbao-heartbeat", daemon=True)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def beat(self) -> None:
        pipe = self.server.pipeline(transaction=False)
        pipe.set(f"{self.key}:alive:{self.worker}", 1, px=int(self.ttl * 1000))
        pipe.sadd(f"{self.key}:workers", self.worker)
        pipe.execute()

    def turn(self) -> None:
        self.turned = monotonic()

    def beat_while_turning(self) -> None:
        while not self.stopping.wait(self.ttl / 5):
            if monotonic() - self.turned < STUCK:
                try:
                    self.beat()
                except Exception:  # Redis away longer than its client retries: beat again next time
                    logger.exception("worker %s: heartbeat failed", self.worker)

    def engine_started(self):
        self.beat()
        self.turn_loop.start(self.ttl / 5)
        self.beater.start()

    def engine_stopped(self):
        if self.turn_loop.running:
            self.turn_loop.stop()
        self.stopping.set()
        if self.beater.is_alive():
            self.beater.join()
        self.server.srem(f"{self.key}:workers", self.worker)
        self.server.delete(f"{self.key}:alive:{self.worker}")
        from .finish import finish_if_last

        finish_if_last(self.crawler, self.server, self.key)
