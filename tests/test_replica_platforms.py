"""The replica's portals beyond Chongqing, over real HTTP: each platform's pages, pagers, list
APIs and proxies answer as the real platforms do, and each portal knows its reports."""

import re
import urllib.error
import urllib.request

import pytest

from replica.scoring import score
from replica.server import OfflinePortal


@pytest.fixture(scope="module")
def portal():
    with OfflinePortal() as running:
        yield running


def fetch(portal, url, data=None, headers=None):
    """Through the offline portal as a plain-http proxy (it answers https hosts the same)."""
    from urllib.parse import quote

    url = quote(url.replace("https://", "http://", 1), safe=":/?&=%#+,;@")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": portal.proxy_url}))
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


def text(portal, url, data=None):
    return fetch(portal, url, data)[2].decode("utf-8")


def test_every_replica_report_is_served(portal):
    for built in portal.replica.platforms:
        reports = built.expected_reports()
        assert len(reports) >= 10, built.portal.name
        assert built.not_reports(), built.portal.name
        for url, want in reports.items():
            status, kind, body = fetch(portal, url)
            assert status == 200, url
            if want["file"]:
                # Apache's mime.types calls .wps Microsoft Works; servers send it so
                assert kind in ("application/pdf", "application/msword", "application/vnd.ms-works"), url
            else:
                assert want["title"] in body.decode("utf-8"), url
        if built.platform != "fujian":  # the real Pingtan column has none
            assert any(r["file"] for r in reports.values()), f"{built.portal.name} has no report published only as a file"


