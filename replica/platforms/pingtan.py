"""平潭综合实验区 (`www.pingtan.gov.cn`) on Fujian's 集约化 platform (TRS + avalon.js), served from
its real pages (`data/pingtan/pingtan_*.html`, each with its `*.provenance.json`; the extraction tests
read the same files through links in `tests/fixtures/real_html/`), and the column's items.

The 政府信息公开年报 list is the real page, byte for byte: ten items in its HTML and a
`listModel({… listArgs: {channelid: SiteInfo.searchId, classsql: "chnlid=1813", sortfield: …},
pagebar: {prepage: 10, recordCount: '20'}})` script whose later pages come from the site's search
API, `/fjdzapp/search`, POSTed `channelid=200210&classsql=chnlid=1813&sortfield=…&page=N&prepage=M`
and answering `{"pageCount": N, "data": [{"doctitle", "chnldocurl", "docpuburl", "docreltime",
"pubdate", "chnlid", …}]}` — the request and answer a public archive of the site used to list it
(GitHub changwu/pingtan-gov-zwgk-archive, `_crawler/`). Every one of the 20 documents it announces
is served: the 2011 report and the 2014 letter (not a report) are the real pages; the others are
the real 2011 page with their own title, date, address and a seed report's text as body. The
column's name on the 政府信息公开 page is only in a link's `title`, as on the real site.
"""

from __future__ import annotations

import csv
import json
import re
from html import escape
from importlib import resources
from urllib.parse import urlsplit

from crawler.portals import bare_host

from ..pages import Page, html_page
from ..reports import load_report, render_body
from . import chrome
from .model import BuiltPortal, Doc, Request

CHANNEL_SITE = "200210"  # SiteInfo.searchId: the site's document-search channel
CHANNEL_COLUMN = "1813"  # the 政府信息公开年报 column (ChnlId of its pages)
COLUMN = "/zwgk/zfxxgk/zfxxgknb/"
BODY_OPEN = '<div class="article_content article_content_01 font_family_cn">'
BODY_CLOSE = "\n                              </div>\n                            </div>"
TEMPLATE_ID, TEMPLATE_TITLE, TEMPLATE_TIME = "80678", "平潭综合实验区2011年政府信息公开工作年度报告", "2012-04-11 00:00"
REAL = {"80678": "pingtan_2011_report.html", "80787": "pingtan_2014_letter_in_report_column.html"}


def data(name: str) -> str:
    return resources.files("replica.data").joinpath("pingtan", name).read_text("utf-8")


def real_page(name: str) -> str:
    return data(name)


