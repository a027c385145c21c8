"""Reading pages: body, chrome, tables, metadata — on the replica's pages and on real captured pages."""

import json
from pathlib import Path

import lxml.html
import pytest

from crawler.cli import decode_html
from pipelines.extraction import is_annual_report, read_page
from pipelines.extraction.chrome import is_chrome
from pipelines.extraction.dates import parse_date
from pipelines.extraction.metadata import region_and_level
from pipelines.extraction.tables import grid, table_lines, table_rows

from conftest import run_nianbao

REAL = Path(__file__).parent / "fixtures" / "real_html"
SEED_000_URL = "http://www.hc.gov.cn/bmjd/bm_100475/kjj/zwgk_101203/zfxxgknb_101213/202101/t20210129_8845131.html"
CHROME_PHRASES = ["扫一扫在手机打开当前页", "分享到", "打印本页", "关闭窗口", "您当前的位置", "字号", "语音播报",
                  "网站标识码", "渝ICP备", "渝公网安备", "版权所有", "区县政府网站", "新闻媒体网站", "部门街镇"]


def real(name: str) -> str:
    return decode_html((REAL / name).read_bytes())


@pytest.fixture(scope="module")
def seed_000_page(replica):
    return replica.pages[("hc.gov.cn", SEED_000_URL.split("gov.cn", 1)[1])].body.decode("utf-8")


def test_chongqing_page_metadata(seed_000_page):
    page = read_page(seed_000_page, SEED_000_URL, region_hint="合川区")
    assert page.title == "重庆市合川区科学技术局2020年政府信息公开工作年度报告"
    assert page.issuer == "重庆市合川区科学技术局"
    assert (page.region, page.admin_level) == ("重庆市合川区", "department")
    assert page.report_year == 2020
    assert page.publish_date == "2021-01-29"
    assert page.form == "2019"
    assert page.extractor == "chongqing"


def test_chongqing_page_keeps_the_report_and_drops_the_chrome(seed_000_page):
    text = read_page(seed_000_page, SEED_000_URL).text
    for phrase in CHROME_PHRASES:
        assert phrase not in text, phrase
    lines = text.splitlines()
    assert lines[:3] == ["重庆市合川区科学技术局", "2020年政府信息公开工作年度报告", "一、总体情况"]
    assert "坚持便民、服务原则,区科技局高度重视依申请公开事项的办理。" in lines
    assert lines[-3:] == ["重庆市合川区科学技术局", "2021年1月25日", "(联系人:谭颖,联系电话:42756855)"]
    assert "其他对外管理服务事项\t2\t0\t0" in lines
    assert "\t(三)不予公开\t1.属于国家秘密\t0\t0\t0\t0\t0\t0\t0" in lines
    assert "一、本年新收政府信息公开申请数量\t\t\t0\t0\t0\t0\t0\t0\t0" in lines
    assert "0\t" * 14 + "0" in lines  # section 四: one row of 15 cells


def test_replica_report_tables_have_the_form_width(seed_000_page):
    page = read_page(seed_000_page, SEED_000_URL)
    widths = [{len(row) for row in grid(t["rows"])} for t in page.tables]
    assert widths == [{4}, {10}, {15}]
    assert page.attachments == [{
        "name": "重庆市合川区科学技术局2020年政府信息公开工作年度报告.pdf",
        "url": SEED_000_URL.rsplit("/", 1)[0] + "/W020210129845131.pdf",
        "type": "pdf",
    }]


def test_spans_expand_and_broken_labels_join():
    table = lxml.html.fromstring(
        "<table><tr><td rowspan='2'>信息内容</td><td colspan='2'>本年新<br/>制作数量</td></tr>"
        "<tr><td>a</td><td></td></tr><tr><td>规章</td><td>0</td><td>1</td></tr></table>"
    )
    rows = table_rows(table)
    assert rows[0][1] == {"text": "本年新制作数量", "rowspan": 1, "colspan": 2}
    assert table_lines(rows) == ["信息内容\t本年新制作数量\t", "\ta\t", "规章\t0\t1"]


def test_cells_left_open_inside_inline_tags_stay_cells():
    """Hand-edited markup: end tags missing inside <span>/<font>. libxml2 nests each cell in the
    one before; the page is then parsed as a browser does, and every row keeps its cells."""
    rows = "".join(f"<tr><td><span>{label}<td><span>{a}<td><span>{b}" for label, a, b in
                   [("信息内容", "本年制发件数", "本年废止件数"), ("规章", "0", "1"), ("行政规范性文件", "4", "2")])
    html = ("<html><head><title>2024年政府信息公开工作年度报告</title></head><body><div class='zwxl-article'>"
            "<FONT><B><p>一、总体情况<p>本机关认真贯彻落实条例,现将本年度报告公布如下。"
            f"<TABLE border=1>{rows}</table></div></body></html>")
    page = read_page(html, url="http://www.cqck.gov.cn/zwgk_329/zfxxgknb/bm/202501/t20250113_1.html")
    assert "规章\t0\t1" in page.text.splitlines() and "行政规范性文件\t4\t2" in page.text.splitlines()
    assert [len(row) for row in grid(page.tables[0]["rows"])] == [3, 3, 3]