def test_dongli_serves_seed_001_and_pages_by_createPageHTML(portal):
    dongli = portal.replica.platform("东丽区")
    seed = [u for u, r in dongli.expected_reports().items() if r["title"] == "东丽区科技局政府信息公开工作年度报告"]
    assert len(seed) == 1
    assert "天津市东丽区科学技术局" in text(portal, seed[0])
    column = text(portal, "http://www.tjdl.gov.cn/zwgk/zfxxgknb/")
    pages = int(re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', column).group(1))
    assert pages >= 2
    assert "t20" in text(portal, f"http://www.tjdl.gov.cn/zwgk/zfxxgknb/index_{pages - 1}.html")
    # the way in: the 年报 link's text sits in an <em> beside an icon; the home page's placeholder is a decoy
    assert "<em>政府信息公开年报</em>" in text(portal, "http://www.tjdl.gov.cn/zwgk/")
    home = text(portal, "http://www.tjdl.gov.cn/")
    assert '<a href="#">政府信息公开年报</a>' in home and "政府工作报告" in home and "机构设置" in home


def test_post_to_a_static_page_is_not_allowed(portal):
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(portal, "http://www.tjdl.gov.cn/zwgk/zfxxgknb/", data=b"a=1")
    assert refused.value.code == 405


def test_score_counts_recall_precision_and_requests_off_scope():
    from replica.site import build_replica

    dongli = build_replica().platform("东丽区")
    reports = sorted(dongli.expected_reports())
    wrong = sorted(dongli.not_reports())[0]
    result = score(dongli, reports[1:] + [wrong], [("GET", "http://www.tjdl.gov.cn/"), ("GET", "http://www.tj.gov.cn/")])
    assert result.recall == (len(reports) - 1) / len(reports) and result.missed == {reports[0]}
    assert result.precision == (len(reports) - 1) / len(reports) and result.wrong == {wrong}
    assert result.off_scope == ("http://www.tj.gov.cn/",) and not result.perfect
    assert score(dongli, reports, [("CONNECT", "www.tjdl.gov.cn:443")]).perfect


def test_zhongwei_years_and_document_write_pager(portal):
    section = text(portal, "http://www.nxzw.gov.cn/zwgk/")
    assert "title='政府信息公开年报'" in section and ">政府信息公开年报<" not in section  # the name only in title
    column = text(portal, "http://www.nxzw.gov.cn/zwgk/zfxxgknb/")
    years = re.findall(r'href="\./(20\d\d)n/"', column)
    assert len(years) >= 6
    paged = 0
    for year in years:
        page = text(portal, f"http://www.nxzw.gov.cn/zwgk/zfxxgknb/{year}n/")
        count = int(re.search(r"var countPage = (\d+);", page).group(1))
        assert "index_1.html" not in page.split("<script")[0]  # no static link to the next page
        if count > 1:
            paged += 1
            assert "t20" in text(portal, f"http://www.nxzw.gov.cn/zwgk/zfxxgknb/{year}n/index_{count - 1}.html")
    assert paged >= 2
    seed = [u for u, r in portal.replica.platform("中卫市").expected_reports().items()
            if r["title"] == "中卫市科学技术局2020年政府信息公开工作年度报告"]
    assert len(seed) == 1 and "/2020n/" in seed[0]


def test_huichang_discloses_on_its_own_sub_domain(portal):
    home = text(portal, "http://www.huichang.gov.cn/")
    assert "http://xxgk.huichang.gov.cn/" in home
    section = text(portal, "http://xxgk.huichang.gov.cn/")
    assert 'href="./xxgknb/"' in section and "信息公<br>开年报" in section
    assert "http://xxgk.ruijin.gov.cn/xxgknb/" in section  # a neighbour's column: another portal
    huichang = portal.replica.platform("会昌县")
    assert "ruijin.gov.cn" not in huichang.hosts and "xxgk.huichang.gov.cn" in huichang.hosts
    depts = text(portal, "http://xxgk.huichang.gov.cn/bmgkml/")
    assert "http://xxgk.huichang.gov.cn/bmgkml/gzw/" in depts
    assert any("/bmgkml/gzw/xxgknb/" in u for u in huichang.expected_reports())


HANWEB_FIELDS = {"col": "1", "appid": "1", "webid": "3", "path": "/", "sourceContentType": "1",
                 "webname": "咸宁市人民政府", "permissiontype": "0"}


def hanweb_records(xml: str) -> list[str]:
    return re.findall(r'<record><!\[CDATA\[\s*<li><a href="([^"]+)"', xml)


def test_hanweb_column_pages_through_its_dataproxy(portal):
    from urllib.parse import urlencode

    column = text(portal, "http://www.xianning.gov.cn/col/col5402301/index.html")
    inline = hanweb_records(column)
    total = int(re.search(r"totalRecord: (\d+)", column).group(1))
    fields = dict(re.findall(r"(\w+): '?([^,'}]+)'?", re.search(r"ajaxParam: \{([^}]*)\}", column).group(1)))
    assert fields["columnid"] == "5402301" and total > len(inline) == 10
    seen = list(inline)
    proxy = "http://www.xianning.gov.cn/module/web/jpage/dataproxy.jsp"
    for start in range(len(inline) + 1, total + 1, 10):
        query = urlencode({"startrecord": start, "endrecord": start + 9, "perpage": 10})
        status, kind, body = fetch(portal, f"{proxy}?{query}", data=urlencode(fields).encode())
        xml = body.decode("utf-8")
        assert kind == "text/xml" and f"<totalrecord>{total}</totalrecord>" in xml
        seen += hanweb_records(xml)
    assert len(seen) == len(set(seen)) == total
    xianning = portal.replica.platform("咸宁市")
    main_reports = {u for u, r in xianning.expected_reports().items() if r["issuer"].startswith("咸宁市人民政府")}
    assert main_reports <= {"http://xianning.gov.cn" + href for href in seen}
    # without the page's fields the proxy finds no column
    bare = fetch(portal, f"{proxy}?startrecord=11&endrecord=20&perpage=10", data=b"")[2].decode("utf-8")
    assert "<totalrecord>0</totalrecord>" in bare and not hanweb_records(bare)


def test_hanweb_departments_hang_in_the_unit_tree(portal):
    tree = text(portal, "http://www.xianning.gov.cn/col/col5402401/index.html")
    assert "咸宁市科学技术局" in tree
    seed = [u for u, r in portal.replica.platform("咸宁市").expected_reports().items()
            if r["title"] == "市科技局2024年度政府信息公开工作年度报告"]
    assert len(seed) == 1 and 'id="zoom"' in text(portal, seed[0])


def gkmlpt_leaves(tree):
    for node in tree:
        yield node
        yield from gkmlpt_leaves(node["children"])


def test_gkmlpt_catalogue_and_api_list_every_report(portal):
    import json

    page = text(portal, "http://www.conghua.gov.cn/gkmlpt/annualreport")
    sid = re.search(r"SID: '(\d+)'", page).group(1)
    tree = json.loads(re.search(r"TREE: (\[.*\]),\n", page).group(1))
    annual = next(n for n in tree if n["name"] == "政府信息公开年报")
    listed, paged = set(), False
    for node in gkmlpt_leaves([annual]):
        n = 1
        while True:
            answer = json.loads(text(portal, f"http://www.conghua.gov.cn/gkmlpt/api/all/{node['id']}?page={n}&sid={sid}"))
            assert answer["total"] == node["post_count"] == answer["classify"]["post_count"]
            if not answer["articles"]:
                break
            listed |= {a["post_url"] for a in answer["articles"]}
            paged |= n > 1
            n += 1
    assert paged
    conghua = portal.replica.platform("从化区")
    assert set(conghua.expected_reports()) <= {u.replace("www.", "") for u in listed}
    wrong_site = json.loads(text(portal, f"http://www.conghua.gov.cn/gkmlpt/api/all/{annual['id']}?page=1&sid=1"))
    assert wrong_site["total"] == 0 and not wrong_site["articles"]


def test_pingtan_list_and_its_search_api_lead_to_every_announced_item(portal):
    import json
    from urllib.parse import urlencode, urljoin

    column = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    page = text(portal, column.replace("https:", "http:"))
    count = int(re.search(r"recordCount: '(\d+)'", page).group(1))
    per = int(re.search(r"prepage: (\d+)", page).group(1))
    search_id = re.search(r"searchId: (\d+)", page).group(1)
    classsql = re.search(r'classsql: "" \|\| "([^"]+)"', page).group(1)
    sortfield = re.search(r'sortfield: "([^"]+)"', page).group(1)
    static = [urljoin(column, h) for h in re.findall(r'<a href="(\./20\d{4}/t\d+_\d+\.htm)"', page)]
    assert count == 20 and len(static) == per == 10
    found = list(static)
    for n in range(2, -(-count // per) + 1):
        form = urlencode({"channelid": search_id, "classsql": classsql, "sortfield": sortfield, "page": n, "prepage": per})
        status, kind, body = fetch(portal, "http://www.pingtan.gov.cn/fjdzapp/search", data=form.encode())
        answer = json.loads(body)
        assert kind == "application/json" and answer["pageCount"] == 2
        found += [r["chnldocurl"] for r in answer["data"]]
    assert len(found) == len(set(found)) == count
    pingtan = portal.replica.platform("平潭综合实验区")
    canonical = {u.replace("https://www.", "http://") for u in found}
    assert canonical == set(pingtan.expected_reports()) | pingtan.not_reports()
    assert len(pingtan.expected_reports()) == 19  # the 2014 letter is filed in the column and is no report
    for url in found:
        assert fetch(portal, url.replace("https:", "http:"))[0] == 200
    # the whole site's index in one request, as the archive enumerated it
    everything = json.loads(fetch(portal, "http://www.pingtan.gov.cn/fjdzapp/search",
                                  data=b"channelid=200210&sortfield=-pubdate&page=1&prepage=500")[2])
    assert len(everything["data"]) == count
    other = json.loads(fetch(portal, "http://www.pingtan.gov.cn/fjdzapp/search",
                             data=b"channelid=200210&classsql=chnlid=9999&page=1&prepage=10")[2])
    assert other == {"pageCount": 0, "data": []}


def test_pingtan_keeps_its_real_pages(portal):
    from pathlib import Path

    real = (Path(__file__).parent / "fixtures" / "real_html" / "pingtan_2011_report.html").read_bytes()
    assert fetch(portal, "http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201204/t20120420_80678.htm")[2] == real
    made = text(portal, "http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm")
    assert "<title>平潭综合实验区2023年度政府信息公开工作年度报告_政府信息公开年报" in made
    assert 'class="TRS_Editor"' in made and "80678" not in made
    assert "title='政府信息公开年报'" in text(portal, "http://www.pingtan.gov.cn/zwgk/zfxxgk/")


def test_registries_name_every_host_the_replica_serves():
    from crawler.portals import load_registry
    from replica.platforms import REGIONS
    from replica.site import build_replica

    replica = build_replica()
    for region, module in REGIONS.items():
        (portal,) = load_registry(region).portals
        assert re.fullmatch(r"\d{6}", portal.code) and load_registry(region).platform
        built = replica.platform(portal.name)
        assert {host for host, _ in built.pages} <= built.hosts, region  # the scope covers every page
        reports = built.expected_reports()
        assert all(built.portal.owns(url) for url in reports) and not set(reports) & built.not_reports()
        # decoys stand on the home page and lead to documents that are not reports
        home = built.pages[(sorted(built.hosts, key=len)[0], "/")].body.decode("utf-8")
        assert '<a href="#">政府信息公开年报</a>' in home and "政府工作报告" in home
    assert not {h for b in replica.platforms for h in b.hosts} & {h for p in replica.portals for h in p.hosts}


def test_gkmlpt_list_exists_only_after_its_script_ran(portal):
    from playwright.sync_api import sync_playwright

    from crawler.browser import chromium_path

    url = "http://www.conghua.gov.cn/gkmlpt/annualreport#2629"
    assert "/gkmlpt/content/" not in text(portal, url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), proxy={"server": portal.proxy_url})
        try:
            page = browser.new_page(ignore_https_errors=True)
            page.goto(url)
            page.wait_for_selector(".gkml-list a", timeout=15000)
            hrefs = page.eval_on_selector_all(".gkml-list a", "els => els.map(e => e.href)")
        finally:
            browser.close()
    assert len(hrefs) == 10 and all("/gkmlpt/content/" in h or "/attachment/" in h for h in hrefs)


def reachable_documents(portal, built):
    """Every in-scope URL a reader reaches from the portal's root by its links, its pagers' counts
    and the list requests its scripts make: proof that no report of the truth is an orphan."""
    import json
    from collections import deque
    from urllib.parse import urlencode, urljoin, urlsplit

    from crawler.portals import bare_host

    def in_scope(url):
        return bare_host(urlsplit(url).hostname or "") in built.hosts

    seen, queue = set(), deque([built.portal.root_url])
    while queue:
        url = queue.popleft().split("#")[0]
        if url in seen or not in_scope(url):
            continue
        seen.add(url)
        try:
            status, kind, body = fetch(portal, url.replace("https://", "http://"))
        except urllib.error.HTTPError:
            continue
        if kind != "text/html":
            continue
        page = body.decode("utf-8")
        found = [urljoin(url, h) for h in re.findall(r'href="([^"#][^"]*)"', page) if not h.startswith("javascript")]
        if count := re.search(r'createPageHTML\((\d+),|var countPage = (\d+);', page):
            pages = int(count.group(1) or count.group(2))
            found += [urljoin(url, f"index_{n}.html") for n in range(1, pages)]
        if ajax := re.search(r"totalRecord: (\d+).*?ajaxParam: \{([^}]*)\}", page):
            fields = dict(re.findall(r"(\w+): '?([^,'}]+)'?", ajax.group(2)))
            for start in range(1, int(ajax.group(1)) + 1, 10):
                proxy = urljoin(url, "/module/web/jpage/dataproxy.jsp?" + urlencode({"startrecord": start, "endrecord": start + 9, "perpage": 10}))
                xml = fetch(portal, proxy, data=urlencode(fields).encode())[2].decode("utf-8")
                found += [urljoin(url, h) for h in re.findall(r'<a href="([^"]+)"', xml)]
        if sid := re.search(r"SID: '(\d+)'", page):
            for node in gkmlpt_leaves(json.loads(re.search(r"TREE: (\[.*\]),\n", page).group(1))):
                for n in range(1, node["post_count"] // 10 + 2):
                    api = urljoin(url, f"/gkmlpt/api/all/{node['id']}?page={n}&sid={sid.group(1)}")
                    found += [a["url"] for a in json.loads(text(portal, api))["articles"]]
        if re.search(r"recordCount: '(\d+)'", page):
            form = urlencode({"channelid": re.search(r"searchId: (\d+)", page).group(1), "page": 2, "prepage": 10,
                              "classsql": re.search(r'classsql: "" \|\| "([^"]+)"', page).group(1)})
            answer = json.loads(fetch(portal, urljoin(url, "/fjdzapp/search"), data=form.encode())[2])
            found += [r["chnldocurl"] for r in answer["data"]]
        queue.extend(found)
    return seen


@pytest.mark.parametrize("name", ["东丽区", "中卫市", "会昌县", "咸宁市", "从化区", "平潭综合实验区"])
def test_every_report_is_reachable_from_the_root(portal, name):
    from crawler.urls import canonical_url

    built = portal.replica.platform(name)
    reached = {canonical_url(u) for u in reachable_documents(portal, built)}
    assert set(built.expected_reports()) <= reached, set(built.expected_reports()) - reached
    assert built.not_reports() <= reached
