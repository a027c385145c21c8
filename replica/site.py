"""The replica's content: the Chongqing portals rebuilt from real evidence.

Every real report URL of `data/chongqing_report_urls.tsv` (district level) is served at its own
path, under the sub-site and column it shows; around it stand what real portals have: a home
page with its 部门街镇 links, the 政务公开 page, the 年报 column with sub-columns, older reports
of the same units, list pages paged by `createPage`, `_wap` copies, attachments, pages that are
not reports (指南, 通知), and a portal that does not answer. Report bodies are the real texts of
`data/seeds/` (see `replica.reports`). Everything is generated the same way on every run.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib import resources
from urllib.parse import urlsplit

from crawler.portals import Portal, bare_host, load_registry
from crawler.urls import PLATFORM_RULES

from . import hostile
from . import pages as rendering
from .platforms import build_platforms

RULES = PLATFORM_RULES["chongqing"]
DEAD_PORTALS = ("巫山县",)  # in the registry, served by nobody: its crawl must fail cleanly
STYLES = {"合川区": "hc", "大渡口区": "ddk", "万州区": "wz", "铜梁区": "cqstl", "开州区": "none", "璧山区": "bishan"}
# docids are one sequence across Chongqing: roughly where it stood each January
DOCID_BASE = {2020: 7_580_000, 2021: 8_760_000, 2022: 10_300_000, 2023: 11_500_000, 2024: 12_800_000,
              2025: 14_150_000, 2026: 15_310_000}
BISHAN_DEPARTMENTS = [("qfzggw", "区发展改革委"), ("qczj", "区财政局"), ("qrlsbj", "区人力社保局"),
                      ("qghzrzyj", "区规划自然资源局"), ("qstj", "区生态环境局"), ("qzjw", "区住房城乡建委"),
                      ("qjtj", "区交通局"), ("qslj", "区水利局"), ("qnyncw", "区农业农村委"), ("qswj", "区商务委"),
                      ("qwsjkw", "区卫生健康委"), ("qyjj", "区应急局")]
ZONE_PREFIX = {"两江新区": "重庆两江新区", "重庆高新区": "重庆高新区", "万盛经开区": "重庆市万盛经开区"}


def issuer_name(portal: Portal, unit: str) -> str:
    region = ZONE_PREFIX.get(portal.name, "重庆市" + portal.name)
    if unit in ("区政府", "县政府", "管委会"):
        return region + ("管理委员会" if portal.level == "zone" else "人民政府")
    if unit.endswith("政府办公室"):
        return region + "人民政府办公室"
    if unit == "管委会办公室":
        return region + "管理委员会办公室"
    if unit.endswith(("镇", "乡")):
        return region + unit + "人民政府"
    if unit[0] in "区县" and len(unit) > 2:
        unit = unit[1:]
    return region + unit


REPORT_FILE_TYPES = ("pdf", "doc", "docx", "wps")
# Reports published as files (their files are written by replica/files/generate.py and committed
# in data/files/): "only" — the column links the file, there is no page; "attached" — the page
# has the report's text and links its 全真版 file; "pointer" — the page's body only says 详见附件
# and names the file it links. None of the reports edition 2 changes (replica/editions.py) is
# file-only: it edits their pages.
FILE_REPORTS = {
    ("合川区", "重庆市合川区科学技术局", 2019): ("only", "pdf"),
    ("北碚区", "重庆市北碚区人民政府", 2020): ("only", "docx"),
    ("大渡口区", "重庆市大渡口区科技局", 2019): ("only", "wps"),
    ("大渡口区", "重庆市大渡口区人民政府", 2024): ("only", "doc"),
    ("合川区", "重庆市合川区科学技术局", 2020): ("attached", "pdf"),
    ("大渡口区", "重庆市大渡口区科技局", 2020): ("attached", "doc"),
    ("璧山区", "重庆市璧山区教委", 2020): ("attached", "pdf"),
    ("合川区", "重庆市合川区合川工业园区管委会", 2020): ("pointer", "pdf"),
}


@dataclass
class Doc:
    host: str
    dir: str  # the column's path, ending with /
    date: str  # yyyymmdd of publication
    docid: int
    title: str
    issuer: str
    year: int | None  # report year; None for pages that are not reports
    seed: str | None
    real: bool = False
    attachments: list[tuple[str, str]] = field(default_factory=list)
    listed_wap: bool = False
    body_html: str = ""
    file_only: str = ""  # a report published only as a file of this type: the list links the file
    file_seed: str | None = None  # the report its files hold, when the page's own text is not it
    extra_files: list[str] = field(default_factory=list)  # paths of files of this report served elsewhere (hostile.py)
    pointer: bool = False  # the page's body only points to its one report file: one document, the file's text
    file_gone: bool = False  # its attachments' links answer 404, as links to deleted files do

    @property
    def file_name(self) -> str:
        """The name the platform gives a file of this document (its extension added)."""
        return f"W0{self.date}{self.docid % 1000000:06d}"

    def files(self) -> list[str]:
        """The report files of this document that stand beside it: its file-only form and its
        report attachments."""
        names = [f"{self.file_name}.{self.file_only}"] if self.file_only else []
        if self.file_gone:
            return names
        return names + [f for _, f in self.attachments if f.rsplit(".", 1)[-1] in REPORT_FILE_TYPES]

    def point_to_file(self, ext: str, body_html: str) -> None:
        """The page's body only points to its file; the file holds the report the page would have."""
        self.attachments.append((f"{self.title}.{ext}", f"{self.file_name}.{ext}"))
        self.file_seed, self.seed = self.seed, None
        self.body_html = body_html
        self.pointer = True

    @property
    def listed_path(self) -> str:
        return f"{self.dir}{self.date[:6]}/{self.file_name}.{self.file_only}" if self.file_only else self.path

    @property
    def name(self) -> str:
        return f"t{self.date}_{self.docid}.html"

    @property
    def wap_name(self) -> str:
        return f"t{self.date}_{self.docid}_wap.html"

    @property
    def path(self) -> str:
        return f"{self.dir}{self.date[:6]}/{self.name}"

    @property
    def publish_date(self) -> str:
        return rendering.iso_date(self.date)

    @property
    def pub_time(self) -> str:
        return f"{9 + self.docid % 8:02d}:{self.docid % 60:02d}"

    @property
    def source(self) -> str:
        return self.issuer

    @property
    def index_no(self) -> str:
        return f"11500{self.docid % 1000:03d}00{self.docid % 97:02d}X/{self.date[:4]}-{self.docid % 100000:05d}"


