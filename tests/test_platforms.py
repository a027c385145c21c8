"""Each platform module and the reading of links by meaning, on real pages where we have them
(`fixtures/real_html/pingtan_*`: Fujian's platform) and on the shapes `shared/reference/platforms.md`
documents for the others."""

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler import navigation as nav
from crawler.errors import UserError
from crawler.platforms import fujian, gkmlpt, hanweb, read_answer, read_list_page, trs
from crawler.portal_spider import PortalSpider, column_base
from crawler.portals import Portal
from crawler.summary import step_found_nothing
from spiders.portals import PortalsSpider, portals_from_file

REAL = Path(__file__).parent / "fixtures" / "real_html"
PINGTAN_COLUMN = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def page(url: str, body: str | bytes, **meta) -> HtmlResponse:
    body = body.encode("utf-8") if isinstance(body, str) else body
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url, meta=meta))


def answer(url: str, body: str, **meta) -> TextResponse:
    return TextResponse(url=url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta))


# -- Fujian, on the real Pingtan pages ------------------------------------------------------------

def test_pingtan_list_asks_the_search_api_for_what_its_recordcount_announces():
    response = page(PINGTAN_COLUMN, (REAL / "pingtan_zfxxgknb_listing.html").read_bytes())
    (reading,) = read_list_page(response)
    assert reading.platform == "fujian" and reading.anchors
    (request,) = reading.requests  # 20 records, 10 a page, the first page static
    assert request.url == "https://www.pingtan.gov.cn/fjdzapp/search" and request.method == "POST"
    assert request.formdata == {"channelid": "200210", "classsql": "chnlid=1813", "sortfield": "-docorderpri,-docreltime",
                                "prepage": "10", "page": "2"}


def test_pingtan_list_static_items_are_under_the_column_and_its_menu_names_the_column():
    response = page(PINGTAN_COLUMN, (REAL / "pingtan_zfxxgknb_listing.html").read_bytes())
    links = nav.page_links(response)
    base = column_base(PINGTAN_COLUMN)
    items = [link for link in links if nav.looks_like_article(link) and nav.is_under(link.url, base)]
    assert len(items) == 10 and all(nav.names_report(link.label) for link in items)
    # 政府信息<br>公开年报 beside an icon, and the <a title=…> of the report pages' menu
    assert any(nav.names_report_column(link.label) and link.url.endswith("nlist.htm") for link in links)
    report = page("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201204/t20120420_80678.htm",
                  (REAL / "pingtan_2011_report.html").read_bytes())
    assert any(nav.names_report_column(link.label) for link in nav.page_links(report))
    assert not any(nav.names_report_column(link.label) for link in links if "zfgzbg" in link.url)  # 政府工作报告


