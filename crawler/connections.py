"""Scrapy's HTTP download handler, keeping only the most recently used idle connections.

Twisted's connection pool keeps every persistent connection, once idle, for 240 s. A worker of a
crawl of many portals asks thousands of hosts in turn, each one again only after it has been round
all the others, so it held an idle connection, TLS state and all (some 70 KB in OpenSSL, with an
SSL context of its own), to every HTTPS host it had asked in the last four minutes: about 200 of
them, 14 MiB, 12 000 pages into the benchmark's crawl of 1 251 portals (a heap profile of one
worker). A shorter idle timeout (15 s) measured no better: within 15 s it still asked about 200.
Those connections are seldom of use: a web server closes an idle keep-alive connection after 5 s
(Apache) or 75 s (nginx) by default, and a host's next request comes when its turn does. So the
pool keeps at most `NIANBAO_IDLE_CONNECTIONS` idle connections over all hosts (default 16, the
crawl's concurrency), and closes the one idle longest to make room: the hosts a crawl is asking
again and again (a few portals, one request each per delay) keep theirs.

(`_putConnection`, `_removeConnection`, `_timeouts`, whose timeout calls carry the key and the
connection, and `_factory` are private to Twisted's `HTTPConnectionPool`; `tests/test_connections.py`
tells if they change.)
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from twisted.web.client import HTTPConnectionPool


class RecentConnectionsPool(HTTPConnectionPool):
    """At most `max_idle` idle connections over all keys; the one idle longest closed first."""

    def __init__(self, reactor, max_idle: int) -> None:
        super().__init__(reactor, persistent=True)
        self.max_idle = max_idle

    def _putConnection(self, key, connection) -> None:
        super()._putConnection(key, connection)
        while len(self._timeouts) > self.max_idle:
            # each idle connection's timeout was set as it fell idle: the earliest is the one idle
            # longest, and the call holds its key and connection
            longest = min(self._timeouts.values(), key=lambda call: call.getTime())
            key_of, idle = longest.args  # before cancel(), which lets go of them
            longest.cancel()
            self._removeConnection(key_of, idle)


class KeepAliveHandler(HTTP11DownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler=crawler)
        from twisted.internet import reactor

        pool = RecentConnectionsPool(reactor, crawler.settings.getint("NIANBAO_IDLE_CONNECTIONS", 16))
        pool.maxPersistentPerHost = self._pool.maxPersistentPerHost
        pool._factory = self._pool._factory
        self._pool = pool
