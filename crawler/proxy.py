"""Send every request through one HTTP proxy when `NIANBAO_PROXY` is set.

This is how the same spider crawls the offline replica: the replica is a proxy that answers for
the real portal hosts, so URLs, scope rules and WARC records are those of the real sites.
"""

from __future__ import annotations


class ProxyMiddleware:
    def __init__(self, proxy: str | None):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("NIANBAO_PROXY"))

    def process_request(self, request):
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
