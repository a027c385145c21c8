"""The crawl's own log, kept in the snapshot as `crawl/crawl.log` (`nianbao crawl` points Scrapy's
`LOG_FILE` there). The file is closed before the snapshot is sealed, so what the seal hashes is
what stays: anything logged later goes to the screen (warnings) or nowhere (info)."""

from __future__ import annotations

import logging
from pathlib import Path

CRAWL_LOG = "crawl.log"


def detach_crawl_log(path: Path) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path.resolve():
            root.removeHandler(handler)
            handler.close()
