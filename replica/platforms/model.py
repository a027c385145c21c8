"""What every replica platform is built from: the documents of a 年报 column, and what a crawl
of the built portal must find (its reports, its non-reports, the hosts it may visit).

A platform module (`trs_classic`, `hanweb`, `gkmlpt`…) decides where documents live and how its
pages look; the documents themselves — reports of several units and years, the 指南, 通知,
工作要点 and news filed beside them, reports published only as a file — come from here, so that
every platform is measured against the same kind of column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from crawler.portals import Portal, bare_host
from crawler.urls import canonical_url

from ..pages import Page, Pages, attachment_page, iso_date
from ..reports import load_report, render_body

# The title shapes real portals give their reports (reference/platforms.md, "Reports").
TITLE_SHAPES = (
    "{unit}{year}年政府信息公开工作年度报告",
    "{unit}{year}年度政府信息公开工作报告",
    "{year}年{unit}政府信息公开年报",
    "{unit}关于{year}年政府信息公开工作的年度报告",
)


def stable(text: str, mod: int) -> int:
    """A number from a text, the same on every run: the replica is generated deterministically."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % mod


@dataclass
class Doc:
    """One item of a column: a page, or a file the list links directly."""

    host: str
    path: str
    title: str
    issuer: str
    date: str  # yyyymmdd of publication
    docid: int
    year: int | None = None  # the year reported on; None: not a report
    seed: str | None = None  # the seed report whose text it carries (a file's: see replica/files/generate.py)
    kind: str = "page"  # page, or the extension of a report published only as a file

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"

    @property
    def publish_date(self) -> str:
        return iso_date(self.date)

    @property
    def is_file(self) -> bool:
        return self.kind != "page"

    def body_html(self) -> str:
        if self.seed is None:
            return notice_body(self)
        return render_body(load_report(self.seed), issuer=self.issuer, year=self.year)

    def file_page(self) -> Page:
        return attachment_page(self, self.path.rsplit("/", 1)[-1])


def notice_body(doc: Doc) -> str:
    return (
        f'<p style="text-align:center"><strong>{doc.title}</strong></p>'
        "<p>为进一步做好政府信息公开工作,根据《中华人民共和国政府信息公开条例》,现将有关事项告知如下。</p>"
        f"<p>一、本机关政府信息公开工作机构为{doc.issuer}办公室,办公时间为工作日上午9:00-12:00,下午14:00-18:00。</p>"
        "<p>二、申请人可通过网络、信函、当面等方式提出政府信息公开申请。</p>"
        f'<p style="text-align:right">{doc.issuer}</p>'
    )


@dataclass
class Unit:
    """A unit that publishes reports: the government, its office, a department, a township."""

    name: str  # the issuer as its reports name it
    label: str  # what navigation calls it (区科技局, 东丽镇)
    slug: str
    years: tuple[int, ...]
    seed: str
    files: tuple[int, ...] = ()  # years published only as a PDF/DOC/WPS file
    seed_year: int | None = None  # the year whose report is the seed itself, under its own title


def report_title(unit: Unit, year: int) -> str:
    if year == unit.seed_year:
        return load_report(unit.seed)["title"]
    return TITLE_SHAPES[stable(f"{unit.name}{year}", len(TITLE_SHAPES))].format(unit=unit.name, year=year)


def publication_date(key: str, year: int) -> str:
    """Reports come out January–March after the year they report on."""
    return f"{year + 1}{1 + stable(key, 3):02d}{10 + stable(key + 'd', 18):02d}"


class Numbering:
    """Document ids of one portal: one rising sequence, as a CMS hands them out."""

    def __init__(self, start: int):
        self.next = start

    def __call__(self) -> int:
        self.next += 7 + self.next % 5
        return self.next


def reports_of(unit: Unit, place: Callable[[Doc], str], host: str, ids: Numbering) -> list[Doc]:
    """Every report of a unit; `place` gives a document its path on the platform."""
    docs = []
    for year in unit.years:
        kind = ("pdf", "doc", "wps")[year % 3] if year in unit.files else "page"
        doc = Doc(host, "", report_title(unit, year), unit.name, publication_date(unit.name + str(year), year),
                  ids(), year, unit.seed, kind)
        doc.path = place(doc)
        docs.append(doc)
    return docs


def non_reports_of(owner: str, short: str, place: Callable[[Doc], str], host: str, ids: Numbering) -> list[Doc]:
    """What real columns file beside the reports: a 指南, a 通知 about the reports, a 工作要点,
    a news item (reference/platforms.md: Pingtan's letter, Ordos's meeting news)."""
    items = [
        (f"{owner}政府信息公开指南", "20240110"),
        ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "20231205"),
        (f"{short}2024年政务公开工作要点", "20240412"),
        (f"{short}召开2023年度政务公开工作推进会", "20240118"),
        (f"关于{owner}2022年政府信息公开年度报告的解读", "20230306"),
    ]
    docs = []
    for title, date in items:
        doc = Doc(host, "", title, owner, date, ids())
        doc.path = place(doc)
        docs.append(doc)
    return docs


@dataclass
class BuiltPortal:
    """A replica portal once built: its pages, its dynamic answers, and the truth about it."""

    portal: Portal
    platform: str
    docs: list[Doc] = field(default_factory=list)
    # (bare host, path) → page; a report's page is made when first asked for (`Pages`): a crawl of
    # the offline portal builds every platform and reads none of them unless it crawls them
    pages: Pages = field(default_factory=Pages)
    # (bare host, path) → answer(request) for what a script asks: list APIs, proxies
    endpoints: dict[tuple[str, str], Callable] = field(default_factory=dict)
    source: str = ""  # where the platform's shapes come from (see data/PROVENANCE.md)

    def put(self, url_or_host: str, path: str | None = None, page: Page | Callable[[], Page] | None = None) -> None:
        """A page, or how to make it when first asked for."""
        if path is None:
            parts = urlsplit(url_or_host)
            url_or_host, path = parts.hostname, parts.path or "/"
        if callable(page):
            self.pages.defer((bare_host(url_or_host), path), page)
        else:
            self.pages[(bare_host(url_or_host), path)] = page

    @property
    def hosts(self) -> frozenset[str]:
        """The hosts a crawl of this portal may visit: the portal's own (see its registry entry)."""
        return self.portal.hosts

    def expected_reports(self) -> dict[str, dict]:
        """canonical URL → what the crawl must find, for every report the portal serves."""
        return {canonical_url(d.url): {"portal": self.portal.name, "title": d.title, "year": d.year,
                                       "issuer": d.issuer, "publish_date": d.publish_date, "file": d.is_file}
                for d in self.docs if d.year is not None}

    def not_reports(self) -> set[str]:
        return {canonical_url(d.url) for d in self.docs if d.year is None}


@dataclass(frozen=True)
class Request:
    """What an endpoint is asked: the query and, for a POST, the form fields (first value each)."""

    method: str
    query: dict[str, str]
    form: dict[str, str]

    def arg(self, name: str, default: str = "") -> str:
        return self.form.get(name, self.query.get(name, default))
