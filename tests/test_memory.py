"""A finished response is freed by reference counting, not left to the cyclic garbage collector."""

import asyncio
import gc
import weakref
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.project import get_project_settings

from crawler.guards import SoftNotFoundMiddleware
from crawler.memory import DecodeLater, DropParsedTree

PAGE = b"<html><head><title>2024\xe5\xb9\xb4\xe6\x8a\xa5</title></head><body>" + b"<p><a href='/a'>a</a></p>" * 500 + b"</body></html>"


def read(response):
    """A callback as the spider's: it reads the page through the cached selector and yields requests."""
    for href in response.css("a::attr(href)").getall()[:3]:
        yield Request(response.urljoin(href))


async def read_async(response):
    for request in read(response):
        yield request


@pytest.fixture
def no_cyclic_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def response():
    url = "http://www.example.gov.cn/zfxxgknb/2024.html"
    return HtmlResponse(url, body=PAGE, encoding="utf-8", request=Request(url))


def test_scrapys_selector_cache_alone_keeps_a_read_response_alive(no_cyclic_gc):
    """What the middleware is for: without it, the response waits for the cyclic collector."""
    page = response()
    list(read(page))
    gone = weakref.ref(page)
    del page
    assert gone() is not None
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_response_is_freed_once_its_output_is_through(no_cyclic_gc, asynchronous):
    page, middleware = response(), DropParsedTree()
    if asynchronous:
        async def consume(response):
            return [r async for r in middleware.process_spider_output_async(response, read_async(response))]
        output = asyncio.run(consume(page))
    else:
        output = list(middleware.process_spider_output(page, read(page)))
    assert [r.url for r in output] == ["http://www.example.gov.cn/a"] * 3  # the output as it was
    gone = weakref.ref(page)
    del page
    assert gone() is None


def test_a_failing_callback_frees_its_response_too(no_cyclic_gc):
    def failing(response):
        response.css("a")
        yield Request(response.url + "?next")
        raise ValueError("unreadable")

    page = response()
    with pytest.raises(ValueError):
        list(DropParsedTree().process_spider_output(page, failing(page)))
    gone = weakref.ref(page)
    del page
    assert gone() is None


def test_a_downloaded_page_waits_for_its_callback_with_its_bytes_only(no_cyclic_gc):
    """The soft-404 check parses every page as it is downloaded, and the response may then wait in
    the scraper's queue (16 report pages of 100 KB, each tree some ten times its page): past the
    downloader it holds no text and no tree, and the callback reads it as it would have."""
    page = response()
    assert SoftNotFoundMiddleware().process_response(page.request, page) is page  # a long page: it passes
    assert page._cached_selector is not None and page._cached_ubody is not None
    text = page.text
    assert DecodeLater().process_response(page.request, page) is page
    assert page._cached_selector is None and page._cached_ubody is None
    assert page.text == text and page.encoding == "utf-8"
    assert [r.url for r in read(page)] == ["http://www.example.gov.cn/a"] * 3
    page._cached_selector = None
    gone = weakref.ref(page)
    del page
    assert gone() is None


@pytest.mark.parametrize("body", [
    "\ufeff<html><body><p>正文</p></body></html>".encode("utf-8"),  # a BOM, no declaration
    "<html><head><meta charset=gbk></head><body><p>正文</p></body></html>".encode("gbk"),
    ("<html><body><p>" + "没有声明的正文，" * 20 + "</p></body></html>").encode("gb18030"),  # detected
])
def test_a_page_decoded_again_is_the_same_text(body):
    url = "http://www.example.gov.cn/a.html"
    first = HtmlResponse(url, body=body)
    text, found = first.text, first.encoding
    DecodeLater().process_response(first.request, first)
    assert (first.text, first.encoding) == (text, found)


def test_the_downloader_leaves_a_response_last_to_decode_later():
    middlewares = get_project_settings().getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["crawler.memory.DecodeLater"] == min(v for v in middlewares.values() if v is not None)