@dataclass
class Column:
    path: str
    name: str
    children: list["Column"] = field(default_factory=list)
    docs: list[Doc] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # tabs to columns elsewhere
    aggregate: bool = False  # lists the documents of its sub-columns too, as TRS columns can
    tabs_to_children: bool = True
    page_size: int = 15

    def child(self, seg: str, name: str) -> "Column":
        for c in self.children:
            if c.path.endswith(f"/{seg}/"):
                return c
        col = Column(f"{self.path}{seg}/", name)
        self.children.append(col)
        return col

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def listed(self) -> list[Doc]:
        docs = [d for c in self.walk() for d in c.docs] if self.aggregate else list(self.docs)
        return sorted(docs, key=lambda d: (d.date, d.docid), reverse=True)


@dataclass
class Site:
    host: str
    prefix: str
    name: str
    short: str
    owner: str
    zwgk: str
    root_segs: tuple[str, ...]
    style: str
    site_code: str
    icp: str
    police: str
    column: Column = None  # type: ignore[assignment]

    @property
    def home(self) -> str:
        return self.prefix

    @property
    def section_url(self) -> str:
        return f"{self.prefix}{self.zwgk}/"

    def __post_init__(self):
        self.column = Column(self.section_url + "".join(s + "/" for s in self.root_segs), "政府信息公开年报")


