"""The portal registry and the scope rules, against every real report URL we know."""

import csv
from importlib import resources

import pytest

from crawler.errors import UserError
from crawler.portals import load_registry
from crawler.urls import PLATFORM_RULES, canonical_url, in_report_column, is_report_url

RULES = PLATFORM_RULES["chongqing"]


def real_urls():
    text = resources.files("replica.data").joinpath("chongqing_report_urls.tsv").read_text("utf-8")
    rows = list(csv.DictReader([ln for ln in text.splitlines() if not ln.startswith("#")], delimiter="\t"))
    return [r for r in rows if not r["district"].startswith("重庆市(")]


def test_registry_has_every_district_county_and_zone():
    registry = load_registry("chongqing")
    assert len(registry.portals) == 41
    assert sum(p.level == "district" for p in registry.portals) == 26
    assert sum(p.level == "county" for p in registry.portals) == 12
    assert {p.name for p in registry.portals if p.level == "zone"} == {"两江新区", "重庆高新区", "万盛经开区"}
    codes = [p.code for p in registry.portals if p.code]
    assert len(codes) == len(set(codes)) == 38


def test_select_by_name_short_name_and_code():
    registry = load_registry("chongqing")
    assert [p.name for p in registry.select("合川区,大渡口")] == ["合川区", "大渡口区"]
    assert [p.name for p in registry.select("500242")] == ["酉阳土家族苗族自治县"]
    assert [p.name for p in registry.select("秀山县")] == ["秀山土家族苗族自治县"]
    with pytest.raises(UserError, match="unknown portal"):
        registry.select("合川区,东城区")


@pytest.mark.parametrize("row", real_urls(), ids=lambda r: r["url"].split("//")[1][:60])
def test_every_real_district_url_is_in_scope_and_a_report(row):
    registry = load_registry("chongqing")
    portal = registry.portal_for(row["url"])
    assert portal is not None, "no portal owns this host"
    assert portal.name.startswith(row["district"][:2])
    assert portal.owns(row["url"])
    assert is_report_url(row["url"], RULES)


def test_city_level_urls_belong_to_no_district_portal():
    registry = load_registry("chongqing")
    assert registry.portal_for("http://jw.cq.gov.cn/zwgk_209/zfxxgknb/202301/t20230130_11546987_wap.html") is None


def test_wap_query_www_and_scheme_variants_are_one_document():
    base = "http://www.bishan.gov.cn/zwgk_241/zfxxgknb/bm_241/qkjj/202006/t20200617_7581655.html"
    variants = [
        base.replace(".html", "_wap.html"),
        base + "?from=timeline",
        base.replace("http://www.", "https://"),
        base + "#top",
    ]
    assert {canonical_url(v) for v in variants} == {canonical_url(base)}


def test_non_report_columns_and_pages_are_out_of_scope():
    assert not in_report_column("http://www.hc.gov.cn/zwgk_101/zfxxgkzn/", RULES)
    assert not is_report_url("http://www.hc.gov.cn/zwxx_101/qxdt/202503/t20250312_14400001.html", RULES)
    assert not is_report_url("http://www.hc.gov.cn/zwgk_101/zfxxgknb/", RULES)
