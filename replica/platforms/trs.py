"""Static portals published by TRS WCM, the most common platform: columns are folders, lists are
`index.html`, `index_1.html`…, articles `<column>/<yyyymm>/t<yyyymmdd>_<docid>.html`, files
beside them as `P0…pdf`. What differs between TRS portals is data (`TrsLayout`): how the pager is
written, whether the 年报 column has year sub-columns, whether the disclosure platform sits on a
host of its own, and how menus write the column's name. `trs_classic`, `trs_years` and
`subdomain` are three such layouts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import escape

from crawler.portals import Portal

from ..pages import html_page, relative
from . import chrome
from .model import BuiltPortal, Doc, Numbering, Unit, non_reports_of, reports_of


@dataclass(frozen=True)
class TrsLayout:
    pager: str  # "createPageHTML" (inline count) or "document.write" (a script loop writes the links)
    page_size: int
    column_name: str = "政府信息公开年报"
    column_slug: str = "zfxxgknb"
    section_slug: str = "zwgk"
    year_columns: bool = False  # the column lists year sub-columns `{Y}n/`, each its own list
    disclosure_host: str | None = None  # the 信息公开 platform's own host, e.g. xxgk.huichang.gov.cn
    link_style: str = "plain"  # how the section page writes the column's name (see chrome.link)
    dept_dir: str = "bm"
    town_dir: str = "jz"
    dept_nav: str = "机构设置"  # the navigation entry that lists the departments
    town_nav: str = "镇街"


@dataclass
class TrsSite:
    """The portal itself or a department/township sub-site under it, with its own 年报 column."""

    host: str
    prefix: str  # "/" or "/bm/kjj/"
    name: str
    owner: str
    units: list[Unit]
    docs: list[Doc] = field(default_factory=list)

    def section(self, layout: TrsLayout) -> str:
        return f"{self.prefix}{layout.section_slug}/" if layout.section_slug else self.prefix

    def column(self, layout: TrsLayout) -> str:
        return f"{self.section(layout)}{layout.column_slug}/"


@dataclass
class TrsPortal:
    portal: Portal
    layout: TrsLayout
    owner: str  # 天津市东丽区人民政府
    short: str  # 东丽区
    province: tuple[str, str]
    icp: str
    police: str
    units: list[Unit]  # the government and its office: the main column
    departments: list[Unit]
    townships: list[Unit]
    first_docid: int
    siblings: tuple[tuple[str, str], ...] = ()
    # neighbours' 年报 columns the disclosure page links: same words, another portal (off scope)
    sibling_columns: tuple[tuple[str, str], ...] = ()
    source: str = ""


def year_of(doc: Doc) -> int:
    """The year sub-column a document is filed under: its report year, else the year before it came out."""
    return doc.year or int(doc.date[:4]) - 1


def doc_place(column: str, by_year: bool = False):
    def place(doc: Doc) -> str:
        folder = f"{column}{year_of(doc)}n/" if by_year else column
        folder += f"{doc.date[:6]}/"
        if doc.is_file:
            return f"{folder}P0{doc.date}{doc.docid % 1000000:06d}.{doc.kind}"
        return f"{folder}t{doc.date}_{doc.docid}.html"
    return place


def pager_script(layout: TrsLayout, pages: int, current: int) -> str:
    """Templates write the pager script on every list page, a one-page list included."""
    if layout.pager == "createPageHTML":
        return (f'<div class="page"><script type="text/javascript">createPageHTML({pages}, {current}, "index", "html");'
                "</script></div>")
    # older templates: no static link to page 2, only a loop that writes them
    return (
        '<div class="page"><script language="javascript">\n'
        f"var countPage = {pages}; var currentPage = {current}; var prePage = currentPage - 1; var nextPage = currentPage + 1;\n"
        'document.write("共" + countPage + "页 ");\n'
        "for (var i = 0; i < countPage; i++) {\n"
        '  if (i == currentPage) { document.write("<span>" + (i + 1) + "</span> "); }\n'
        '  else if (i == 0) { document.write("<a href=\\"index.html\\">1</a> "); }\n'
        '  else { document.write("<a href=\\"index_" + i + ".html\\">" + (i + 1) + "</a> "); }\n'
        "}\n</script></div>"
    )


class TrsBuilder:
    def __init__(self, spec: TrsPortal, platform: str):
        self.spec = spec
        self.layout = spec.layout
        self.built = BuiltPortal(spec.portal, platform, source=spec.source)
        self.ids = Numbering(spec.first_docid)
        self.home_host = spec.portal.root_url.split("/")[2]
        self.host = self.layout.disclosure_host or self.home_host

    def chrome(self, site: TrsSite) -> chrome.Chrome:
        home = f"http://{self.home_host}/"
        zwgk = f"http://{self.host}{site.section(self.layout)}"
        nav = (("首页", home), ("政务公开", zwgk), ("政务服务", home + "zwfw/"), ("互动交流", home + "hdjl/"),
               (f"走进{self.spec.short}", home + "zjdl/"))
        return chrome.Chrome(site.name, site.owner, f"http://{site.host}{site.prefix}", nav, self.spec.province,
                             self.spec.icp, self.spec.police, f"{self.spec.portal.code}0001", self.spec.siblings)

    # -- content --------------------------------------------------------------------------
    def site(self, prefix: str, owner: str, units: list[Unit], with_notices: bool) -> TrsSite:
        site = TrsSite(self.host, prefix, owner, owner, units)
        place = doc_place(site.column(self.layout), self.layout.year_columns)
        for unit in units:
            site.docs += reports_of(unit, place, self.host, self.ids)
        if with_notices:
            site.docs += non_reports_of(owner, self.spec.short, place, self.host, self.ids)
        self.built.docs += site.docs
        return site

    def build(self) -> BuiltPortal:
        layout = self.layout
        main = self.site("/", self.spec.owner, self.spec.units, True)
        subs = []
        for unit, folder in [(u, layout.dept_dir) for u in self.spec.departments] + [
                (u, layout.town_dir) for u in self.spec.townships]:
            subs.append((folder, self.site(f"/{folder}/{unit.slug}/", unit.name, [unit], unit is self.spec.departments[0])))
        self.render_home(main, subs)
        for site in [main] + [s for _, s in subs]:
            self.render_site(site)
        for folder, nav in ((layout.dept_dir, layout.dept_nav), (layout.town_dir, layout.town_nav)):
            members = [(s.owner, f"http://{s.host}{s.prefix}") for f, s in subs if f == folder]
            if folder == layout.town_dir and not members:  # a city's 县(区) are portals of their own
                members = list(self.spec.siblings)
            self.render_page(main, f"/{folder}/", nav, f'<div class="unit-list"><ul>{chrome.links(members)}</ul></div>')
        return self.built

    # -- pages ----------------------------------------------------------------------------
    def render_page(self, site: TrsSite, path: str, title: str, content: str | Callable[[], str], trail=None,
                    meta: str = "", date: str | None = None) -> None:
        """A page; with its content given as how to make it, made when first asked for."""
        def make():
            text = content() if callable(content) else content
            return html_page(chrome.page(self.chrome(site), title, text, trail or [(title, path)], meta), date)

        page = make if callable(content) else make()
        self.built.put(site.host, path, page)
        if path.endswith("/"):
            self.built.put(site.host, path + "index.html", page)

    def render_home(self, main: TrsSite, subs) -> None:
        layout = self.layout
        zwgk = f"http://{self.host}{main.section(layout)}"
        news = [(f"{self.spec.short}召开2025年政务公开工作推进会", "/xwzx/zwyw/202503/t20250312_7000001.html"),
                (f"{self.spec.short}2024年国民经济和社会发展统计公报发布", "/xwzx/zwyw/202503/t20250320_7000002.html")]
        content = (
            f'<div class="home-news"><h3>{escape(self.spec.short)}要闻</h3><ul>{chrome.links(news)}</ul></div>'
            + chrome.decoys(zwgk + "zfgzbg/", zwgk + "tjgb/")
            + '<div class="home-links"><ul>'
            + f'<li>{chrome.link(f"http://{self.host}/{layout.dept_dir}/", layout.dept_nav)}</li>'
            + f'<li>{chrome.link(f"http://{self.host}/{layout.town_dir}/", layout.town_nav)}</li>'
            + f'<li>{chrome.link(zwgk, "政府信息公开", "span")}</li></ul></div>'
        )
        c = self.chrome(main)
        home = f"http://{self.home_host}/"
        body = chrome.header(c) + f'<div class="main wrap">{content}</div>' + chrome.footer(c)
        page = html_page(chrome.document(main.name, body, f'<meta name="SiteName" content="{escape(main.name)}">\n'))
        self.built.put(home, None, page)
        self.built.put(self.home_host, "/index.html", page)
        for slug, title in (("zfgzbg", "政府工作报告"), ("tjgb", "统计公报")):
            doc = Doc(self.host, "", f"2025年{self.spec.short}{title}", self.spec.owner, "20250210", self.ids())
            doc.path = doc_place(f"{main.section(layout)}{slug}/")(doc)
            self.built.docs.append(doc)
            self.render_list(main, f"{main.section(layout)}{slug}/", title, [doc])
            self.render_detail(main, doc, title)

    def render_site(self, site: TrsSite) -> None:
        layout = self.layout
        section, column = site.section(layout), site.column(layout)
        entries = [("政府信息公开指南", section + "zfxxgkzn/"), ("政府信息公开制度", section + "zfxxgkzd/"),
                   ("法定主动公开内容", section + "fdzdgknr/")]
        cells = "".join(f"<li>{chrome.link(u, t)}</li>" for t, u in entries)
        cells += f"<li>{chrome.link(relative(column, section), layout.column_name, layout.link_style)}</li>"
        if site.prefix == "/" and self.spec.sibling_columns:
            cells += f'<li class="xdxq">兄弟县区:<ul>{chrome.links(self.spec.sibling_columns)}</ul></li>'
        self.render_page(site, section, "政务公开", f'<div class="zwgk-menu"><ul>{cells}</ul></div>')
        if site.prefix != "/" and section != site.prefix:
            nav = f'<div class="sub-home"><h2>{escape(site.name)}</h2><ul><li>{chrome.link(section, "政务公开")}</li></ul></div>'
            self.render_page(site, site.prefix, site.name, nav)
        if layout.year_columns:
            years = sorted({year_of(d) for d in site.docs}, reverse=True)
            tabs = [(f"{y}年度报告", f"./{y}n/") for y in years]
            self.render_list(site, column, layout.column_name, [], tabs=tabs)
            for y in years:
                in_year = [d for d in site.docs if year_of(d) == y]
                self.render_list(site, f"{column}{y}n/", f"{y}年度报告", in_year)
        else:
            self.render_list(site, column, layout.column_name, site.docs)
        for doc in site.docs:
            self.render_detail(site, doc, layout.column_name)

    def render_list(self, site: TrsSite, path: str, title: str, docs: list[Doc], tabs=()) -> None:
        docs = sorted(docs, key=lambda d: (d.date, d.docid), reverse=True)
        size = self.layout.page_size
        pages = max(1, math.ceil(len(docs) / size))
        tab_html = f'<div class="sub-col"><ul>{chrome.links(tabs)}</ul></div>' if tabs else ""
        for n in range(pages):
            items = "".join(
                f'<li><a href="{relative(d.path, path)}" title="{escape(d.title)}" target="_blank">{escape(d.title)}</a>'
                f"<span>{d.publish_date}</span></li>"
                for d in docs[n * size:(n + 1) * size]
            )
            content = (f'<div class="list-title">{escape(title)}</div>{tab_html}'
                       f'<ul class="list">{items}</ul>{pager_script(self.layout, pages, n)}')
            meta = f'<meta name="ColumnName" content="{escape(title)}">\n'
            target = path if n == 0 else f"{path}index_{n}.html"
            self.render_page(site, target, title, content, [(title, path)], meta)

    def render_detail(self, site: TrsSite, doc: Doc, column_name: str) -> None:
        if doc.is_file:
            self.built.put(doc.host, doc.path, doc.file_page())
            return
        column = doc.path.rsplit("/", 2)[0] + "/"
        content = partial(chrome.article, doc, '<div class="article-content TRS_Editor">')
        self.render_page(site, doc.path, doc.title, content, [(column_name, column), (doc.title, doc.path)],
                         chrome.article_meta(doc), doc.date)