@dataclass
class Replica:
    pages: rendering.Pages = field(default_factory=rendering.Pages)
    portals: list[Portal] = field(default_factory=list)
    dead: list[Portal] = field(default_factory=list)
    docs: list[tuple[Portal, Doc]] = field(default_factory=list)
    # hostile pages (see `replica.hostile`): (bare host, path) → handler, and path patterns
    hostile: dict = field(default_factory=dict)
    hostile_patterns: list = field(default_factory=list)
    hostile_cases: dict[str, str] = field(default_factory=dict)  # case name → the URL that serves it
    # the portals of the other platforms (`replica.platforms`), each with its own truth
    platforms: list = field(default_factory=list)
    # (bare host, path) → answer(request): what the platforms' scripts ask for (list APIs, proxies)
    endpoints: dict = field(default_factory=dict)

    def hostile_route(self, host: str, path: str):
        return hostile.route(self, host, path)

    @property
    def hostile_portals(self) -> list[Portal]:
        return [p for p in self.portals if p.name == hostile.PORTAL]

    @property
    def hosts(self) -> set[str]:
        return {h for p in self.portals for h in p.hosts} | {h for b in self.platforms for h in b.hosts}

    def platform(self, name: str):
        """A portal of `replica.platforms` by its name (`东丽区`)."""
        return next(b for b in self.platforms if b.portal.name == name)

    @property
    def dead_hosts(self) -> set[str]:
        return {h for p in self.dead for h in p.hosts}

    def expected_reports(self) -> dict[str, dict]:
        """canonical URL → what the crawl must find, for every report the replica serves."""
        from crawler.urls import canonical_url

        expected = {}
        for p, d in self.docs:
            if d.year is None:
                continue
            # a page that only points to its file is one document with the file's text, or the page
            # as it is when its file is gone
            text_in_file = d.file_only or (d.pointer and not d.file_gone)
            meta = {"portal": p.name, "title": d.title, "year": d.year, "issuer": d.issuer,
                    "publish_date": d.publish_date, "kind": "file" if text_in_file else "page"}
            expected[canonical_url(f"http://{d.host}{d.listed_path}")] = meta
            month = f"http://{d.host}{d.dir}{d.date[:6]}/"
            for name in [] if d.pointer else d.files():  # every other report file is a document of its own
                expected[canonical_url(month + name)] = dict(meta, kind="file")
            for path in d.extra_files:
                expected[canonical_url(f"http://{d.host}{path}")] = dict(meta, kind="file")
        return expected

    def not_reports(self) -> set[str]:
        from crawler.urls import canonical_url

        return {canonical_url(f"http://{d.host}{d.path}") for _, d in self.docs if d.year is None}


def real_rows() -> list[dict]:
    text = resources.files("replica.data").joinpath("chongqing_report_urls.tsv").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return [r for r in csv.DictReader(lines, delimiter="\t") if not r["district"].startswith("重庆市(")]


def split_real_url(url: str):
    """host, site prefix, zwgk segment, column-root segments, sub-column segments, date, docid."""
    parts = urlsplit(url)
    segs = [s for s in parts.path.split("/") if s]
    i = next(i for i, s in enumerate(segs) if RULES.disclosure_section.match(s))
    col = segs[i + 1 : -2]
    j = next(j for j, s in enumerate(col) if RULES.report_column.match(s))
    m = RULES.article.match(segs[-1])
    return parts.hostname, "/" + "".join(s + "/" for s in segs[:i]), segs[i], tuple(col[: j + 1]), col[j + 1 :], m.group(1), int(m.group(2))


