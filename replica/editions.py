"""Editions of the offline portal: the same portals a year apart, for incremental recrawls.

A real portal changes between two crawls: pages are republished (list and home pages get a new
modification time even when their content is the same), a report is corrected, one is withdrawn,
a new one appears. Edition 1 is the replica as built; edition 2 is 合川区 a year on, with:

- 科学技术局's 2020 report corrected (a paragraph added, a later Last-Modified);
- 合川工业园区管委会's 2019 report withdrawn (its pages answer 404, the lists no longer link it);
- the district government's 2025 report published (a new page, linked from its column).

In every edition the pages without a document date (home, 政务公开, lists, robots.txt) carry the
edition's publication time as Last-Modified, as the static pages a CMS regenerates do; with nginx's
ETag (modification time and size), a republished page that did not change gets new validators and
is sent again in full.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .pages import Pages
from .site import Replica

PUBLISHED = {1: "Mon, 10 Nov 2025 01:00:00 GMT", 2: "Tue, 10 Nov 2026 01:00:00 GMT"}
HOST = "hc.gov.cn"
CHANGED = "/bmjd/bm_100475/kjj/zwgk_101203/zfxxgknb_101213/202101/t20210129_8845131"
GONE = "/bmjd/bm_100475/gyygwh/zwgk_101619/zfxxgknb_101629/202001/t20200110_7580076"
NEW_FROM = "/zwgk_217/zfxxgknb/qzf/202501/t20250116_14150077"
NEW = "/zwgk_217/zfxxgknb/qzf/202601/t20260116_15310001"
CORRECTION = "<p>(2026年3月更正:本报告第五部分“政府信息公开行政复议、行政诉讼情况”数据有误,现已更正。)</p>"


def edition(replica: Replica, number: int = 1) -> Replica:
    """A copy of the replica as it stands in this edition (the built replica is left as it is)."""
    if number not in PUBLISHED:
        raise ValueError(f"no edition {number} of the offline portal (there are {sorted(PUBLISHED)})")
    pages = replica.pages.map(lambda page: page if page.last_modified else replace(page, last_modified=PUBLISHED[number]))
    if number == 2:
        second_edition(pages)
    return replace(replica, pages=pages)


def _copies(stem: str) -> list[str]:
    return [stem + ".html", stem + "_wap.html"]


def second_edition(pages: Pages) -> None:
    for path in _copies(CHANGED):
        page = pages[(HOST, path)]
        body = page.body.decode("utf-8").replace('trs_web">', 'trs_web">' + CORRECTION, 1)
        pages[(HOST, path)] = replace(page, body=body.encode("utf-8"), last_modified="Tue, 10 Mar 2026 02:00:00 GMT")
    for path in _copies(GONE):
        del pages[(HOST, path)]
    base = pages[(HOST, NEW_FROM + ".html")]
    new = (base.body.decode("utf-8").replace("2024年", "2025年").replace("2025-01-16", "2026-01-16")
           .replace("t20250116_14150077", "t20260116_15310001"))
    for path in _copies(NEW):
        pages[(HOST, path)] = replace(base, body=new.encode("utf-8"), last_modified="Fri, 16 Jan 2026 02:00:00 GMT")
    gone_item = re.compile(r'<li><a href="[^"]*' + GONE.rsplit("/", 1)[1] + r'[^"]*".*?</li>')
    new_from = re.compile(r'<li><a href="[^"]*' + NEW_FROM.rsplit("/", 1)[1] + r'[^"]*".*?</li>')
    for key, page in list(pages.items()):
        if key[0] != HOST or not page.content_type.startswith("text/html"):
            continue
        text = page.body.decode("utf-8")
        edited = gone_item.sub("", text)
        edited = new_from.sub(lambda m: new_item(m.group(0)) + m.group(0), edited)
        if edited != text:
            pages[key] = replace(page, body=edited.encode("utf-8"))


def new_item(listed: str) -> str:
    """The list entry of the new report, made from the one of the report it follows."""
    return (listed.replace("202501/t20250116_14150077", "202601/t20260116_15310001")
            .replace("2024年", "2025年").replace("2025-01-16", "2026-01-16"))
