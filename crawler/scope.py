"""ScopeMiddleware: no request leaves the hosts of the portals being crawled.

The spider already follows only links on a portal's hosts; this is the guarantee behind it, for
what the spider does not decide: redirects, retries, robots.txt, and the browser's own requests
(`crawler.browser.confine_to_scope` applies `in_scope` to every request Chromium makes). Hosts
compare without `www.`, exactly: `hc.gov.cn.example.net` is not `hc.gov.cn`. The set is the
spider's own and grows only when a portal links a disclosure host under its own domain
(`xxgk.huichang.gov.cn` for `www.huichang.gov.cn`); a sibling `gov.cn` domain never joins.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import signals

from .failures import Refused
from .portals import bare_host

def in_scope(url: str, hosts: set[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bare_host(parts.hostname or "") in hosts


def crawl_hosts(spider) -> set[str]:
    """The spider's live set of hosts (it grows when a portal links a disclosure sub-domain of its
    own domain), else its portals' hosts."""
    live = getattr(spider, "hosts_in_scope", None)
    if live is not None:
        return live
    return {h for p in getattr(spider, "portals", {}).values() for h in p.hosts}


class ScopeMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider):
        self.hosts = crawl_hosts(spider)

    def process_request(self, request):
        if self.hosts and not in_scope(request.url, self.hosts):
            self.crawler.stats.inc_value("nianbao/off_host_refused")
            came_from = request.meta.get("redirect_urls", [])
            action = f"redirect from {came_from[-1]} not followed" if came_from else "not fetched"
            raise Refused("off-host", action)
