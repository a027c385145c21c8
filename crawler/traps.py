"""ListPageLimit: a report column whose list pages never end is a trap, not an archive.

A spider middleware, so it sees every list-page request the spider makes, whether from a
`createPage(N, …)` count or from "next page" links: past NIANBAO_MAX_LIST_PAGES distinct list
pages in one column, the column's further pages are dropped and one failure line says so.
"""

from __future__ import annotations

import re
from collections import defaultdict

from scrapy import Request

from .items import CrawlFailure

PAGE_NAME = re.compile(r"(index(_\d+)?\.s?html?)?$")


def column_of(url: str) -> str:
    return PAGE_NAME.sub("", url.split("?", 1)[0])


class ListPageLimit:
    def __init__(self, crawler):
        self.crawler = crawler
        self.limit = crawler.settings.getint("NIANBAO_MAX_LIST_PAGES", 100)
        self.pages: dict[str, set[str]] = defaultdict(set)
        self.reported: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def check(self, item):
        """The item, or None when it is a list page past the limit (then maybe a failure)."""
        if not (isinstance(item, Request) and item.meta.get("kind") == "list"):
            return item
        column = column_of(item.url)
        pages = self.pages[column]
        if item.url in pages or len(pages) < self.limit:
            pages.add(item.url)
            return item
        self.crawler.stats.inc_value("nianbao/list_pages_over_limit")
        if column in self.reported:
            return None
        self.reported.add(column)
        return CrawlFailure(column, item.meta.get("portal", ""), "list trap",
                            f"stopped after {self.limit} list pages (NIANBAO_MAX_LIST_PAGES)", "list")

    def process_spider_output(self, response, result):
        for item in result:
            item = self.check(item)
            if item is not None:
                yield item

    async def process_spider_output_async(self, response, result):
        async for item in result:
            item = self.check(item)
            if item is not None:
                yield item
