"""MemoryProbe: from inside a crawling process, every half second, glibc's memory in use next to
what Scrapy holds in flight, as tab-separated lines to `$NIANBAO_MEMPROBE` (what
`bench/memtrace.py --probe FILE` adds to its worker; Linux with glibc only).

Columns: seconds; RSS and peak RSS (MiB, /proc); malloc's memory in use and its heap (MiB,
`mallinfo2`: uordblks, arena); the scraper's responses and their bytes (KiB) and items in the
pipelines; downloads in progress; responses and items so far. Memory in use that rises while the
scraper holds nothing is not what is in flight.
"""

from __future__ import annotations

import ctypes
import os
import time

from scrapy import signals
from twisted.internet import task


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]


def mallinfo() -> MallInfo2:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    return libc.mallinfo2()


def proc_status(pid: int, keys: tuple[str, ...]) -> dict[str, int]:
    """Fields of /proc/PID/status, as numbers (memory in KiB): VmRSS, VmHWM (the peak), Threads …"""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in keys:
                values[key] = int(value.split()[0])
    missing = set(keys) - set(values)
    if missing:
        raise RuntimeError(f"no {', '.join(sorted(missing))} for {pid}")
    return values


def rss_mib() -> tuple[int, int]:
    values = proc_status(os.getpid(), ("VmRSS", "VmHWM"))
    return values["VmRSS"] // 1024, values["VmHWM"] // 1024


class MemoryProbe:
    def __init__(self, crawler, path: str):
        self.crawler, self.out = crawler, open(path, "w")
        self.out.write("s\trss\thwm\tin_use\theap\tscraper_responses\tscraper_kib\titems_in_pipelines\tdownloads\tresponses\titems\n")
        self.started, self.responses, self.items = time.monotonic(), 0, 0
        crawler.signals.connect(self.opened, signals.spider_opened)
        crawler.signals.connect(self.closed, signals.spider_closed)
        crawler.signals.connect(self.response, signals.response_received)
        crawler.signals.connect(self.item, signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, os.environ["NIANBAO_MEMPROBE"])

    def response(self, **kwargs):
        self.responses += 1

    def item(self, **kwargs):
        self.items += 1

    def opened(self, spider):
        self.loop = task.LoopingCall(self.sample)
        self.loop.start(0.5)

    def closed(self, spider):
        if self.loop.running:
            self.loop.stop()
        self.out.close()

    def sample(self):
        engine, info = self.crawler.engine, mallinfo()
        slot = engine.scraper.slot
        row = [round(time.monotonic() - self.started, 1), *rss_mib(), info.uordblks >> 20, info.arena >> 20,
               len(slot.active), slot.active_size >> 10, slot.itemproc_size, len(engine.downloader.active),
               self.responses, self.items]
        self.out.write("\t".join(map(str, row)) + "\n")
        self.out.flush()
