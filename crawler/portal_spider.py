"""The crawl logic every portal group shares: home → 政务公开 → 年报 column → lists → reports.

A subclass names its registry; the platform's URL rules come from `crawler.urls`. Columns are
found from each site's own navigation, never from hard-coded column ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from hashlib import sha256

import scrapy
from scrapy.http import Response, TextResponse

from .failures import describe_failure
from pipelines.extraction.files.sniff import file_type

from .items import Attachment, CrawlFailure, ReportFile, ReportPage
from .portals import Portal, load_registry
from .urls import (
    PLATFORM_RULES,
    canonical_url,
    column_page_url,
    extension,
    in_report_column,
    is_article,
    is_attachment,
    is_column_page,
    is_subsite_root,
    segments,
)

PAGE_COUNT = re.compile(r"createPage(?:HTML)?\s*\(\s*['\"]?(\d+)")
MAX_LIST_PAGES = 200  # a column that claims more pages than this is a trap, not an archive


def link_text(anchor) -> str:
    """A link's label: its title attribute (lists truncate long titles) or its text."""
    title = (anchor.attrib.get("title") or "").strip()
    text = " ".join("".join(anchor.css("::text").getall()).split())
    return title if len(title) > len(text) else text


class PortalSpider(scrapy.Spider):
    registry_name: str = ""

    def __init__(self, districts: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        registry = load_registry(self.registry_name)
        self.rules = PLATFORM_RULES[registry.platform]
        self.portals: dict[str, Portal] = {p.name: p for p in registry.select(districts)}
        self.allowed_domains = sorted({h for p in self.portals.values() for h in p.hosts})

    async def start(self):
        for portal in self.portals.values():
            yield self.follow(portal.root_url, portal, "home", self.parse_home)

    # -- requests -------------------------------------------------------------------------

    def follow(self, url: str, portal: Portal, kind: str, callback, **meta) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta={"portal": portal.name, "kind": kind, **({"render": True} if kind in portal.render else {}), **meta},
        )

    def links(self, response: Response, portal: Portal) -> Iterator[tuple[str, str]]:
        """(absolute URL, label) of the page's links that stay on the portal's hosts."""
        for anchor in response.css("a[href]"):
            href = anchor.attrib["href"].strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = response.urljoin(href).split("#", 1)[0]
            if url.startswith("http") and portal.owns(url):
                yield url, link_text(anchor)

    def portal_of(self, response: Response) -> Portal:
        return self.portals[response.meta["portal"]]

    # -- navigation -----------------------------------------------------------------------

    def parse_home(self, response: Response):
        """A portal or sub-site home: find 政务公开, report columns and sub-sites."""
        portal = self.portal_of(response)
        for url, label in self.links(response, portal):
            if self.is_disclosure_section(url, label):
                yield self.follow(url, portal, "navigation", self.parse_section)
            elif is_column_page(url, self.rules):
                yield self.follow(url, portal, "list", self.parse_column, page=0)
            elif is_subsite_root(url, self.rules) and response.meta["kind"] == "home":
                # sub-sites are listed on the district's home (部门街镇); a sub-site's own
                # links of that shape are its other sections
                yield self.follow(url, portal, "subsite", self.parse_home)

    def is_disclosure_section(self, url: str, label: str) -> bool:
        segs = segments(url)
        if segs and re.match(r"^index\.s?html?$", segs[-1]):
            segs = segs[:-1]
        return bool(segs) and bool(self.rules.disclosure_section.match(segs[-1])) and any(
            w in label for w in self.rules.disclosure_words
        )

    def parse_section(self, response: Response):
        """The 政务公开 page: the report column is the link named 政府信息公开年报."""
        portal = self.portal_of(response)
        for url, label in self.links(response, portal):
            if is_column_page(url, self.rules) and (
                any(w in label for w in self.rules.report_column_words) or not label
            ):
                yield self.follow(url, portal, "list", self.parse_column, page=0)

    def parse_column(self, response: Response):
        """A list page of a report column: reports, sub-columns, sub-site columns, more pages."""
        portal = self.portal_of(response)
        for url, label in self.links(response, portal):
            if not in_report_column(url, self.rules):
                continue
            if is_article(url, self.rules):
                yield self.follow(url, portal, "report", self.parse_report, listed_title=label, column_url=response.url)
            elif is_attachment(url, self.rules):
                yield self.follow(url, portal, "attachment", self.parse_attachment, parent_url=response.url, name=label)
            elif is_column_page(url, self.rules):
                yield self.follow(url, portal, "list", self.parse_column, page=0)
        if response.meta.get("page") == 0:
            yield from self.more_pages(response, portal)

    def more_pages(self, response: Response, portal: Portal):
        match = PAGE_COUNT.search(response.text)
        if not match:
            return
        count = int(match.group(1))
        if count > MAX_LIST_PAGES:
            self.logger.warning("%s claims %d list pages; following the first %d", response.url, count, MAX_LIST_PAGES)
            count = MAX_LIST_PAGES
        for page in range(1, count):
            yield self.follow(column_page_url(response.url, page), portal, "list", self.parse_column, page=page)

    # -- documents ------------------------------------------------------------------------

    def parse_report(self, response: Response):
        portal = self.portal_of(response)
        if not isinstance(response, TextResponse):
            # a report published as a file only: an attachment of its column, and a document
            yield from self.parse_attachment(response)
            return
        attachments = []
        for url, label in self.links(response, portal):
            if is_attachment(url, self.rules):
                attachments.append(url)
                yield self.follow(url, portal, "attachment", self.parse_attachment, parent_url=response.url, name=label)
        yield ReportPage(
            url=response.url,
            canonical_url=canonical_url(response.url),
            portal=portal.name,
            portal_code=portal.code,
            html=response.text,
            listed_title=response.meta.get("listed_title", ""),
            column_url=response.meta.get("column_url", ""),
            attachment_urls=attachments,
        )

    def parse_attachment(self, response: Response):
        portal = self.portal_of(response)
        yield Attachment(
            url=response.url,
            canonical_url=canonical_url(response.url),
            parent_url=response.meta.get("parent_url", ""),
            portal=portal.name,
            name=response.meta.get("name", "") or response.url.rsplit("/", 1)[-1],
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1")
            or extension(response.url),
            size=len(response.body),
            sha256=sha256(response.body).hexdigest(),
        )
        if file_type(response.body):  # a report file (PDF, Word, WPS): read as a document too
            declared = (response.headers.get("Content-Type") or b"").decode("latin-1")
            yield ReportFile(response.url, canonical_url(response.url), portal.name, portal.code, response.body, declared,
                             listed_title=response.meta.get("name", ""), parent_url=response.meta.get("parent_url", ""))

    def on_error(self, failure):
        request = failure.request
        reason, action = describe_failure(failure)
        self.logger.info("failed %s: %s (%s)", request.url, reason, action)
        yield CrawlFailure(
            url=request.url,
            portal=request.meta.get("portal", ""),
            reason=reason,
            action=action,
            kind=request.meta.get("kind", ""),
        )