def test_www_gov_cn_page_with_a_stray_closing_html_tag():
    page = read_page(real("gne_www_gov_cn_gongbao_detail.html"))
    assert page.extractor == "gov.cn"
    assert "会议决定：批准发行15500亿元特别国债购买外汇，批准2007年末国债余额限额调整为53365.53亿元。" in page.text
    assert "扫一扫" not in page.text and "相关稿件" not in page.text
    assert page.publish_date == "2007-08-20"


@pytest.mark.parametrize("name", ["gne_shanxi_gov_detail.html", "gne_fgw_zj_gov_hanweb_detail.html",
                                  "pingtan_2011_report.html", "pingtan_2014_letter_in_report_column.html"])
def test_real_pages_give_text_without_chrome(name):
    page = read_page(real(name))
    assert len(page.text) > 200
    assert not [line for line in page.text.splitlines() if is_chrome(line)]
    for phrase in ("扫一扫", "版权所有", "ICP备", "网站标识码", "分享到"):
        assert phrase not in page.text


def test_report_or_not_by_title():
    assert read_page(real("pingtan_2011_report.html")).is_report
    assert read_page(real("pingtan_2011_report.html")).report_year == 2011
    assert not read_page(real("pingtan_2014_letter_in_report_column.html")).is_report
    assert not read_page(real("pingtan_zfxxgknb_listing.html")).is_report
    assert is_annual_report("东丽区科技局政府信息公开工作年度报告")
    assert is_annual_report("重庆市渝中区人民政府办公室2025年政府信息公开工作年度报告")
    assert not is_annual_report("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知")
    assert not is_annual_report("重庆市北碚区人民政府信息公开指南")
    assert not is_annual_report("政府信息公开年报")


def test_chrome_rules_spare_the_reports_own_sentences():
    assert is_chrome("扫一扫在手机打开当前页")
    assert is_chrome("来源:市科技局 日期:2025-01-20 字号: 分享到:")
    assert is_chrome("中国政府网 | 重庆市人民政府网 | 大渡口区人民政府 部门街镇")
    assert is_chrome("网站标识码:5001170001   渝ICP备12345678号")
    assert is_chrome("新闻媒体网站")
    assert not is_chrome("通过中国政府网、区政府门户网站及时公开政府信息。")
    assert not is_chrome("我局信息全部依托市政府网站统一发布公开,由市政府统一管理运行。无政务新媒体。")
    assert not is_chrome("规章\t0\t0\t0")


@pytest.mark.parametrize("text, iso", [
    ("2021-01-29", "2021-01-29"), ("2021年1月29日", "2021-01-29"), ("2021/1/29", "2021-01-29"),
    ("二〇二一年一月二十九日", "2021-01-29"), ("发布日期:2021-01-29 10:30", "2021-01-29"),
    ("自20221月1日起", None), ("2025114", None),
])
def test_dates(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("issuer, expected", [
    ("重庆市合川区科学技术局", ("重庆市合川区", "department")),
    ("重庆市万州区大周镇人民政府", ("重庆市万州区", "township")),
    ("重庆市九龙坡区二郎街道办事处", ("重庆市九龙坡区", "township")),
    ("重庆市合川区人民政府", ("重庆市合川区", "district")),
    ("重庆市酉阳土家族苗族自治县人民政府", ("重庆市酉阳土家族苗族自治县", "county")),
    ("重庆市北碚区人民政府办公室", ("重庆市北碚区", "department")),
    ("中卫市人民政府", ("中卫市", "city")),
    ("重庆两江新区管理委员会", ("重庆两江新区", "district")),
])
def test_region_and_level(issuer, expected):
    assert region_and_level(issuer) == expected


def test_extract_command_prints_the_document(tmp_path, seed_000_page):
    page = tmp_path / "page.html"
    page.write_text(seed_000_page, encoding="utf-8")
    proc = run_nianbao("extract", str(page), "--url", SEED_000_URL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) >= {"url", "title", "issuer", "region", "admin_level", "report_year", "publish_date",
                        "form", "text", "tables", "attachments"}
    assert doc["url"] == SEED_000_URL and doc["report_year"] == 2020
