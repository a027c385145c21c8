"""scrapy-redis's scheduler and duplicate filter, mended for nianbao.

- the queue is `HostFrontier` (per-host politeness over the cluster, requests acknowledged);
- a request is marked seen by the duplicate filter and queued in one step (a worker killed
  between the two would leave it seen and never queued);
- a retried or redirected request acknowledges the one it replaces, even when the duplicate
  filter drops it;
- the duplicate filter uses the crawl's own request fingerprinter (scrapy-redis hashes its own
  canonical URL, which would disagree with a single-process crawl about what is a duplicate);
- nothing is flushed when a worker closes (the others go on with the same frontier);
- the crawl is pending while another worker still has requests in flight (they may lead to more),
  and the requests of a worker whose heartbeat has expired are taken up again;
- the engine is nudged every POLL seconds: Scrapy asks an empty scheduler again only every 5 s,
  and hosts become ready again on the frontier's clock, not on a local event.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from .frontier import TOKEN

logger = logging.getLogger(__name__)

POLL = 0.2
SWEEP_EVERY = 2.0
request_done = object()  # signal: a request taken from the frontier is finished (kwarg: request)


class ClusterDupeFilter(RFPDupeFilter):
    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request):
        return self.fingerprinter.fingerprint(request).hex()


class ClusterScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.last_sweep = 0.0
        for handler, signal in ((scheduler.on_left_downloader, signals.request_left_downloader),
                                (scheduler.on_response, signals.response_received),
                                (scheduler.on_done, request_done)):
            crawler.signals.connect(handler, signal=signal)
        return scheduler

    def open(self, spider):
        super().open(spider)
        # a worker started again under its name takes up what it had taken before it died
        taken = self.queue.take_up(self.queue.worker)
        if taken:
            logger.warning("worker %s: %d requests it had taken before it stopped are queued again", self.queue.worker, taken)
        self.poll_loop = LoopingCall(self.poll)
        self.poll_loop.start(POLL, now=False)

    def close(self, reason):
        if self.poll_loop.running:
            self.poll_loop.stop()
        left = self.queue.take_up(self.queue.worker)
        if left:  # not lost: the next worker (or the next run of the command) takes them
            logger.warning("worker %s closed with %d unfinished requests; queued again", self.queue.worker, left)

    # -- requests in and out --------------------------------------------------------------

    def enqueue_request(self, request):
        done = request.meta.pop(TOKEN, None)
        seen = None if request.dont_filter else (self.df.key, self.df.request_fingerprint(request))
        if not self.queue.push(request, done=done, seen=seen):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        self.sweep()
        return self.queue.pending() > 0

    # -- acknowledgements -----------------------------------------------------------------

    def on_left_downloader(self, request, spider):
        self.queue.release(request)

    def on_response(self, response, request, spider):
        self.queue.release(request)

    def on_done(self, request):
        token = request.meta.get(TOKEN)
        if token:
            self.queue.ack(token)

    # -- other workers --------------------------------------------------------------------

    def sweep(self) -> None:
        """Take up the requests of workers whose heartbeat has expired."""
        now = time.monotonic()
        if now - self.last_sweep < SWEEP_EVERY:
            return
        self.last_sweep = now
        for worker in self.server.smembers(f"{self.queue.key}:workers"):
            worker = worker.decode()
            if worker == self.queue.worker or self.server.exists(f"{self.queue.key}:alive:{worker}"):
                continue
            taken = self.queue.take_up(worker)
            self.server.srem(f"{self.queue.key}:workers", worker)
            self.stats.inc_value("nianbao/cluster/taken_up", taken)
            logger.warning("worker %s stopped beating: %d requests it had taken are queued again", worker, taken)

    def poll(self) -> None:
        self.sweep()
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.nextcall is not None:
            slot.nextcall.schedule()
