"""DropParsedTree: a response's parsed tree is freed when its callback's output is done, not at the
next full garbage collection.

Scrapy caches `response.selector` on the response, and the selector points back to the response
(`Selector.response`): a reference cycle, so a response read with `css`/`xpath` is freed only by
Python's cyclic collector, with its body, its decoded text and its lxml tree (some ten times the
body: 1 MiB for a 100 KB report page). The collector counts objects, not bytes: a finished
response is a few objects holding megabytes of C memory, so they piled up between full
collections, and in a crawl with no delay the memory in use rose by up to 100 MiB before one came
(a worker's peak: +77% from 5 000 to 10 000 pages). Dropping the cache once the response's output
has gone through breaks the cycle, and reference counting frees the response at once. The cache is
Scrapy's own (`_cached_selector`): a later `response.css` builds the selector again.
"""

from __future__ import annotations

from scrapy.http import TextResponse


def drop_parsed_tree(response) -> None:
    if isinstance(response, TextResponse):
        response._cached_selector = None


class DropParsedTree:
    """A spider middleware next to the engine: it sees the end of every callback's output last."""

    def process_spider_output(self, response, result):
        try:
            yield from result
        finally:
            drop_parsed_tree(response)

    async def process_spider_output_async(self, response, result):
        try:
            async for item in result:
                yield item
        finally:
            drop_parsed_tree(response)
