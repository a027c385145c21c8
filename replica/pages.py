"""Renders a built portal into the replica's pages: (bare host, path) → `Page`."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from functools import cache
from email.utils import format_datetime
from datetime import datetime, timezone
from html import escape

from crawler.portals import bare_host

from . import templates
from .reports import load_report, render_body


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    last_modified: str | None = None


class Pages(MutableMapping):
    """(bare host, path) → `Page`, where a page may be given as how to make it (`defer`): it is
    made when first asked for, and kept. A crawl process serves the replica from a thread of its
    own and asks for a fraction of it (a resumed crawl, none of what it archived before); rendering
    every report up front was a good part of what a crawl costs to start. Two threads asking for
    the same page at once may both make it: the same page, one of them kept."""

    def __init__(self):
        self.made: dict[tuple[str, str], Page] = {}
        self.later: dict[tuple[str, str], Callable[[], Page]] = {}

    def defer(self, key: tuple[str, str], make: Callable[[], Page]) -> None:
        self.made.pop(key, None)
        self.later[key] = make

    def map(self, change: Callable[[Page], Page]) -> "Pages":
        """These pages, each changed (a page still to make: once it is made)."""
        changed = Pages()
        changed.made = {key: change(page) for key, page in self.made.items()}
        changed.later = {key: cache(lambda make=make: change(make())) for key, make in self.later.items()
                         if key not in self.made}
        return changed

    def __getitem__(self, key) -> Page:
        page = self.made.get(key)
        if page is None:
            page = self.made[key] = self.later[key]()
        return page

    def update(self, other=(), /, **kwargs) -> None:
        """As a dict's, but the pages another `Pages` has still to make stay so here."""
        if isinstance(other, Pages):
            for key, page in other.made.items():
                self[key] = page
            for key, make in other.later.items():
                if key not in other.made:
                    self.defer(key, make)
        else:
            super().update(other, **kwargs)

    def __setitem__(self, key, page: Page) -> None:
        self.later.pop(key, None)
        self.made[key] = page

    def __delitem__(self, key) -> None:
        found = self.made.pop(key, None) is not None
        if self.later.pop(key, None) is None and not found:
            raise KeyError(key)

    def __contains__(self, key) -> bool:
        return key in self.made or key in self.later

    def __iter__(self):
        yield from list(self.made)
        yield from [key for key in self.later if key not in self.made]

    def __len__(self) -> int:
        return len(self.made.keys() | self.later.keys())


def http_date(yyyymmdd: str) -> str:
    moment = datetime(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]), 9, 30, tzinfo=timezone.utc)
    return format_datetime(moment, usegmt=True)


