"""The crawl every portal shares: root → 政务公开 → 年报 column → lists → reports, on any platform.

Links are followed for what they say (`crawler.navigation`): the disclosure section, the 年报
column, the 部门/镇街 lists and the units on them. A column's list is its links under the column's
folder, its report-titled links, and what the platform modules (`crawler.platforms`) read from its
scripts: further static pages, `<datastore>` records, list APIs. A list that exists only once its
script ran, and that no module can read, goes through the browser. Nothing else is followed: the
spider walks the way to the 年报 columns, not the site.

`select_portals` chooses the portals (a registry by default); each step's findings are counted
per portal (`self.steps`), so the summary can say where a portal's crawl found nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from hashlib import sha256
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy_playwright.page import PageMethod

from pipelines.extraction.pointer import only_points_to_its_file  # a page is judged as the reader reads it

from . import navigation as nav
from .errors import UserError
from .failures import describe_failure
from .items import HELD_PAGE_KEY, Attachment, CrawlFailure, ReportFile, ReportPage
from .platforms import ListRequest, chongqing, read_answer, read_list_page
from .portals import Portal, bare_host, load_registry
from .urls import canonical_url, document_address, extension

HINTS = {chongqing.NAME: chongqing}  # a registry's `platform` may name URL hints that go faster
MAX_HOPS = 3  # navigation pages between a (sub-)site's root and its 年报 column
MISSING = (404, 410)  # a listed article's own page not there: its linked spelling is asked for instead


class PortalSpider(scrapy.Spider):
    registry_name: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.portals: dict[str, Portal] = {p.name: p for p in self.select_portals(**kwargs)}
        # the hosts requests may go to: the portals' own, then the disclosure sub-domains they link
        self.hosts_in_scope: set[str] = {h for p in self.portals.values() for h in p.hosts}
        self.portal_hosts: dict[str, set[str]] = {p.name: set(p.hosts) for p in self.portals.values()}
        self.allowed_domains = sorted(self.hosts_in_scope)
        self.steps: dict[str, Counter] = StepCounts(self)
        # while a callback runs under crawler.frontier's journal: what it changes, noted here
        self.journal_changes: list | None = None

    def select_portals(self, **kwargs) -> list[Portal]:
        """The portals of this run; `kwargs` are the spider's `-a` arguments."""
        return load_registry(self.registry_name).select(kwargs.get("districts"))

    @classmethod
    def check_arguments(cls, **kwargs) -> None:
        """Raise `UserError` before a crawl starts when its `-a` arguments choose no portal."""
        try:
            portals = cls.__new__(cls).select_portals(**kwargs)
        except ValueError as error:  # a registry's "unknown portal(s): …"
            raise UserError(str(error)) from None
        if not portals:
            raise UserError("no portal to crawl")

    async def start(self):
        for portal in self.portals.values():
            yield self.follow(portal.root_url, portal, "home", self.parse_root, hops=0)

    # -- requests and scope -----------------------------------------------------------------

    def follow(self, url: str, portal: Portal, kind: str, callback, **meta) -> scrapy.Request:
        render = {"render": True} if kind in portal.render else {}
        return scrapy.Request(url, callback=callback, errback=self.on_error,
                              meta={"portal": portal.name, "kind": kind, **render, **meta})

    def owns(self, portal: Portal, url: str) -> bool:
        return bare_host(urlsplit(url).hostname or "") in self.portal_hosts[portal.name]

    def reachable(self, portal: Portal, url: str) -> bool:
        """On the portal's hosts, or on a host under its domain (`xxgk.`, `zfxxgk.` …); never a sibling."""
        host = bare_host(urlsplit(url).hostname or "")
        return host in self.portal_hosts[portal.name] or any(host.endswith("." + h) for h in portal.hosts)

    def admit(self, portal: Portal, url: str) -> None:
        """A disclosure sub-domain the portal links for the way in joins the crawl's scope."""
        host = bare_host(urlsplit(url).hostname or "")
        if host not in self.portal_hosts[portal.name]:
            self.logger.info("%s: %s joins the scope (linked by the portal for disclosure)", portal.name, host)
            self.portal_hosts[portal.name].add(host)
            self.hosts_in_scope.add(host)
            if self.journal_changes is not None:
                self.journal_changes.append(("host", portal.name, host))

    def apply_changes(self, changes: list) -> None:
        """What a journaled callback changed in the spider (`crawler.frontier`), done again."""
        for kind, portal, value in changes:
            if kind == "host":
                self.portal_hosts[portal].add(value)
                self.hosts_in_scope.add(value)
            else:
                self.steps[portal][kind] += value

    def portal_of(self, response: Response) -> Portal:
        return self.portals[response.meta["portal"]]

    def links(self, response: Response, portal: Portal, reach: bool = False) -> list[nav.Link]:
        check = self.reachable if reach else self.owns
        return [link for link in nav.page_links(response) if check(portal, link.url)]

    # -- the way in ---------------------------------------------------------------------------

    def parse_root(self, response: Response):
        """A root given by the user may be a home page, a 政务公开 page or the 年报 column itself."""
        if not isinstance(response, TextResponse):
            return
        self.steps[self.portal_of(response).name]["home"] += 1
        yield from self.parse_navigation(response)

    def is_report_column_page(self, response: TextResponse) -> bool:
        heading = " ".join(response.css("title::text, h1::text, .CurrChnlCls::text").getall())
        parts = [nav.compact(p) for p in heading.replace("_", "|").replace("-", "|").split("|")]
        return any(nav.names_report_column(p) for p in parts if p)

    def parse_navigation(self, response: Response):
        """A home page, a sub-site, a 政务公开 page or a 部门/镇街 list: follow what names the way in."""
        if not isinstance(response, TextResponse):
            return
        portal = self.portal_of(response)
        unit, hops, kind = response.meta.get("unit", ""), response.meta.get("hops", 0), response.meta["kind"]
        if self.is_report_column_page(response) or any(  # a root, a unit's link or a section that is the column
                not r.anchors and r.requests for r in self.read_list_page(response)):  # or a catalogue whose API lists it
            self.steps[portal.name]["columns"] += 1
            response.meta.update(column=column_base(response.url), page=0)
            yield from self.parse_column(response)
            return
        hints = HINTS.get(portal.platform)
        links = self.links(response, portal, reach=True)
        columns = [link for link in links if self.is_column_link(link, hints)]
        for link in columns:
            self.admit(portal, link.url)
            self.steps[portal.name]["columns"] += 1
            yield self.follow(link.url, portal, "list", self.parse_column, page=0, unit=unit,
                              column=column_base(link.url), fragment=link.fragment)
        if hops >= MAX_HOPS:
            return
        for link in links:
            if not columns and nav.names_disclosure(link.label):
                self.admit(portal, link.url)
                self.steps[portal.name]["sections"] += 1
                yield self.follow(link.url, portal, "navigation", self.parse_navigation, unit=unit, hops=hops + 1,
                                  role="section")
            elif not unit and (nav.names_unit_list(link.label) or (  # 部门, 镇街, 机构设置 …
                    # the catalogue's unit tree, when the portal's own navigation showed no units
                    nav.names_catalogue(link.label) and not self.steps[portal.name]["units"])):
                self.admit(portal, link.url)
                yield self.follow(link.url, portal, "navigation", self.parse_navigation, hops=hops + 1, role="units")
            elif not unit and response.meta.get("role") in ("units", "section") and nav.names_unit(link.label):
                yield from self.enter_unit(portal, link)
            elif kind == "home" and hints and hints.subsite_root(link.url):
                yield from self.enter_unit(portal, link)

    def enter_unit(self, portal: Portal, link: nav.Link):
        self.admit(portal, link.url)
        self.steps[portal.name]["units"] += 1
        yield self.follow(link.url, portal, "subsite", self.parse_navigation, unit=link.label, hops=0)

    def is_column_link(self, link: nav.Link, hints) -> bool:
        if nav.looks_like_file(link) or nav.names_report(link.label):
            return False
        if nav.names_report_column(link.label):
            return True
        # a hint: the platform's column URL, its link unlabelled or named by a shorter word
        return bool(hints and hints.column(link.url)) and (
            not link.label or ("年报" in link.label or "年度报告" in link.label) and not nav.is_decoy(link.label))

    # -- lists ----------------------------------------------------------------------------------

    def parse_column(self, response: Response):
        """A list page of a 年报 column: its items, sub-columns, further pages and list requests."""
        if not isinstance(response, TextResponse):
            return
        portal = self.portal_of(response)
        base, page = response.meta.get("column"), response.meta.get("page", 0)
        readings = self.read_list_page(response) if page == 0 else []
        found = 0
        if all(reading.anchors for reading in readings):
            for link in self.links(response, portal, reach=True):
                request = self.column_link(response, portal, link, base)
                if request is not None:
                    found += 1
                    yield request
        for reading in readings:
            found += len(reading.items) + len(reading.requests)
            yield from self.list_entries(response, portal, reading.items)
            yield from self.list_requests(response, portal, reading.requests)
        if page == 0 and not found:
            yield from self.render_list(response, portal)

    def read_list_page(self, response: Response):
        """The platform modules' readings; `NIANBAO_LIST_READERS` (module names) limits which are asked."""
        names = self.settings.getlist("NIANBAO_LIST_READERS") if self.settings.get("NIANBAO_LIST_READERS") else None
        return read_list_page(response, names)

    def column_link(self, response: Response, portal: Portal, link: nav.Link, base: str | None):
        under = nav.is_under(link.url, base) if base else False
        if link.url == response.url:
            return None
        if nav.looks_like_file(link) or nav.looks_like_article(link):
            if under or nav.names_report(link.label):
                return self.list_entry(response, portal, link.url, link.label)
            return None
        number = nav.pager_number(link)
        if under and number is not None and self.owns(portal, link.url):
            return self.follow(link.url, portal, "list", self.parse_column, page=number, column=base,
                               unit=response.meta.get("unit", ""))
        if under or nav.year_of_column(link.label) or nav.names_report_column(link.label):
            self.admit(portal, link.url)
            if not under:
                self.steps[portal.name]["columns"] += 1
            return self.follow(link.url, portal, "list", self.parse_column, page=0, unit=response.meta.get("unit", ""),
                               column=base if under else column_base(link.url))
        return None

    def list_entries(self, response: Response, portal: Portal, items):
        for url, title in items:
            if self.reachable(portal, url):
                request = self.list_entry(response, portal, url, title)
                if request is not None:
                    yield request

    def list_entry(self, response: Response, portal: Portal, url: str, title: str):
        """An item of a report column: a page (a report or not: the title on the page decides), a file
        named as a report (a report published only as a file), or another file of the column."""
        url = url.split("#", 1)[0]  # an API's `post_N.html#2629`: the fragment names a catalogue, not a page
        self.admit(portal, url)  # a column may list its items on a disclosure host under the portal's domain
        column_url = response.meta.get("list_page_url") or response.url
        meta = {"listed_title": title, "column_url": column_url, "unit": response.meta.get("unit", "")}
        self.steps[portal.name]["list_items"] += 1
        if extension(url) in nav.FILE_EXTENSIONS:
            kind = "file" if extension(url) in nav.REPORT_FILE_EXTENSIONS and nav.names_report(title) else "attachment"
            return self.follow(url, portal, kind, self.parse_file, parent_url=column_url, name=title, **meta)
        address = document_address(url)
        if address != url:  # its own page first; the spelling the list linked if that one is missing
            meta["linked_url"] = url
        return self.follow(address, portal, "report", self.parse_report, **meta)

    def list_requests(self, response: Response, portal: Portal, requests: list[ListRequest]):
        meta = {"unit": response.meta.get("unit", ""), "column": response.meta.get("column"),
                "list_page_url": response.meta.get("list_page_url") or response.url}
        for spec in requests:
            if not self.owns(portal, spec.url):
                continue
            if not spec.reader:  # a static page of the same list
                yield self.follow(spec.url, portal, "list", self.parse_column, page=spec.page, **meta)
                continue
            request = self.follow(spec.url, portal, "list", self.parse_answer, page=spec.page,
                                  list_reader=spec.reader, list_meta=spec.meta, **meta)
            if spec.method == "POST":
                request = scrapy.FormRequest(spec.url, formdata=spec.formdata or {}, callback=self.parse_answer,
                                             errback=self.on_error, meta=request.meta,
                                             headers={"X-Requested-With": "XMLHttpRequest", "Referer": meta["list_page_url"]})
            yield request

    def parse_answer(self, response: Response):
        """What a list API answered (a platform module reads it)."""
        if not isinstance(response, TextResponse):
            return
        portal = self.portal_of(response)
        reading = read_answer(response)
        yield from self.list_entries(response, portal, reading.items)
        yield from self.list_requests(response, portal, reading.requests)

    def render_list(self, response: Response, portal: Portal):
        """A 年报 column that lists nothing, that no platform module reads, and that runs scripts: its list
        may exist only once they ran. It is opened once in the browser, and read again."""
        if (response.meta.get("rendered") or "playwright" in response.meta
                or not self.settings.getbool("NIANBAO_BROWSER", True) or "<script" not in response.text.lower()):
            if not response.meta.get("rendered"):
                self.steps[portal.name]["empty_lists"] += 1
            return
        self.steps[portal.name]["rendered_lists"] += 1
        request = self.follow(response.url, portal, "list", self.parse_column, page=0, render=True, rendered=True,
                              column=response.meta.get("column"), unit=response.meta.get("unit", ""),
                              # the list comes from the script's own requests: wait until they are done
                              playwright_page_methods=[PageMethod("wait_for_load_state", "networkidle")])
        yield request.replace(dont_filter=True)

    # -- documents ----------------------------------------------------------------------------

    def parse_report(self, response: Response):
        portal = self.portal_of(response)
        if not isinstance(response, TextResponse):  # a link that turned out to be a file
            yield from self.parse_file(response)
            return
        # each file once (a pointer page may link its file from the body and from its attachment list)
        files = list({link.url: link for link in self.links(response, portal) if nav.looks_like_file(link)}.values())
        page = ReportPage(**self.found(response, portal), html=response.text, attachment_urls=[f.url for f in files])
        pointed = self.pointed_file(response, files)
        for link in files:
            request = self.follow(link.url, portal, "attachment", self.parse_file, parent_url=response.url,
                                  name=link.label, unit=response.meta.get("unit", ""))
            if link is pointed:  # the page waits for its file; the file's answer or failure yields it
                # never dropped as a duplicate (a page's _wap copy, a list linking the same file):
                # a dropped request calls no errback, and the page would be lost
                request = request.replace(dont_filter=True, meta={**request.meta, HELD_PAGE_KEY: page})
            yield request
        if pointed is None:
            yield page

    @staticmethod
    def pointed_file(response: Response, files: list[nav.Link]) -> nav.Link | None:
        """The one report file of a page whose body only points to it ("详见附件"), as the page
        reader reads the body; None for any other page. A page the browser rendered is read as it
        is: re-extraction reads its DOM apart from the files."""
        reports = [link for link in files if link.extension in nav.REPORT_FILE_EXTENSIONS]
        if len(reports) != 1 or "playwright" in response.meta:
            return None
        return reports[0] if only_points_to_its_file(response.text, response.url) else None

    @staticmethod
    def found(response: Response, portal: Portal) -> dict:
        """What a candidate report carries of where it was found."""
        return {"url": response.url, "canonical_url": canonical_url(response.url), "portal": portal.name,
                "portal_code": portal.code, "listed_title": response.meta.get("listed_title", ""),
                "column_url": response.meta.get("column_url", ""), "unit": response.meta.get("unit", "")}

    def parse_file(self, response: Response):
        """A file: archived as an attachment, and a candidate report of kind `file`."""
        portal = self.portal_of(response)
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        title = response.meta.get("listed_title") or response.meta.get("name", "")
        yield Attachment(
            url=response.url,
            canonical_url=canonical_url(response.url),
            parent_url=response.meta.get("parent_url", ""),
            portal=portal.name,
            name=response.meta.get("name", "") or response.url.rsplit("/", 1)[-1],
            content_type=content_type or extension(response.url),
            size=len(response.body),
            sha256=sha256(response.body).hexdigest(),
        )
        # a file may be a report (a PDF listed under a report's title, a page's 全真版): the
        # extraction pipeline reads it and keeps it if it is one
        yield ReportFile(**{**self.found(response, portal), "listed_title": title},
                         body=response.body, content_type=content_type, parent_url=response.meta.get("parent_url", ""),
                         page=response.meta.get(HELD_PAGE_KEY))

    def on_error(self, failure):
        request = failure.request
        linked = request.meta.get("linked_url")
        if linked and failure.check(HttpError) and failure.value.response.status in MISSING:
            # the article's own page is missing where the list linked its `_wap` copy or a query: that one
            self.logger.info("%s: missing (%s); the listed %s instead", request.url, failure.value.response.status, linked)
            listed = {k: request.meta[k] for k in ("listed_title", "column_url", "unit") if k in request.meta}
            yield self.follow(linked, self.portals[request.meta["portal"]], "report", self.parse_report,
                              **listed).replace(dont_filter=True)  # the same document to the duplicate filter
            return
        reason, action = describe_failure(failure)
        self.logger.info("failed %s: %s (%s)", request.url, reason, action)
        yield CrawlFailure(
            url=request.url,
            portal=request.meta.get("portal", ""),
            reason=reason,
            action=action,
            kind=request.meta.get("kind", ""),
        )
        held = request.meta.get(HELD_PAGE_KEY)
        if held is not None:  # a page that only points to its file, whose file never came: the page as it is
            yield held


class StepCounts(defaultdict):
    """portal → Counter of its steps, each increase also noted in the spider's `journal_changes`
    while a journaled callback runs."""

    def __init__(self, spider: PortalSpider):
        super().__init__()
        self.spider = spider

    def __missing__(self, portal: str) -> Counter:
        counter = self[portal] = NotedCounter(self.spider, portal)
        return counter


class NotedCounter(Counter):
    def __init__(self, spider: PortalSpider, portal: str):
        super().__init__()
        self.spider, self.portal = spider, portal

    def __setitem__(self, step: str, count: int) -> None:
        if self.spider.journal_changes is not None:
            self.spider.journal_changes.append((step, self.portal, count - self[step]))
        super().__setitem__(step, count)

    def __reduce__(self):  # a plain Counter when copied or pickled
        return Counter, (dict(self),)


def column_base(url: str) -> str | None:
    """The folder whose pages belong to a column; None when the column sits at a site's root
    (then nothing is taken for its folder alone)."""
    directory = nav.directory_of(url)
    return None if directory.endswith(f"{urlsplit(url).netloc.lower()}/") else directory