def _n(text: str, mod: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % mod


class DistrictBuilder:
    """Builds one portal: its main site, sub-sites, columns and documents."""

    def __init__(self, portal: Portal, rows: list[dict], counter):
        self.portal = portal
        self.rows = rows
        self.counter = counter
        self.sites: dict[tuple[str, str], Site] = {}
        self.style = STYLES.get(portal.name, "default")
        self.main_host = urlsplit(portal.root_url).hostname

    def site(self, host: str, prefix: str, zwgk: str, root: tuple[str, ...], unit: str | None) -> Site:
        key = (bare_host(host), prefix)
        if key not in self.sites:
            region = ZONE_PREFIX.get(self.portal.name, "重庆市" + self.portal.name)
            main = prefix == "/"
            owner = issuer_name(self.portal, "区政府") if main else issuer_name(self.portal, unit or "部门")
            name = (region + ("人民政府" if self.portal.level != "zone" else "管理委员会")) if main else owner
            code = self.portal.code or "500199"
            self.sites[key] = Site(host, prefix, name, self.portal.name, owner, zwgk, root, self.style,
                                   f"{code}{_n(prefix, 10000):04d}", f"{_n(host, 90000000) + 10000000}",
                                   f"{code}02{_n(host, 1000000):06d}")
        return self.sites[key]

    def new_doc(self, site: Site, column: Column, unit: str, year: int, seed: str | None = None) -> Doc:
        issuer = issuer_name(self.portal, unit)
        pub = year + 1
        day = 10 + _n(f"{issuer}{year}", 19)
        docid = DOCID_BASE[pub] + next(self.counter)
        doc = Doc(site.host, column.path, f"{pub}01{day:02d}", docid, self.title(issuer, year), issuer, year,
                  seed or self.seed_for(year, issuer))
        column.docs.append(doc)
        return doc

    @staticmethod
    def title(issuer: str, year: int) -> str:
        return f"{issuer}{year}年{'度' if year % 3 == 0 else ''}政府信息公开工作年度报告"

    @staticmethod
    def seed_for(year: int, issuer: str) -> str:
        if year >= 2021:
            return "seed_004"
        return ["seed_000", "seed_001", "seed_002", "seed_003"][_n(issuer, 4)]

    def build(self) -> list[tuple[Site, Doc]]:
        for row in self.rows:
            host, prefix, zwgk, root, sub, date, docid = split_real_url(row["url"])
            site = self.site(host, prefix, zwgk, root, row["unit"])
            column = site.column
            for seg in sub:
                column = column.child(seg, row["unit"] if seg == sub[-1] else seg)
            year = int(row["report_year"])
            issuer = issuer_name(self.portal, row["unit"])
            seed = "seed_000" if docid == 8845131 else self.seed_for(year, issuer)
            doc = Doc(host, column.path, date, docid, self.title(issuer, year), issuer, year, seed, real=True,
                      listed_wap=row["url"].endswith("_wap.html"))
            if docid == 8845131:  # seed 000 itself, with its own title
                doc.title = "重庆市合川区科学技术局2020年政府信息公开工作年度报告"
            column.docs.append(doc)
            # the same unit's earlier reports stand in the same column
            for earlier in (year - 1, year - 2):
                if earlier >= 2019:
                    self.new_doc(site, column, row["unit"], earlier)
        main = self.ensure_main_site()
        self.add_navigation_columns(main)
        if self.portal.name == "璧山区":
            self.add_bishan_departments(main)
        self.add_non_reports(main)
        self.add_attachments()
        return [(s, d) for s in self.sites.values() for c in s.column.walk() for d in c.docs]

    def ensure_main_site(self) -> Site:
        mains = [s for (h, p), s in self.sites.items() if p == "/" and h == bare_host(self.main_host)]
        if mains:
            return mains[0]
        code = int(self.portal.code or "500199") % 1000
        site = self.site(self.main_host, "/", f"zwgk_{code + 100}", ("zfxxgknb",), None)
        site.column.child("qzf", "区政府" if self.portal.level != "county" else "县政府")
        self.new_doc(site, site.column.children[0], "区政府" if self.portal.level != "county" else "县政府", 2024)
        return site

    def add_navigation_columns(self, main: Site) -> None:
        """部门 and 镇街 tabs of the district column: links to the sub-sites' own columns.
        Every other sub-site is left out, as real tabs are incomplete: those are found through
        the home page's 部门街镇 links only."""
        subs = [s for s in self.sites.values() if s is not main]
        for i, sub in enumerate(subs):
            if i % 2 == 0:
                label = "镇街" if sub.owner.endswith(("人民政府", "办事处")) else "部门"
                tab = main.column.child("bm" if label == "部门" else "jz", label)
                tab.links.append((sub.owner, f"http://{sub.host}{sub.column.path}"))

    def add_bishan_departments(self, main: Site) -> None:
        """璧山's district column lists every department's reports, 15 to a page: most of them
        are reachable only through its later list pages."""
        main.column.aggregate = True
        bm = main.column.child("bm_241", "部门")
        bm.tabs_to_children = False
        for seg, unit in BISHAN_DEPARTMENTS:
            col = bm.child(seg, unit)
            for year in (2021, 2022, 2023):
                self.new_doc(main, col, unit, year)
        for col in bm.children:
            if any(d.real for d in col.docs):
                bm.links.append((col.name, col.path))

    def add_non_reports(self, main: Site) -> None:
        """A 指南 and a 通知 filed in the report column, as real portals do."""
        guide = Doc(main.host, main.column.path, "20250110", DOCID_BASE[2025] + next(self.counter),
                    main.owner + ("信息公开指南" if main.owner.endswith("政府") else "政府信息公开指南"), main.owner, None, None)
        notice = Doc(main.host, main.column.path, "20231205", DOCID_BASE[2023] + 900_000 + next(self.counter),
                     "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", main.owner, None, None)
        main.column.docs.extend([guide, notice])

    def add_attachments(self) -> None:
        """The reports published as files (`FILE_REPORTS`): file-only, or a page's 全真版."""
        for site in self.sites.values():
            for col in site.column.walk():
                for doc in col.docs:
                    how, ext = FILE_REPORTS.get((self.portal.name, doc.issuer, doc.year), ("", ""))
                    if how == "only":
                        doc.file_only = ext
                    elif how == "attached":
                        doc.attachments.append((f"{doc.title}.{ext}", f"{doc.file_name}.{ext}"))
                    elif how == "pointer":
                        doc.point_to_file(ext, f'<p>详见附件：<a href="./{doc.file_name}.{ext}">{escape(doc.title)}.{ext}</a></p>')


@cache
def build_replica() -> Replica:
    registry = load_registry("chongqing")
    replica = Replica()
    rows_by_portal: dict[str, list[dict]] = {}
    for row in real_rows():
        portal = registry.portal_for(row["url"])
        rows_by_portal.setdefault(portal.name, []).append(row)
    counter = iter(range(1, 10**6))
    built = []
    for portal in registry.portals:
        if portal.name in rows_by_portal or portal.name == hostile.PORTAL:
            builder = DistrictBuilder(portal, rows_by_portal.get(portal.name, []), counter)
            docs = builder.build()
            if portal.name == hostile.PORTAL:
                docs += hostile.add_cases(replica, builder)
            built.append((portal, builder, docs))
            replica.portals.append(portal)
        elif portal.name in DEAD_PORTALS:
            replica.dead.append(portal)
    others = [(p.name, p.root_url) for p in registry.portals]
    for portal, builder, docs in built:
        for site, doc in docs:  # their pages are rendered when first asked for (`rendering.Pages`)
            replica.docs.append((portal, doc))
        rendering.render_portal(replica.pages, builder, others)
    for built in build_platforms():
        replica.platforms.append(built)
        replica.pages.update(built.pages)
        replica.endpoints.update(built.endpoints)
    return replica