def test_the_middleware_is_next_to_the_engine():
    middlewares = get_project_settings().getdict("SPIDER_MIDDLEWARES")
    assert middlewares["crawler.memory.DropParsedTree"] == min(middlewares.values())


@pytest.mark.parametrize("name", ["docx", "wps"])
def test_a_read_document_leaves_no_xml_tree_to_the_cyclic_collector(no_cyclic_gc, name):
    """python-docx keeps its parts in a cycle; their XML trees must not wait for a full collection."""
    from pipelines.extraction.files import read_file
    from pipelines.extraction.files.office import stop

    (path,) = sorted((Path(__file__).parents[1] / "replica" / "data" / "files").glob(f"*.{name}"))[:1]
    try:
        assert read_file(path.read_bytes(), listed_title="政府信息公开工作年度报告").text
    finally:
        stop()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        trees = [o for o in gc.garbage if type(o).__name__ == "_Document"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert trees == []


HEAP_SCRIPT = r"""
import ctypes, sys, threading
from scrapy import signals
from scrapy.utils.test import get_crawler
from crawler.memory import OneHeap, _libc

def resident_mib():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

_libc.mallinfo2.restype = Mallinfo2

crawler = get_crawler(settings_dict={"NIANBAO_GIVE_BACK_EVERY": 50})
extension = OneHeap.from_crawler(crawler)

big = bytearray(4_000_000)  # mapped; freed, it would have raised glibc's own threshold to its size
del big
mapped = _libc.mallinfo2().hblks
block = bytearray(200_000)
mapped_block = _libc.mallinfo2().hblks - mapped  # 1: mapped on its own; 0: from the heap
del block

def read_a_file():  # as the report files' thread does: its mallocs go to the heap it finds
    kept = [bytes(1000 + i) for i in range(3000)]

thread = threading.Thread(target=read_a_file)
thread.start()
thread.join()

blocks = [bytearray(20_000) for _ in range(2000)]  # 40 MB from the main heap, under glibc's mmap threshold
top = bytearray(20_000)  # still in use, above them: the freed blocks cannot go back from the heap's top
del blocks
before = resident_mib()
for _ in range(49):
    crawler.signals.send_catch_log(signals.response_received, response=None, request=None, spider=None)
after_49 = resident_mib()
crawler.signals.send_catch_log(signals.response_received, response=None, request=None, spider=None)
print(before, after_49, resident_mib(), mapped_block)
sys.stdout.flush()
_libc.malloc_stats()  # one "Arena N:" line per heap, on stderr
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc")
def test_one_heap_shares_the_main_heap_maps_large_blocks_and_gives_free_pages_back():
    import subprocess
    import sys

    from crawler.memory import GLIBC

    if not GLIBC:
        pytest.skip("glibc's allocator only")
    done = subprocess.run([sys.executable, "-c", HEAP_SCRIPT], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert done.returncode == 0, done.stderr
    before, after_49, after_50, mapped_block = map(float, done.stdout.split())
    assert after_49 > before - 5  # nothing given back before the 50th response
    assert after_50 < before - 30  # the 40 MB freed under a block in use went back at the 50th
    arenas = [line for line in done.stderr.splitlines() if line.startswith("Arena ")]
    assert len(arenas) == 1, done.stderr  # the thread malloc'd from the main heap, not one of its own
    assert mapped_block == 1  # 200 KB after a 4 MB block was freed: still mapped on its own


def test_one_heap_is_off_when_asked():
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.memory import OneHeap

    with pytest.raises(NotConfigured):
        OneHeap.from_crawler(get_crawler(settings_dict={  # and this process's allocator is left as it is
            "NIANBAO_GIVE_BACK_EVERY": 0, "NIANBAO_MALLOC_ARENAS": 0, "NIANBAO_MMAP_THRESHOLD": 0}))
