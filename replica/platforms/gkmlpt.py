"""广州市从化区 (`www.conghua.gov.cn`) on Guangdong's 政府信息公开目录 platform (gkmlpt), after
reference/platforms.md and a working public crawler of it: every page of `/gkmlpt/` is a script
application whose inline `window._CONFIG = {SID: '…', TREE: [...], SERVICE_AREA_ID: …}` names the
site and its catalogue; `/gkmlpt/annualreport` is the 年报 page, its TREE a node per unit under
the 年报 node; every node is its own listing at `/gkmlpt/api/all/<id>?page=<n>&sid=<sid>`, JSON
`{"classify": {…, "post_count"}, "total", "articles": [{"id", "title", "url", "post_url",
"create_time", "created_at", "publisher", …}]}`, ten to a page. Articles live at
`/gkmlpt/content/<a>/<b>/post_<id>.html` with the body in `.article-content`."""

from __future__ import annotations

import json
from functools import partial
from datetime import datetime, timedelta, timezone
from html import escape

from crawler.portals import bare_host

from ..pages import Page, html_page
from . import chrome
from .model import BuiltPortal, Doc, Numbering, Request, Unit, non_reports_of, reports_of

SEED = "seed_002"
REGION = "广州市从化区"
SID = "755117"
PER_PAGE = 10
CHINA = timezone(timedelta(hours=8))


class Node:
    def __init__(self, cid: int, name: str, children=()):
        self.id, self.name, self.children = cid, name, list(children)
        self.docs: list[Doc] = []

    def tree(self) -> dict:
        return {"id": self.id, "name": self.name, "jump_url": "", "post_count": len(self.docs),
                "children": [c.tree() for c in self.children]}

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def place(doc: Doc) -> str:
    if doc.is_file:
        return f"/attachment/0/{doc.docid // 1000}/{doc.docid}/{doc.docid}.{doc.kind}"
    return f"/gkmlpt/content/{doc.docid // 1000000}/{doc.docid // 1000}/post_{doc.docid}.html"


