"""The national registry (crawler/data/china_registry.jsonl) and the spiders that select from it."""

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.portals import bare_host, load_registry
from crawler.registry import FIRST_REPORT_YEAR, LEVELS, load_national_registry, parse_years

from conftest import ROOT

NIANBAO = Path(sys.executable).with_name("nianbao")  # the installed console script, as a user runs it


def run_nianbao(*args):
    return subprocess.run([str(NIANBAO), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)

CODE = re.compile(r"^[1-6]\d{5}$")


@pytest.fixture(scope="module")
def registry():
    return load_national_registry()


def overlapping(a, b) -> bool:
    years = range(FIRST_REPORT_YEAR, 2031)
    return any(a.reports_for(y) and b.reports_for(y) for y in years)


def test_codes_are_valid_and_unique_while_in_force(registry):
    by_code = defaultdict(list)
    for unit in registry.units:
        assert unit.level in LEVELS
        if unit.level == "zone":
            assert unit.code is None and unit.parent
            continue
        assert CODE.match(unit.code), unit
        by_code[unit.code].append(unit)
        if unit.level == "province":
            assert unit.code.endswith("0000") and unit.parent is None
        elif unit.level == "prefecture":
            assert unit.code.endswith("00") and not unit.code.endswith("0000")
    assert len({u.key for u in registry.units}) == len(registry.units)
    for code, units in by_code.items():  # a code is reused only after its first unit was abolished
        for i, a in enumerate(units):
            for b in units[i + 1:]:
                assert not overlapping(a, b), (a, b)


def test_every_unit_sits_under_its_prefecture_or_province(registry):
    by_code = {}
    for u in registry.units:
        if u.code and (u.code not in by_code or u.valid_to is None):
            by_code[u.code] = u
    for unit in registry.units:
        if unit.level == "province":
            continue
        parent = by_code[unit.parent]
        assert parent.level in ("province", "prefecture"), unit
        assert unit.parent[:2] == (unit.code or unit.parent)[:2], unit
        if unit.level == "county" and parent.level == "prefecture":
            assert unit.code[:4] == unit.parent[:4], unit
        assert unit.path[:-1] == parent.path and unit.path[-1] == unit.name


def test_today_figures_match_the_division_source(registry):
    today = Counter(u.level for u in registry.units if u.valid_to is None)
    assert today["province"] == 31  # Taiwan, Hong Kong and Macao publish no such reports
    assert today["prefecture"] == 333
    assert today["county"] == 2847


def test_no_root_is_shared_by_two_units(registry):
    owners = defaultdict(set)
    for unit in registry.units:
        for root in unit.roots:
            assert urlsplit(root).scheme in ("http", "https") and urlsplit(root).hostname, root
            owners[bare_host(urlsplit(root).hostname)].add(unit.key)
    shared = {host: keys for host, keys in owners.items() if len(keys) > 1}
    assert not shared


def test_the_chongqing_roots_we_know_are_all_there(registry):
    chongqing = load_registry("chongqing")
    units = {u.name: u for u in registry.units if u.path[0] == "重庆市"}
    for portal in chongqing.portals:
        unit = units[portal.name]
        assert unit.roots[0] == portal.root_url
        hosts = {bare_host(urlsplit(r).hostname) for r in unit.roots}
        assert portal.hosts <= hosts
        assert unit.confirmed == portal.confirmed or unit.confirmed  # a real report page may confirm more
        assert unit.platform == "chongqing"


def test_chongqing_2026_changes_keep_the_old_districts_for_their_years(registry):
    units = {u.name: u for u in registry.units if u.path[0] == "重庆市"}
    for name, host in (("江北区", "cqjb.gov.cn"), ("渝北区", "ybq.gov.cn")):
        unit = units[name]
        assert unit.valid_to == "2026-01-25"
        assert all(unit.reports_for(y) for y in range(2019, 2026)) and not unit.reports_for(2026)
        assert host in {bare_host(urlsplit(r).hostname) for r in unit.roots}
    liangjiang = units["两江新区"]
    assert liangjiang.code == "500157" and liangjiang.reports_for(2026) and liangjiang.reports_for(2020)
    chosen = {u.name for u in registry.select(provinces="重庆市", years="2026")}
    assert "两江新区" in chosen and "江北区" not in chosen and "渝北区" not in chosen
    chosen = {u.name for u in registry.select(provinces="重庆", years="2019-2024")}
    assert {"江北区", "渝北区", "两江新区"} <= chosen


def test_abolished_units_keep_their_entry_with_the_year_they_went(registry):
    gone = [u for u in registry.units if u.valid_to]
    assert len(gone) > 200  # the change log records hundreds since 2008
    chaohu = next(u for u in registry.units if u.code == "341400")  # 巢湖市, abolished in 2011
    assert chaohu.valid_to == "2011" and chaohu.reports_for(2010) and not chaohu.reports_for(2011)
    lujiang = next(u for u in registry.units if u.code == "340124")  # moved from 巢湖 to 合肥 in 2011
    assert {"code": "341421", "until": "2011"} in lujiang.former_codes
    for unit in gone:
        assert any(s.startswith("changes:") for s in unit.sources), unit


def test_every_fact_says_where_it_came_from(registry):
    for unit in registry.units:
        assert unit.sources
        if unit.roots:
            assert {"website-gov", "chongqing"} & set(unit.sources), unit
        if unit.confirmed:
            assert {"report-urls", "chongqing"} & set(unit.sources), unit


def test_selections_of_the_named_spiders():
    from spiders.china import ChinaSpider, HubeiSpider, NingxiaSpider, TianjinDistrictsSpider
    from spiders.chongqing_districts import ChongqingDistrictsSpider

    tianjin = TianjinDistrictsSpider()
    assert len(tianjin.portals) == 16 and tianjin.portals["东丽区"].root_url == "https://www.tjdl.gov.cn/"
    assert NingxiaSpider().portals["中卫市"].hosts == {"nxzw.gov.cn"}
    assert "xianning.gov.cn" in HubeiSpider().portals["咸宁市"].hosts
    chongqing = ChongqingDistrictsSpider()
    assert set(chongqing.portals) == {p.name for p in load_registry("chongqing").portals}
    assert set(ChongqingDistrictsSpider(districts="合川,石柱县").portals) == {"合川区", "石柱土家族自治县"}
    spider = ChinaSpider(provinces="天津市,宁夏回族自治区", levels="county,prefecture", years="2019-2024")
    assert spider.years == tuple(range(2019, 2025))
    assert {p.level for p in spider.portals.values()} == {"county", "prefecture"}
    assert len(spider.portals) == 16 + 5 + 22
    with pytest.raises(ValueError, match="unknown level"):
        ChinaSpider(levels="town")


def test_years_are_read_as_a_researcher_writes_them():
    assert parse_years("2019-2024") == tuple(range(2019, 2025))
    assert parse_years("2021，2019") == (2019, 2021)
    assert parse_years("") == ()
    for bad in ("2024-2019", "19-24", "last year"):
        with pytest.raises(ValueError):
            parse_years(bad)


def test_nianbao_registry_lists_units_as_json_lines():
    proc = run_nianbao("registry", "--province", "重庆市", "--level", "county", "--year", "2026", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 37  # 38 districts and counties, less 江北 and 渝北, plus 两江新区
    for row in rows:
        assert {"code", "name", "path", "level", "parent", "roots", "valid_from", "valid_to", "sources",
                "confirmed"} <= set(row)
        assert row["path"][0] == "重庆市" and row["parent"] == "500000"
    text = run_nianbao("registry", "--province", "宁夏回族自治区", "--level", "prefecture")
    assert text.returncode == 0 and "中卫市" in text.stdout and "5 units" in text.stdout


@pytest.mark.parametrize("args, message", [
    (("registry", "--province", "火星省"), "nianbao: unknown province(s): 火星省"),
    (("registry", "--level", "town"), "nianbao: unknown level(s): town"),
    (("registry", "--year", "last"), "nianbao: years must look like 2019-2024"),
])
def test_nianbao_registry_refuses_bad_input_in_one_line(args, message):
    proc = run_nianbao(*args)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith(message) and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, message", [
    (("china", "-a", "provinces=火星省"), "nianbao: unknown province(s): 火星省"),
    (("ningxia", "-a", "levels=town"), "nianbao: unknown level(s): town"),
    (("china", "-a", "codes=999999"), "nianbao: unknown unit(s): 999999"),
    (("china", "-a", "years=2024-2019"), "nianbao: years '2024-2019' run backwards"),
    (("nosuchspider",), "nianbao: no spider 'nosuchspider'; the spiders are: china,"),
])
def test_nianbao_crawl_refuses_a_bad_selection_in_one_line(args, message, tmp_path):
    proc = run_nianbao("crawl", *args, "--store", str(tmp_path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith(message) and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not list((tmp_path / "snapshots").glob("*"))  # no empty snapshot left behind
