"""Give each item the WARC location of the response it was read from.

The capture middleware leaves the location in `response.meta`; spiders need not know about it.
A report page a spider holds back in a file's request, until the file arrives
(`crawler.items.HELD_PAGE_KEY`), gets its location the same way, as the request leaves the page.
"""

from __future__ import annotations

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.items import HELD_PAGE_KEY

CAPTURE_META_KEY = "nianbao_capture"


class WarcRefSpiderMiddleware(BaseSpiderMiddleware):
    def get_processed_item(self, item, response):
        if response is not None and getattr(item, "capture", "absent") is None:
            item.capture = response.meta.get(CAPTURE_META_KEY)
        return item

    def get_processed_request(self, request, response):
        held = request.meta.get(HELD_PAGE_KEY)
        if held is not None:
            self.get_processed_item(held, response)
        return request