def iso_date(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def html_page(text: str, date: str | None = None) -> Page:
    return Page(text.encode("utf-8"), last_modified=http_date(date) if date else None)


def relative(target: str, base_dir: str) -> str:
    rel = posixpath.relpath(target, base_dir) + ("/" if target.endswith("/") else "")
    return rel if rel.startswith("..") else "./" + rel


ROBOTS = b"User-agent: *\nDisallow: /irs/\nDisallow: /search/\n"


FILE_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",  # what real servers send for .wps (the file is OLE2, as a .doc)
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def attachment_page(doc, filename: str) -> Page:
    """A report file as the unit published it: written by Writer from the report
    (`replica/files/generate.py`, committed in `data/files/`)."""
    from importlib import resources

    try:
        body = resources.files("replica.data").joinpath("files", filename).read_bytes()
    except FileNotFoundError:  # before replica/files/generate.py has run (it builds the replica to know the files)
        return Page(b"not generated: python -m replica.files.generate\n", "text/plain", status=404)
    content_type = FILE_TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return Page(body, content_type, last_modified=http_date(doc.date))


def non_report_body(doc) -> str:
    return (
        '<div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">'
        f'<p style="text-align:center"><strong>{escape(doc.title)}</strong></p>'
        "<p>为进一步做好政府信息公开工作,根据《中华人民共和国政府信息公开条例》,现将有关事项告知如下。</p>"
        f"<p>一、本机关政府信息公开工作机构为{escape(doc.issuer)}办公室,办公时间为工作日上午9:00-12:00,下午14:00-18:00。</p>"
        "<p>二、申请人可通过网络、信函、当面等方式提出政府信息公开申请。</p>"
        f'<p style="text-align:right">{escape(doc.issuer)}</p></div>'
    )


def render_portal(pages: dict, builder, others: list[tuple[str, str]]) -> None:
    portal = builder.portal
    districts = [(n, u) for n, u in others if n != portal.name]
    sites = list(builder.sites.values())
    main = next(s for s in sites if s.prefix == "/" and bare_host(s.host) == bare_host(builder.main_host))

    def put(site, path: str, page: Page | Callable[[], Page]) -> None:
        if callable(page):
            pages.defer((bare_host(site.host), path), page)
        else:
            pages[(bare_host(site.host), path)] = page

    for site in sites:
        subsites = [(s.owner, f"http://{s.host}{s.prefix}") for s in sites if s is not main] if site is main else []
        news = [(f"{site.short}召开2025年政务公开工作推进会", f"{site.prefix}zwxx_{site.zwgk[5:] or '1'}/qxdt/202503/t20250312_{14400000 + len(site.prefix)}.html")]
        sections = [("政务公开", site.section_url), ("新闻动态", f"{site.prefix}zwxx/")]
        home = html_page(templates.home_page(site, sections, subsites, news, districts))
        put(site, site.prefix, home)
        put(site, site.prefix + "index.html", home)
        entries = [
            ("政府信息公开指南", site.section_url + "zfxxgkzn/"),
            ("政府信息公开制度", site.section_url + "zfxxgkzd/"),
            ("法定主动公开内容", site.section_url + "fdzdgknr/"),
            ("政府信息公开年报", site.column.path),
            ("政府信息公开目录", site.section_url + "zfxxgkml/"),
        ]
        section = html_page(templates.section_page(site, entries, districts))
        put(site, site.section_url, section)
        put(site, site.section_url + "index.html", section)
        for column in site.column.walk():
            render_column(put, site, column, districts)
    pages[(bare_host(builder.main_host), "/robots.txt")] = Page(ROBOTS, "text/plain")
    for site in sites:
        pages.setdefault((bare_host(site.host), "/robots.txt"), Page(ROBOTS, "text/plain"))


def listed_href(doc, column) -> str:
    """How a list links a document: relative, sometimes to its `_wap` copy, and in the lists
    that gather sub-columns with a tracking query, so one document has several addresses."""
    if doc.file_only:
        return relative(doc.listed_path, column.path)
    name = doc.wap_name if doc.listed_wap and doc.dir == column.path else doc.name
    query = "?from=zfxxgknb" if column.aggregate and doc.docid % 4 == 0 else ""
    return relative(doc.dir + doc.date[:6] + "/" + name, column.path) + query


def render_column(put, site, column, districts) -> None:
    docs = column.listed()
    pages = max(1, math.ceil(len(docs) / column.page_size))
    trail = [("政务公开", site.section_url), ("政府信息公开年报", site.column.path)]
    if column is not site.column:
        trail.append((column.name, column.path))
    tabs = [(c.name, relative(c.path, column.path)) for c in column.children if column.tabs_to_children]
    tabs += column.links
    for n in range(pages):
        chunk = docs[n * column.page_size : (n + 1) * column.page_size]
        entries = [(listed_href(d, column), d.title, d.publish_date) for d in chunk]
        page = html_page(templates.list_page(site, column, entries, n, pages, tabs, trail, districts))
        if n == 0:
            put(site, column.path, page)
            put(site, column.path + "index.html", page)
        else:
            put(site, f"{column.path}index_{n}.html", page)
    for doc in column.docs:
        month = f"{doc.dir}{doc.date[:6]}/"
        for filename in doc.files():
            put(site, month + filename, cache(lambda doc=doc, filename=filename: attachment_page(doc, filename)))
        if doc.file_only:
            continue
        detail = cache(lambda doc=doc: html_page(templates.detail_page(site, doc, body_html(doc), trail, districts), doc.date))
        put(site, month + doc.name, detail)  # one page, two addresses: made once
        put(site, month + doc.wap_name, detail)


def body_html(doc) -> str:
    """A detail page's body: the report its seed holds, or what the page says instead."""
    if doc.body_html:
        return doc.body_html
    if doc.seed:
        return render_body(load_report(doc.seed), issuer=doc.issuer, year=doc.year)
    return non_report_body(doc)