class GkmlptBuilder:
    def __init__(self, portal):
        self.built = BuiltPortal(portal, "gkmlpt", source="gkmlpt: reference/platforms.md; hulelan/china-governance crawlers/gkmlpt.py")
        self.host = portal.root_url.split("/")[2]
        self.ids = Numbering(4_123_000)
        home = f"http://{self.host}/"
        nav = (("首页", home), ("政务公开", "/gkmlpt/index"), ("政务服务", home + "zwfw/"), ("互动交流", home + "hdjl/"))
        self.chrome = chrome.Chrome(f"{REGION}人民政府", f"{REGION}人民政府", home, nav,
                                    ("广东省人民政府", "http://www.gd.gov.cn/"), "粤ICP备05080302号",
                                    "粤公网安备 44011702000017号", "4401170001",
                                    (("广州市人民政府", "https://www.gz.gov.cn/"), ("增城区", "http://www.zc.gov.cn/")))
        self.nodes: dict[int, Node] = {}

    def node(self, cid: int, name: str, units: list[Unit], notices: bool = False, children=()) -> Node:
        node = Node(cid, name, children)
        for unit in units:
            node.docs += reports_of(unit, place, self.host, self.ids)
        if notices:
            node.docs += non_reports_of(f"{REGION}人民政府", "从化区", place, self.host, self.ids)
        self.nodes[cid] = node
        self.built.docs += node.docs
        return node

    def build(self) -> BuiltPortal:
        towns = self.node(2634, "镇街", [], children=[
            self.node(2635, "街口街道", [Unit(f"{REGION}街口街道办事处", "街口街道", "jk", (2022, 2023, 2024), SEED)]),
            self.node(2636, "温泉镇", [Unit(f"{REGION}温泉镇人民政府", "温泉镇", "wq", (2023, 2024), SEED, files=(2023,))]),
        ])
        depts = self.node(2631, "部门", [], children=[
            self.node(2632, "区科技工业商务和信息化局", [Unit(f"{REGION}科技工业商务和信息化局", "区科工商信局", "kgsx",
                                                       tuple(range(2019, 2025)), SEED)]),
            self.node(2633, "区教育局", [Unit(f"{REGION}教育局", "区教育局", "jyj", (2022, 2023, 2024), SEED, files=(2022,))]),
        ])
        office = self.node(2630, "区政府办公室", [Unit(f"{REGION}人民政府办公室", "区政府办公室", "bgs", (2021, 2022, 2023, 2024), SEED)])
        annual = self.node(2629, "政府信息公开年报", [
            Unit(f"{REGION}人民政府", "区政府", "qzf", tuple(range(2015, 2025)), SEED, files=(2017,))], True,
            children=[office, depts, towns])
        work = self.node(2601, "政府工作报告", [])
        stats = self.node(2602, "统计信息", [])
        for node, title in ((work, "2025年从化区政府工作报告"), (stats, "2024年从化区国民经济和社会发展统计公报")):
            doc = Doc(self.host, "", title, f"{REGION}人民政府", "20250210", self.ids())
            doc.path = place(doc)
            node.docs.append(doc)
            self.built.docs.append(doc)
        guide = self.node(2603, "政府信息公开指南", [])
        tree = [guide.tree(), work.tree(), stats.tree(), annual.tree()]
        self.render_shell("/gkmlpt/index", "政府信息公开", tree,
                          f'<div class="gkml-menu">{chrome.link("/gkmlpt/annualreport", "政府信息公开年报", "em")}</div>')
        self.render_shell("/gkmlpt/annualreport", "政府信息公开年报", tree, "")
        self.render_home()
        for node in self.nodes.values():
            for doc in node.docs:
                self.render_doc(doc, node)
        self.built.endpoints.update({(bare_host(self.host), f"/gkmlpt/api/all/{cid}"): partial(self.api, cid)
                                     for cid in self.nodes})
        self.built.put(self.host, "/gkmlpt/static/js/gkmlpt.js", Page(APP_JS.encode(), "application/javascript"))
        return self.built

    def render_home(self) -> None:
        c = self.chrome
        content = (f'<div class="home-gk"><ul><li>{chrome.link("/gkmlpt/index", "政府信息公开", "span")}</li></ul></div>'
                   + chrome.decoys("/gkmlpt/index#2601", "/gkmlpt/index#2602"))
        body = chrome.header(c) + f'<div class="main wrap">{content}</div>' + chrome.footer(c)
        page = html_page(chrome.document(c.site_name, body))
        self.built.put(self.host, "/", page)
        self.built.put(self.host, "/index.html", page)

    def render_shell(self, path: str, title: str, tree: list, extra: str) -> None:
        """A gkmlpt page as served: chrome, an empty mount point, and the config its script reads."""
        config = (f"window._CONFIG = {{\n  SID: '{SID}',\n  ROOT: '/gkmlpt',\n  TREE: {json.dumps(tree, ensure_ascii=False)},\n"
                  "  SERVICE_AREA_ID: 1,\n  ROUTE: 'annualreport'\n};")
        content = f'{extra}<div id="app" class="gkmlpt-app"></div>'
        scripts = f"<script>\n{config}\n</script>\n<script src=\"/gkmlpt/static/js/gkmlpt.js\"></script>\n"
        self.built.put(self.host, path, html_page(chrome.page(self.chrome, title, content, [(title, path)], "", scripts)))

    def article_json(self, doc: Doc, node: Node) -> dict:
        moment = datetime.strptime(doc.date, "%Y%m%d").replace(hour=9, minute=30, tzinfo=CHINA)
        url = f"http://{self.host}{doc.path}"
        return {"id": doc.docid, "title": doc.title, "url": url + ("" if doc.is_file else f"#{node.id}"),
                "post_url": url, "create_time": int(moment.timestamp()), "created_at": moment.strftime("%Y-%m-%d %H:%M:%S"),
                "date": int(moment.timestamp()), "publisher": doc.issuer, "classify_main": node.id,
                "classify_main_name": node.name, "document_number": "", "identifier": f"11440117MB2C{doc.docid % 100000:05d}/{doc.date[:4]}",
                "attachment": [], "is_expired": 0, "is_abolished": 0}

    def api(self, cid: int, request: Request) -> Page:
        """One catalogue node's listing; another site's sid finds nothing."""
        node = self.nodes[cid] if request.arg("sid") == SID else None
        try:
            page = max(1, int(request.arg("page", "1")))
        except ValueError:
            page = 1
        docs = sorted(node.docs, key=lambda d: (d.date, d.docid), reverse=True) if node else []
        chosen = docs[(page - 1) * PER_PAGE: page * PER_PAGE]
        answer = {"classify": {"id": node.id, "name": node.name, "post_count": len(docs)} if node else None,
                  "total": len(docs), "articles": [self.article_json(d, node) for d in chosen]}
        return Page(json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

    def render_doc(self, doc: Doc, node: Node) -> None:
        if doc.is_file:
            self.built.put(self.host, doc.path, doc.file_page())
            return
        info = ('<table class="classify"><tbody>'
                f"<tr><td>索引号:</td><td>11440117MB2C{doc.docid % 100000:05d}/{doc.date[:4]}</td><td>分类:</td><td>{escape(node.name)}</td></tr>"
                f"<tr><td>发布机构:</td><td>{escape(doc.issuer)}</td><td>成文日期:</td><td>{doc.publish_date}</td></tr>"
                f"<tr><td>名称:</td><td colspan=\"3\">{escape(doc.title)}</td></tr></tbody></table>")
        # made when first asked for (a report's text is most of what building the portal costs)
        self.built.put(self.host, doc.path, lambda: html_page(
            chrome.page(self.chrome, doc.title, info + chrome.article(doc, '<div class="article-content">'),
                        [("政府信息公开", "/gkmlpt/index"), (doc.title, doc.path)], chrome.article_meta(doc)), doc.date))


# What the platform's script does with the config, reduced to the list: it reads the catalogue id
# from the URL's fragment and writes the listing the API returns.
APP_JS = """document.addEventListener('DOMContentLoaded', function () {
  var c = window._CONFIG, id = (location.hash || '').replace('#', '') || (c.TREE.length ? c.TREE[c.TREE.length - 1].id : '');
  var page = 1, app = document.getElementById('app');
  function load() {
    var x = new XMLHttpRequest();
    x.open('GET', c.ROOT + '/api/all/' + id + '?page=' + page + '&sid=' + c.SID);
    x.onload = function () {
      var d = JSON.parse(x.responseText), html = '<ul class="gkml-list">';
      d.articles.forEach(function (a) { html += '<li><a href="' + a.url + '" target="_blank">' + a.title + '</a><span>' + a.created_at.slice(0, 10) + '</span></li>'; });
      app.innerHTML = html + '</ul><div class="pager">' + d.total + '</div>';
    };
    x.send();
  }
  if (app && id) { load(); }
});
"""


def build(portal):
    return GkmlptBuilder(portal).build()
