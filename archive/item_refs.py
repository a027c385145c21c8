"""Give each item the WARC location of the response it was read from.

The capture middleware leaves the location in `response.meta`; spiders need not know about it.
"""

from __future__ import annotations

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

CAPTURE_META_KEY = "nianbao_capture"


class WarcRefSpiderMiddleware(BaseSpiderMiddleware):
    def get_processed_item(self, item, response):
        if response is not None and getattr(item, "capture", "absent") is None:
            item.capture = response.meta.get(CAPTURE_META_KEY)
        return item
