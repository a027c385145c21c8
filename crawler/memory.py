"""DropParsedTree: a response's parsed tree is freed when its callback's output is done, not at the
next full garbage collection. DecodeLater: a response leaves the downloader with its bytes only.
`give_back_free_memory`: the C heap's free pages go back to the system (after each report file).
OneHeap: the crawl's threads malloc from one heap, and its free pages go back every N responses.

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

import ctypes

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse

_libc = ctypes.CDLL(None)
GLIBC = hasattr(_libc, "gnu_get_libc_version")  # not musl, not macOS: what follows is glibc's
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's malloc.h


def give_back_free_memory() -> None:
    """Returns the C heap's free pages to the system (glibc's `malloc_trim`; elsewhere nothing).

    A thread other than the main one mallocs from an arena of its own (unless `OneHeap` has it share
    one), and glibc gives an arena's free memory back only from its top: the report files' thread
    kept 3 MiB resident and all of it free after its first burst of files (a census of one worker
    at 25 000 to 50 000 pages, before `OneHeap`), on top of the main heap's."""
    if GLIBC:
        _libc.malloc_trim(0)


def limit_heaps(arenas: int) -> bool:
    """Threads that start mallocing from now on share at most `arenas` heaps (glibc's
    `M_ARENA_MAX`; True when it was set). Threads that already have a heap keep it."""
    return GLIBC and _libc.mallopt(M_ARENA_MAX, arenas) == 1


def map_blocks_from(size: int) -> bool:
    """Blocks of `size` bytes or more are mapped on their own and unmapped when freed (glibc's
    `M_MMAP_THRESHOLD`, fixed: True when it was set). Left to itself, glibc raises that threshold
    to the size of any mapped block freed (up to 32 MiB), so after a report file's large buffers
    have gone, blocks up to their size come from the heap and leave holes in it when freed."""
    return GLIBC and _libc.mallopt(M_MMAP_THRESHOLD, size) == 1


class OneHeap:
    """An extension: the threads started during the crawl (the report files' thread) malloc from
    the heap they find rather than one of their own (`NIANBAO_MALLOC_ARENAS`, 1), blocks of
    `NIANBAO_MMAP_THRESHOLD` bytes or more (128 KiB) are mapped on their own, and every
    `NIANBAO_GIVE_BACK_EVERY` responses (50) the heaps' free pages go back to the system.

    glibc gives a thread its own heap (an arena), whose free memory is kept apart from the main
    one's and given back only from its top, and it returns the main heap's free pages only when
    they reach its top (which a long-lived object there prevents). One worker crawling 50 000 pages
    with no delay (`bench/cluster.py --workers ""`) peaked at 149.4 MiB with these three, against
    151.4-151.8 without (147.9 with the revisit map's smaller cache too). A trim takes about half a
    millisecond. Where the C library is not glibc, nothing is done."""

    def __init__(self, every: int):
        self.every = every
        self.responses = 0

    @classmethod
    def from_crawler(cls, crawler):
        arenas = crawler.settings.getint("NIANBAO_MALLOC_ARENAS", 1)
        if arenas:
            limit_heaps(arenas)
        threshold = crawler.settings.getint("NIANBAO_MMAP_THRESHOLD", 128 * 1024)
        if threshold:
            map_blocks_from(threshold)
        every = crawler.settings.getint("NIANBAO_GIVE_BACK_EVERY", 50)
        if every <= 0 or not GLIBC:
            raise NotConfigured
        extension = cls(every)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def response_received(self, response, request, spider):
        self.responses += 1
        if self.responses % self.every == 0:
            give_back_free_memory()


def drop_parsed_tree(response) -> None:
    if isinstance(response, TextResponse):
        response._cached_selector = None


def drop_decoded(response) -> None:
    """Its text and parsed tree go; the encoding found stays, and `response.text` decodes the body
    again, with it, into the same text."""
    if isinstance(response, TextResponse):
        response._cached_selector = response._cached_ubody = None


class DecodeLater:
    """A downloader middleware on the engine's side of all: the checks of a download (the soft-404
    check reads a page's visible text through a tree, the whole page's for a short one, the meta
    refresh its text) leave both on the response, which may then wait in the scraper's queue behind others. A 100 KB report page
    holds its text (180 KB) and its lxml tree (some 1 MiB) besides its body, so 16 of them waiting
    held some 15 MiB for nothing: the callback decodes and parses its page again (about 1 ms of CPU
    for 100 KB)."""

    def process_response(self, request, response):
        drop_decoded(response)
        return response


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