def items() -> list[dict]:
    lines = [ln for ln in data("zfxxgknb_items.tsv").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def issuer_of(title: str) -> str:
    """The unit a title names, before its year (`平潭县人民政府2012年…` → 平潭县人民政府)."""
    return re.match(r"(?:关于)?(.*?)(?:关于)?20\d\d", title).group(1) or "平潭综合实验区"


def as_doc(item: dict) -> Doc:
    url = urlsplit(item["url"])
    title = item["title"]
    year = int(re.search(r"(20\d\d)年", title).group(1)) if item["report"] == "1" else None
    seed = None if year is None else ("seed_004" if year >= 2021 else "seed_002")
    return Doc(url.hostname, url.path, title, issuer_of(title), item["docreltime"][:10].replace("-", ""),
               int(item["docid"]), year, seed)


def detail_from_template(template: str, doc: Doc, item: dict) -> str:
    """The real 2011 report page made into another document of the column."""
    start = template.index(BODY_OPEN) + len(BODY_OPEN)
    end = template.index(BODY_CLOSE, start)
    body = render_body(load_report(doc.seed), issuer=doc.issuer, year=doc.year)
    page = template[:start] + f'<div class="TRS_Editor">{body}</div>' + template[end:]
    return (page.replace(TEMPLATE_TITLE, escape(doc.title)).replace(TEMPLATE_TIME, item["docreltime"])
            .replace(f'content="https://www.pingtan.gov.cn{COLUMN}201204/t20120420_80678.htm"', f'content="{item["url"]}"')
            .replace(f'<meta name="DocId" content="{TEMPLATE_ID}"/>', f'<meta name="DocId" content="{doc.docid}"/>')
            .replace(f"var docid = '{TEMPLATE_ID}';", f"var docid = '{doc.docid}';"))


class PingtanBuilder:
    def __init__(self, portal):
        self.built = BuiltPortal(portal, "fujian", source="real pages of www.pingtan.gov.cn (data/pingtan/)")
        self.host = urlsplit(portal.root_url).hostname
        self.items = items()
        self.docs = [as_doc(i) for i in self.items]

    def build(self) -> BuiltPortal:
        self.built.docs += self.docs
        listing = Page(real_page("pingtan_zfxxgknb_listing.html").encode("utf-8"))
        for name in ("", "index.htm", "nlist.htm"):
            self.built.put(self.host, COLUMN + name, listing)
        template = real_page(REAL[TEMPLATE_ID])
        for doc, item in zip(self.docs, self.items):
            text = real_page(REAL[item["docid"]]) if item["docid"] in REAL else detail_from_template(template, doc, item)
            self.built.put(self.host, doc.path, html_page(text, doc.date))
        self.render_entry_pages()
        self.built.endpoints[(bare_host(self.host), "/fjdzapp/search")] = self.search
        return self.built

    def render_entry_pages(self) -> None:
        root = f"https://{self.host}/"
        nav = (("首页", root), ("政务公开", root + "zwgk/"), ("解读回应", root + "jdhy/"), ("办事服务", root + "bsfw/"),
               ("互动交流", root + "hdjl/"), ("走进平潭", root + "zjpt/"))
        c = chrome.Chrome("平潭综合实验区党工委管委会", "平潭综合实验区管委会", root, nav, ("福建省人民政府", "http://www.fj.gov.cn/"),
                          "闽ICP备09032658号", "闽公网安备 35012899001-19002号", "3590000001",
                          (("福州市政府网站", "https://www.fuzhou.gov.cn/"), ("厦门市政府网站", "http://www.xm.gov.cn/")))
        decoys = chrome.decoys(root + "zwgk/zfgzbg/", root + "zwgk/tjxx/")
        home = chrome.header(c) + f'<div class="main wrap">{decoys}</div>' + chrome.footer(c)
        self.built.put(self.host, "/", html_page(chrome.document(c.site_name, home)))
        zwgk = ('<ul class="zwgk-nav">'
                + chrome.links([("政府信息公开", "./zfxxgk/"), ("政府工作报告", "./zfgzbg/"), ("统计信息", "./tjxx/"),
                                ("公示公告", "./gsgg/")]) + "</ul>")
        self.built.put(self.host, "/zwgk/", html_page(chrome.page(c, "政务公开", zwgk, [("政务公开", "/zwgk/")])))
        # the real 政务公开 page names the column only in the link's title, beside an icon
        entries = ('<ul class="xxgk-nav">'
                   + chrome.links([("政府信息公开指南", "./zfxxgkzn/"), ("政府信息公开制度", "./zfxxgkzd/"),
                                   ("法定主动公开内容", "./fdzdgknr/")])
                   + f'<li>{chrome.link("./zfxxgknb/", "政府信息公开年报", "title")}</li></ul>')
        self.built.put(self.host, "/zwgk/zfxxgk/", html_page(
            chrome.page(c, "政府信息公开", entries, [("政务公开", "/zwgk/"), ("政府信息公开", "/zwgk/zfxxgk/")])))

    def record(self, doc: Doc, item: dict) -> dict:
        return {"docid": doc.docid, "doctitle": doc.title, "chnldocurl": item["url"], "docpuburl": item["url"],
                "docreltime": item["docreltime"], "pubdate": item["docreltime"], "chnlid": int(CHANNEL_COLUMN),
                "fileno": "", "docsourcename": "", "puborg": "", "idxid": "", "doctype": "20"}

    def search(self, request: Request) -> Page:
        """The site's search API, as much of it as the column's list needs."""
        wanted = re.fullmatch(r"chnlid=(\d+)", request.arg("classsql") or f"chnlid={CHANNEL_COLUMN}")
        found = request.arg("channelid") == CHANNEL_SITE and wanted and wanted.group(1) == CHANNEL_COLUMN
        rows = sorted(zip(self.docs, self.items), key=lambda p: p[1]["docreltime"], reverse=True) if found else []
        try:
            page = max(1, int(request.arg("page", "1")))
            per = min(500, max(1, int(request.arg("prepage", "10"))))
        except ValueError:
            return Page(b'{"pageCount":0,"data":[]}', "application/json;charset=UTF-8", 400)
        chosen = rows[(page - 1) * per: page * per]
        answer = {"pageCount": -(-len(rows) // per), "data": [self.record(d, i) for d, i in chosen]}
        return Page(json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")


def build(portal):
    return PingtanBuilder(portal).build()
