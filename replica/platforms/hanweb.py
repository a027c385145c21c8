"""湖北咸宁市 (`www.xianning.gov.cn`) on Hanweb 大汉 JCMS, after reference/platforms.md: columns
`/col/col<id>/index.html`, articles `/art/<y>/<m>/<d>/art_<col>_<doc>.html` with the body in
`#zoom`. A column page carries only its first records, as `<record><![CDATA[<li>…]]></record>`
inside `<script type="text/xml"><datastore>`; the rest come from
`/module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=`, asked with the form fields
the page's script names (col, appid, webid, path, columnid, sourceContentType, unitid, webname,
permissiontype) and answered as XML `<datastore><totalrecord>…<recordset>`. A request without
the right columnid/unitid/webid gets an empty datastore, as a proxy that finds no column does.
Departments are reached through the 信息公开目录's unit tree. Its 科技局 publishes seed 004."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape

from crawler.portals import bare_host

from ..pages import Page, html_page
from . import chrome
from .model import BuiltPortal, Doc, Numbering, Request, Unit, non_reports_of, reports_of

SEED = "seed_004"
CITY = "咸宁市"
WEBID = 3
WEBNAME = "咸宁市人民政府"
PROXY = "/module/web/jpage/dataproxy.jsp"
PER_PAGE = 10
INLINE = 10  # records the column page carries itself


class HanwebColumn:
    def __init__(self, colid: int, unitid: int, owner: str, name: str = "政府信息公开年报"):
        self.colid, self.unitid, self.name, self.owner = colid, unitid, name, owner
        self.docs: list[Doc] = []

    @property
    def path(self) -> str:
        return f"/col/col{self.colid}/index.html"

    def place(self, doc: Doc) -> str:
        y, m, d = doc.date[:4], int(doc.date[4:6]), int(doc.date[6:])
        if doc.is_file:
            return f"/attach/0/{doc.date}{doc.docid:07d}.{doc.kind}"
        return f"/art/{y}/{m}/{d}/art_{self.colid}_{doc.docid}.html"

    def records(self) -> list[str]:
        docs = sorted(self.docs, key=lambda d: (d.date, d.docid), reverse=True)
        return [f'<li><a href="{d.path}" title="{escape(d.title)}" target="_blank">{escape(d.title)}</a>'
                f"<span>{d.publish_date}</span></li>" for d in docs]


def record_xml(records: list[str]) -> str:
    return "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in records)


class HanwebBuilder:
    def __init__(self, portal):
        self.built = BuiltPortal(portal, "hanweb", source="Hanweb JCMS: reference/platforms.md (datastore, jpage dataproxy.jsp)")
        self.host = portal.root_url.split("/")[2]
        self.ids = Numbering(3_412_000)
        self.columns: dict[int, HanwebColumn] = {}
        home = f"http://{self.host}/"
        nav = (("首页", home), ("政务公开", "/col/col5402001/index.html"), ("政务服务", home + "zwfw/"),
               ("互动交流", "/col/col5403001/index.html"), ("走进咸宁", "/col/col5404001/index.html"))
        self.chrome = chrome.Chrome(f"{CITY}人民政府", f"{CITY}人民政府", home, nav, ("湖北省人民政府", "https://www.hubei.gov.cn/"),
                                    "鄂ICP备05003312号", "鄂公网安备 42120202000110号", "4212000001",
                                    (("咸安区", "http://www.xianan.gov.cn/"), ("嘉鱼县", "http://www.jiayu.gov.cn/"),
                                     ("赤壁市", "http://www.chibi.gov.cn/")))

    def column(self, colid: int, unitid: int, owner: str, units: list[Unit], notices: bool) -> HanwebColumn:
        col = HanwebColumn(colid, unitid, owner)
        for unit in units:
            col.docs += reports_of(unit, col.place, self.host, self.ids)
        if notices:
            col.docs += non_reports_of(owner, CITY, col.place, self.host, self.ids)
        self.columns[colid] = col
        self.built.docs += col.docs
        return col

    def build(self) -> BuiltPortal:
        main = self.column(5402301, 8806123, f"{CITY}人民政府", [
            Unit(f"{CITY}人民政府", "市政府", "szf", tuple(range(2014, 2025)), SEED, files=(2016,)),
            Unit(f"{CITY}人民政府办公室", "市政府办公室", "szfbgs", tuple(range(2019, 2025)), SEED)], True)
        depts = [
            self.column(5410311, 8806211, f"{CITY}科学技术局", [
                Unit(f"{CITY}科学技术局", "市科技局", "kjj", tuple(range(2019, 2025)), SEED, files=(2021,), seed_year=2024)],
                True),
            self.column(5410411, 8806219, f"{CITY}财政局", [
                Unit(f"{CITY}财政局", "市财政局", "czj", (2022, 2023, 2024), SEED)], False),
            self.column(5410511, 8806227, f"{CITY}生态环境局", [
                Unit(f"{CITY}生态环境局", "市生态环境局", "sthjj", (2023, 2024), SEED, files=(2024,))], False),
        ]
        for colid, unitid, name, title in ((5402501, 8806301, "政府工作报告", "2025年咸宁市政府工作报告"),
                                           (5402601, 8806302, "统计公报", "2024年咸宁市国民经济和社会发展统计公报")):
            col = HanwebColumn(colid, unitid, f"{CITY}人民政府", name)
            doc = Doc(self.host, "", title, col.owner, "20250210", self.ids())
            doc.path = col.place(doc)
            col.docs.append(doc)
            self.columns[colid] = col
            self.built.docs.append(doc)
        self.render_home()
        # 政务公开: the catalogue of disclosure columns; the 年报 column's name beside an icon
        entries = (f'<li>{chrome.link("/col/col5402101/index.html", "政府信息公开指南")}</li>'
                   f'<li>{chrome.link("/col/col5402201/index.html", "政府信息公开制度")}</li>'
                   f'<li>{chrome.link(main.path, "政府信息公开年报", "span")}</li>'
                   f'<li>{chrome.link("/col/col5402401/index.html", "政府信息公开目录")}</li>')
        self.put_page("/col/col5402001/index.html", "政务公开", f'<div class="xxgk-nav"><ul>{entries}</ul></div>')
        tree = "".join(f'<li class="unit"><i class="tree-icon"></i>{chrome.link(c.path, c.owner)}</li>' for c in depts)
        self.put_page("/col/col5402401/index.html", "政府信息公开目录",
                      f'<div class="xxgk-tree"><div class="tree-title">部门</div><ul>{tree}</ul></div>')
        for col in self.columns.values():
            self.render_column(col)
        self.built.endpoints[(bare_host(self.host), PROXY)] = self.dataproxy
        return self.built

    def put_page(self, path: str, title: str, content: str | Callable[[], str], meta: str = "", scripts: str = "",
                 date: str | None = None) -> None:
        """A page; with its content given as how to make it, made when first asked for."""
        def make():
            text = content() if callable(content) else content
            return html_page(chrome.page(self.chrome, title, text, [(title, path)], meta, scripts), date)

        self.built.put(self.host, path, make if callable(content) else make())

    def render_home(self) -> None:
        c = self.chrome
        content = ('<div class="home-news"><h3>咸宁要闻</h3><ul>'
                   + chrome.links([("咸宁市召开2025年政务公开工作会议", "/art/2025/3/12/art_5401001_3700001.html")])
                   + "</ul></div>" + chrome.decoys("/col/col5402501/index.html", "/col/col5402601/index.html"))
        body = chrome.header(c) + f'<div class="main wrap">{content}</div>' + chrome.footer(c)
        page = html_page(chrome.document(c.site_name, body))
        self.built.put(self.host, "/", page)
        self.built.put(self.host, "/index.html", page)

    def render_column(self, col: HanwebColumn) -> None:
        records = col.records()
        ajax = (f"{{col: 1, appid: 1, webid: {WEBID}, path: '/', columnid: {col.colid}, sourceContentType: 1, "
                f"unitid: {col.unitid}, webname: '{WEBNAME}', permissiontype: 0}}")
        nextgroup = (f'<a href="{PROXY}?page=1&appid=1&webid={WEBID}&path=/&columnid={col.colid}'
                     f'&unitid={col.unitid}&webname={WEBNAME}&permissiontype=0"></a>')
        content = (
            f'<div class="list-title">{escape(col.name)}</div><div class="default_pgContainer" id="{col.unitid}">'
            f'<script type="text/xml"><datastore>\n<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n'
            f"<recordset>\n{record_xml(records[:INLINE])}</recordset>\n</datastore></script></div>"
            '<script type="text/javascript">\n'
            f"$(function () {{ $('#{col.unitid}').jpage({{ proxyUrl: '{PROXY}', perPage: {PER_PAGE}, "
            f"totalRecord: {len(records)}, groupSize: 1, barPosition: 'bottom', dataStore: 'xml', "
            f"ajaxParam: {ajax} }}); }});\n</script>"
        )
        scripts = '<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>\n'
        self.put_page(col.path, col.name, content, f'<meta name="ColumnName" content="{col.name}">\n', scripts)
        for doc in col.docs:
            if doc.is_file:
                self.built.put(self.host, doc.path, doc.file_page())
            else:
                self.put_page(doc.path, doc.title, partial(chrome.article, doc, '<div id="zoom">'), chrome.article_meta(doc),
                              date=doc.date)

    def dataproxy(self, request: Request) -> Page:
        col = self.columns.get(int(request.arg("columnid") or 0))
        valid = (col is not None and request.arg("unitid") == str(col.unitid) and request.arg("webid") == str(WEBID))
        records = col.records() if valid else []
        try:
            start = max(1, int(request.arg("startrecord", "1")))
            end = int(request.arg("endrecord", str(start + PER_PAGE - 1)))
            per = max(1, int(request.arg("perpage", str(PER_PAGE))))
        except ValueError:
            return Page(b"", "text/xml;charset=UTF-8", 400)
        chosen = records[start - 1:end]
        pages = -(-len(records) // per)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
               f"<totalrecord>{len(records)}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
               f"<recordset>\n{record_xml(chosen)}</recordset>\n</datastore>\n")
        return Page(xml.encode("utf-8"), "text/xml;charset=UTF-8")


def build(portal):
    return HanwebBuilder(portal).build()