def test_fujian_search_answer_gives_its_documents():
    body = json.dumps({"pageCount": 2, "data": [
        {"doctitle": "平潭综合实验区2012年政府信息公开工作年度报告", "docpuburl": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201302/t20130225_80734.htm"},
        {"doctitle": "关于2014年政府信息公开工作要点落实情况的函", "chnldocurl": "/zwgk/zfxxgk/zfxxgknb/201412/t20141230_80787.htm"},
    ]}, ensure_ascii=False)
    reading = read_answer(answer("https://www.pingtan.gov.cn/fjdzapp/search", body, list_reader="fujian"))
    assert reading.items == [
        ("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201302/t20130225_80734.htm", "平潭综合实验区2012年政府信息公开工作年度报告"),
        ("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201412/t20141230_80787.htm", "关于2014年政府信息公开工作要点落实情况的函"),
    ]
    assert fujian.read_answer(answer("https://x.gov.cn/fjdzapp/search", "<html>busy</html>")).items == []


# -- TRS ---------------------------------------------------------------------------------------------

def test_trs_pages_counted_by_createpagehtml_keep_their_extension():
    body = '<script>createPageHTML(3, 0, "index", "shtml");</script>'
    (reading,) = read_list_page(page("http://www.tjdl.gov.cn/zwgk/zfxxgknb/", body))
    assert [r.url for r in reading.requests] == ["http://www.tjdl.gov.cn/zwgk/zfxxgknb/index_1.shtml",
                                                 "http://www.tjdl.gov.cn/zwgk/zfxxgknb/index_2.shtml"]
    assert all(r.reader == "" for r in reading.requests)  # static pages, read as list pages


def test_trs_pager_written_by_a_document_write_loop():
    body = ('<script>var countPage = 3; var currentPage = 0;\nfor (var i = 0; i < countPage; i++) {\n'
            '  if (i == 0) { document.write("<a href=\\"index.htm\\">1</a>"); }\n'
            '  else { document.write("<a href=\\"index_" + i + ".htm\\">" + (i + 1) + "</a>"); } }</script>')
    reading = trs.read_page(page("http://www.nxzw.gov.cn/zwgk/zfxxgknb/2022n/index.htm", body))
    assert [r.url for r in reading.requests] == ["http://www.nxzw.gov.cn/zwgk/zfxxgknb/2022n/index_1.htm",
                                                 "http://www.nxzw.gov.cn/zwgk/zfxxgknb/2022n/index_2.htm"]
    assert trs.read_page(page("http://x.gov.cn/a/", "<p>var countPage = 3;</p>")) is None


# -- Hanweb ------------------------------------------------------------------------------------------

HANWEB_COLUMN = """<div id="8806211"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=5410311&unitid=8806211&webname=咸宁市人民政府&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2025/2/15/art_5410311_3412245.html" title="市科技局2024年度政府信息公开工作年度报告">市科技局2024年度…</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/1/10/art_5410311_3412252.html">咸宁市科学技术局政府信息公开指南</a></li>]]></record>
</recordset></datastore></script></div><script>
$('#8806211').jpage({ proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: 2, totalRecord: 9, ajaxParam: {col: 1, appid: 1,
webid: 3, path: '/', columnid: 5410311, sourceContentType: 1, unitid: 8806211, webname: '咸宁市人民政府', permissiontype: 0} });
</script>"""


def test_hanweb_datastore_records_and_the_dataproxy_posts_for_the_rest():
    reading = hanweb.read_page(page("http://www.xianning.gov.cn/col/col5410311/index.html", HANWEB_COLUMN))
    assert reading.items == [
        ("http://www.xianning.gov.cn/art/2025/2/15/art_5410311_3412245.html", "市科技局2024年度政府信息公开工作年度报告"),
        ("http://www.xianning.gov.cn/art/2024/1/10/art_5410311_3412252.html", "咸宁市科学技术局政府信息公开指南"),
    ]
    assert [r.url.split("?")[1] for r in reading.requests] == [
        "startrecord=3&endrecord=8&perpage=2", "startrecord=9&endrecord=9&perpage=2"]
    form = reading.requests[0].formdata
    assert reading.requests[0].method == "POST"
    assert form == {"appid": "1", "webid": "3", "path": "/", "columnid": "5410311", "unitid": "8806211",
                    "webname": "咸宁市人民政府", "permissiontype": "0", "col": "1", "sourceContentType": "1"}


def test_hanweb_answer_is_read_against_the_column_page():
    xml = ('<datastore><totalrecord>9</totalrecord><recordset><record><![CDATA[<li><a href="/art/2023/2/20/'
           'art_5410311_3412226.html">咸宁市科学技术局2022年度政府信息公开工作报告</a></li>]]></record></recordset></datastore>')
    reading = read_answer(answer("http://www.xianning.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3", xml,
                                 list_reader="hanweb", list_page_url="http://www.xianning.gov.cn/col/col5410311/index.html"))
    assert reading.items == [("http://www.xianning.gov.cn/art/2023/2/20/art_5410311_3412226.html",
                              "咸宁市科学技术局2022年度政府信息公开工作报告")]


# -- gkmlpt ------------------------------------------------------------------------------------------

GKMLPT = """<script>window._CONFIG = { SID: '755117', ROOT: '/gkmlpt',
TREE: [{"id": 2601, "name": "政府工作报告", "post_count": 1, "children": []},
 {"id": 2629, "name": "政府信息公开年报", "post_count": 15, "children": [
   {"id": 2631, "name": "部门", "post_count": 0, "children": [{"id": 2632, "name": "区教育局", "post_count": 3, "children": []}]},
   {"id": 2640, "name": "链接", "jump_url": "http://elsewhere/", "children": []}]}],
SERVICE_AREA_ID: 1 };</script><a href="/gkmlpt/index">政务公开</a>"""


def test_gkmlpt_lists_every_node_under_the_annual_report_node_through_its_api():
    (reading,) = read_list_page(page("http://www.conghua.gov.cn/gkmlpt/annualreport", GKMLPT))
    assert not reading.anchors  # the page's links are the catalogue's chrome
    assert [r.url for r in reading.requests] == ["http://www.conghua.gov.cn/gkmlpt/api/all/2629?page=1&sid=755117",
                                                 "http://www.conghua.gov.cn/gkmlpt/api/all/2632?page=1&sid=755117"]


def test_gkmlpt_answer_asks_for_its_further_pages():
    body = json.dumps({"total": 25, "articles": [
        {"title": f"广州市从化区人民政府{y}年政府信息公开工作年度报告", "url": f"http://www.conghua.gov.cn/gkmlpt/content/4/4123/post_41231{y}.html"}
        for y in range(2015, 2025)]}, ensure_ascii=False)
    reading = gkmlpt.read_answer(answer("http://www.conghua.gov.cn/gkmlpt/api/all/2629?page=1&sid=755117", body,
                                        page=1, list_meta={"category": 2629, "sid": "755117"}))
    assert len(reading.items) == 10
    assert [r.url for r in reading.requests] == [f"http://www.conghua.gov.cn/gkmlpt/api/all/2629?page={n}&sid=755117"
                                                 for n in (2, 3)]


# -- links by meaning, scope, steps, roots -----------------------------------------------------------

@pytest.mark.parametrize("label", ["政府信息公开年报", "信息公开年报", "公开年报", "年度报告", "政府信息公开工作年度报告", "年报",
                                   "政府信息公开年度报告"])
def test_column_names(label):
    assert nav.names_report_column(label)


@pytest.mark.parametrize("label", ["政府工作报告", "统计公报", "2023年政府信息公开工作年度报告", "政府信息公开指南", "新闻"])
def test_not_column_names(label):
    assert not nav.names_report_column(label)


def test_placeholders_and_labels_split_by_tags():
    body = ('<a href="#">政府信息公开年报</a><a href="javascript:;">年报</a>'
            '<a href="/zwgk/nb/"><i class="icon"></i><em>政府信息</em><br><span>公开年报</span></a>'
            '<a href="/x/" title="政府信息公开年报">年报…</a><a href="/y/">【 年度报告 】</a>')
    links = nav.page_links(page("http://www.example.gov.cn/", body))
    assert [(link.url, link.label) for link in links] == [("http://www.example.gov.cn/zwgk/nb/", "政府信息公开年报"),
                                                          ("http://www.example.gov.cn/x/", "政府信息公开年报"),
                                                          ("http://www.example.gov.cn/y/", "年度报告")]


def test_units_and_their_lists():
    assert all(nav.names_unit_list(x) for x in ("部门", "镇街", "部门街镇", "机构设置", "乡镇（街道）"))
    assert nav.names_catalogue("政府信息公开目录") and not nav.names_catalogue("政府信息公开指南")
    assert all(nav.names_unit(x) for x in ("咸宁市科学技术局", "街口街道", "温泉镇", "区发展改革委"))
    assert not any(nav.names_unit(x) for x in ("部门", "政府工作报告", "咸宁市召开2025年政务公开工作会议"))


class OnePortal(PortalSpider):
    name = "one"

    def select_portals(self, **kwargs):
        return [Portal(name="会昌县", code="360733", level="county", root_url="http://www.huichang.gov.cn/")]


def test_disclosure_sub_domains_join_the_scope_siblings_never():
    spider = OnePortal()
    portal = spider.portals["会昌县"]
    assert spider.reachable(portal, "http://xxgk.huichang.gov.cn/xxgknb/")
    assert not spider.owns(portal, "http://xxgk.huichang.gov.cn/xxgknb/")
    assert not spider.reachable(portal, "http://www.ruijin.gov.cn/xxgknb/")
    assert not spider.reachable(portal, "http://huichang.gov.cn.example.net/")
    spider.admit(portal, "http://xxgk.huichang.gov.cn/xxgknb/")
    assert "xxgk.huichang.gov.cn" in spider.hosts_in_scope and spider.owns(portal, "http://xxgk.huichang.gov.cn/a")


def test_a_column_at_a_site_root_claims_no_folder():
    assert column_base("http://www.x.gov.cn/index.html?c=nb") is None
    assert column_base("http://www.x.gov.cn/col/col12/index.html") == "www.x.gov.cn/col/col12/"


def test_the_step_that_found_nothing():
    row = {"reports": 0, "list_pages": 0}
    assert step_found_nothing(row, {}) == "root page did not answer"
    assert "no disclosure section" in step_found_nothing(row, {"home": 1})
    assert "no 年报 column" in step_found_nothing(row, {"home": 1, "sections": 2})
    assert "no list items" in step_found_nothing({"reports": 0, "list_pages": 1}, {"home": 1, "columns": 1})
    assert step_found_nothing({"reports": 3, "list_pages": 1}, {}) == ""


def test_roots_and_registry_files(tmp_path):
    spider = PortalsSpider(roots="http://www.tjdl.gov.cn/,www.xianning.gov.cn/col/col5402001/index.html")
    assert list(spider.portals) == ["tjdl.gov.cn", "xianning.gov.cn"]
    registry = tmp_path / "r.json"
    registry.write_text(json.dumps({"portals": [{"name": "会昌县", "code": "360733", "root": "http://www.huichang.gov.cn/",
                                                 "hosts": ["www.huichang.gov.cn", "xxgk.huichang.gov.cn"]}]}), "utf-8")
    (portal,) = portals_from_file(str(registry))
    assert portal.hosts == {"huichang.gov.cn", "xxgk.huichang.gov.cn"}
    assert [p.name for p in PortalsSpider(registry="tianjin,hubei").portals.values()] == ["东丽区", "咸宁市"]
    with pytest.raises(UserError):
        portals_from_file(str(tmp_path / "missing.json"))
    with pytest.raises(UserError):
        PortalsSpider()


def test_hanweb_page_without_a_count_asks_one_batch_then_the_rest():
    body = HANWEB_COLUMN.replace("totalRecord: 9, ", "")
    reading = hanweb.read_page(page("http://www.xianning.gov.cn/col/col5410311/index.html", body))
    (first,) = reading.requests
    assert first.url.endswith("?startrecord=3&endrecord=8&perpage=2")
    xml = "<datastore><totalrecord>12</totalrecord><recordset></recordset></datastore>"
    more = hanweb.read_answer(answer(first.url, xml, list_meta=first.meta))
    assert [r.url.split("?")[1] for r in more.requests] == ["startrecord=9&endrecord=12&perpage=2"]
    assert more.requests[0].formdata == first.formdata


def test_fujian_static_pages_before_the_api_ones():
    body = ('<script>listModel({ quickMode: "动静结合", maxStaticIndex: 2, listArgs: { channelid: 229105, '
            'classsql: "chnlid=4910", sortfield: "-docorderpri,-docreltime" }, pagebar: { prepage: 15, '
            "recordCount: '40' } });</script>")
    reading = fujian.read_page(page("http://sthjt.fujian.gov.cn/zwgk/zfxxgkzl/gknb/index.htm", body))
    assert [(r.url, r.reader, r.page) for r in reading.requests] == [
        ("http://sthjt.fujian.gov.cn/zwgk/zfxxgkzl/gknb/index_1.htm", "", 1),
        ("http://sthjt.fujian.gov.cn/fjdzapp/search", "fujian", 3)]


def test_sections_that_are_not_units():
    assert not any(nav.names_unit(x) for x in ("新闻中心", "政务服务中心", "网站管理办", "信息公开办"))
    assert all(nav.names_unit(x) for x in ("区委宣传部", "区大数据中心", "区人民法院"))


def test_a_crawl_without_portals_is_one_line_before_anything_runs():
    from conftest import run_nianbao

    proc = run_nianbao("crawl", "portals", "--store", "/nonexistent/never-written")
    assert proc.returncode == 1 and proc.stderr.strip() == "nianbao: say which portals: -a roots=URL[,URL…] or -a registry=FILE.json"
    proc = run_nianbao("crawl", "portals", "-a", "registry=nowhere", "--store", "/nonexistent/never-written")
    assert proc.returncode == 1 and proc.stderr.startswith("nianbao: no registry named 'nowhere'")
