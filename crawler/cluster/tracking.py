"""What a worker tells the cluster: that a request is done, and that it is alive.

A request is done when its callback's output has all been handed on (`AckSpiderMiddleware`,
closest to the engine, so it sees the output last), when its callback raised, or when its download
failed for good (`AckFailedDownloads`, outermost downloader middleware: it sees only what no retry
or redirect took over). Until then it stays in the worker's flight list in Redis.

`ClusterWorker` keeps the worker's heartbeat from engine start to engine stop (so a worker still
closing its WARC files is not taken for dead), and, when the last worker stops with nothing left
in the frontier, merges the workers' snapshot parts and seals the snapshot, once.
"""

from __future__ import annotations

import logging

from scrapy import signals
from twisted.internet.task import LoopingCall

from .scheduler import request_done

logger = logging.getLogger(__name__)



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
    def process_spider_output(self, response, result):
        yield from result
        self.done(response.request)

    async def process_spider_output_async(self, response, result):
        async for item in result:
            yield item
        self.done(response.request)

    def process_spider_exception(self, response, exception):
        self.done(response.request)


class AckFailedDownloads(Acknowledger):
    def process_exception(self, request, exception):
        self.done(request)


class ClusterWorker:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.worker = settings.get("NIANBAO_CLUSTER_WORKER")
        self.key = settings.get("NIANBAO_CLUSTER_KEY")
        from scrapy_redis.connection import get_redis_from_settings

        self.server = get_redis_from_settings(settings)
        # seconds without a beat after which the others take this worker for dead
        self.ttl = settings.getfloat("NIANBAO_CLUSTER_HEARTBEAT", 10.0)
        self.beat_loop = LoopingCall(self.beat)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def beat(self) -> None:
        self.server.set(f"{self.key}:alive:{self.worker}", 1, px=int(self.ttl * 1000))

    def engine_started(self):
        self.beat()
        self.server.sadd(f"{self.key}:workers", self.worker)
        self.beat_loop.start(self.ttl / 5, now=False)

    def engine_stopped(self):
        if self.beat_loop.running:
            self.beat_loop.stop()
        self.server.srem(f"{self.key}:workers", self.worker)
        self.server.delete(f"{self.key}:alive:{self.worker}")
        from .finish import finish_if_last

        finish_if_last(self.crawler, self.server, self.key)
