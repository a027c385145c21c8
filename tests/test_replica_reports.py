"""The seed reports of the replica (read by hand) and their rendering as TRS-editor HTML.

Expected numbers, labels and key lists are typed here from the seeds and from
shared/reference/report-template.md, so that a slip in the module or in the JSON shows up.
"""

import re
from pathlib import Path

import lxml.html
import pytest

from replica.reports import all_reports, form_keys, load_report, render_body, render_tables, report_title

SEED_DIR = Path(__file__).resolve().parents[1] / "replica" / "data" / "seeds"
NAMES = ["seed_000", "seed_001", "seed_002", "seed_003", "seed_004"]
FORM = {"seed_000": "2019", "seed_001": "2019", "seed_002": "2019", "seed_003": "2019", "seed_004": "2021"}

S2_2019 = ["s2.rules.made", "s2.rules.published", "s2.rules.total_published",
           "s2.normative_docs.made", "s2.normative_docs.published", "s2.normative_docs.total_published",
           "s2.licensing.prev_items", "s2.licensing.change", "s2.licensing.decisions",
           "s2.other_services.prev_items", "s2.other_services.change", "s2.other_services.decisions",
           "s2.penalty.prev_items", "s2.penalty.change", "s2.penalty.decisions",
           "s2.enforcement.prev_items", "s2.enforcement.change", "s2.enforcement.decisions",
           "s2.fees.prev_items", "s2.fees.change", "s2.procurement.projects", "s2.procurement.amount"]
S2_2021 = ["s2.rules.issued", "s2.rules.repealed", "s2.rules.in_force",
           "s2.normative_docs.issued", "s2.normative_docs.repealed", "s2.normative_docs.in_force",
           "s2.licensing.decisions", "s2.penalty.decisions", "s2.enforcement.decisions", "s2.fees.amount_10k_yuan"]
S3_COLS = ["natural", "business", "research", "nonprofit", "legal", "other", "total"]
S3_APPLICANTS = S3_COLS[:6]
RESULTS = ["r1_disclosed", "r2_partly", "r3_1_state_secret", "r3_2_law_forbids", "r3_3_security",
           "r3_4_third_party", "r3_5_internal", "r3_6_process", "r3_7_enforcement_file", "r3_8_query",
           "r4_1_not_held", "r4_2_needs_creation", "r4_3_unclear", "r5_1_petition", "r5_2_repeat",
           "r5_3_publication", "r5_4_excessive", "r5_5_confirm"]
RESULTS_2019 = RESULTS + ["r6_other"]
RESULTS_2021 = RESULTS + ["r6_1_no_correction", "r6_2_no_fee", "r6_3_other"]
S3_ROWS = {"2019": ["new", "carried_in", *RESULTS_2019, "r7_total", "carried_over"],
           "2021": ["new", "carried_in", *RESULTS_2021, "r7_total", "carried_over"]}
S4_GROUPS = ["review", "suit_direct", "suit_after_review"]
S4_COLS = ["upheld", "corrected", "other", "pending", "total"]

# Every number that is not 0, as the seeds publish it.
NONZERO = {
    "seed_000": {"s2.other_services.prev_items": 2},
    "seed_001": {"s3.new.natural": 1, "s3.new.total": 1, "s3.r1_disclosed.natural": 1,
                 "s3.r1_disclosed.total": 1, "s3.r7_total.total": 1},
    "seed_002": {},
    "seed_003": {"s2.other_services.prev_items": 3, "s2.other_services.change": 2,
                 "s2.other_services.decisions": 49, "s2.penalty.prev_items": 2},
    "seed_004": {"s2.normative_docs.issued": 4, "s2.normative_docs.repealed": 2, "s2.normative_docs.in_force": 17,
                 "s2.licensing.decisions": 39, "s3.new.natural": 2, "s3.new.total": 2,
                 "s3.r1_disclosed.natural": 2, "s3.r1_disclosed.total": 2,
                 "s3.r7_total.natural": 2, "s3.r7_total.total": 2},
}
# Seed 001's 总计 row publishes 总计 1 with 自然人 left blank (0), although one 自然人 application was disclosed.
BROKEN_RULES = {"seed_000": set(), "seed_001": {"rule1:natural", "rule2:r7_total", "rule3:natural"},
                "seed_002": set(), "seed_003": set(), "seed_004": set()}

S3_LABELS = {
    "new": "一、本年新收政府信息公开申请数量", "carried_in": "二、上年结转政府信息公开申请数量",
    "r1_disclosed": "(一)予以公开", "r2_partly": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
    "r3_1_state_secret": "1.属于国家秘密", "r3_8_query": "8.属于行政查询事项",
    "r4_1_not_held": "1.本机关不掌握相关政府信息", "r5_5_confirm": "5.要求行政机关确认或重新出具已获取信息",
    "r6_other": "(六)其他处理", "r6_3_other": "3.其他", "r7_total": "(七)总计", "carried_over": "四、结转下年度继续办理",
}


@pytest.fixture(scope="module", params=NAMES)
def report(request):
    return load_report(request.param)


def broken_rules(values: dict, form: str) -> set[str]:
    v = lambda row, col: values[f"s3.{row}.{col}"]  # noqa: E731
    results = RESULTS_2021 if form == "2021" else RESULTS_2019
    broken = set()
    for col in S3_COLS:
        if v("new", col) + v("carried_in", col) != v("r7_total", col) + v("carried_over", col):
            broken.add(f"rule1:{col}")
        if v("r7_total", col) != sum(v(row, col) for row in results):
            broken.add(f"rule3:{col}")
    for row in S3_ROWS[form]:
        if v(row, "total") != sum(v(row, col) for col in S3_APPLICANTS):
            broken.add(f"rule2:{row}")
    for group in S4_GROUPS:
        if values[f"s4.{group}.total"] != sum(values[f"s4.{group}.{c}"] for c in S4_COLS[:4]):
            broken.add(f"rule4:{group}")
    return broken


def grid(table) -> list[list[str]]:
    """The table as a rectangle of cell texts, every rowspan/colspan cell repeated where it stands."""
    cells, taken = {}, set()
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr.iter("td", "th"):
            while (r, c) in taken:
                c += 1
            text = "".join(td.text_content().split())
            for dr in range(int(td.get("rowspan", 1))):
                for dc in range(int(td.get("colspan", 1))):
                    taken.add((r + dr, c + dc))
                    cells[(r + dr, c + dc)] = text
            c += int(td.get("colspan", 1))
    rows = 1 + max(r for r, _ in cells)
    width = 1 + max(c for _, c in cells)
    assert len(cells) == rows * width, "the spans leave holes in the table"
    return [[cells[(r, c)] for c in range(width)] for r in range(rows)]


def table(html: str):
    root = lxml.html.fragment_fromstring(html)
    assert root.tag == "table"
    return root


# -- the data ----------------------------------------------------------------------------------

def test_form_keys_follow_the_template():
    assert form_keys("2019") == (S2_2019 + [f"s3.{r}.{c}" for r in S3_ROWS["2019"] for c in S3_COLS]
                                 + [f"s4.{g}.{c}" for g in S4_GROUPS for c in S4_COLS])
    assert form_keys("2021") == (S2_2021 + [f"s3.{r}.{c}" for r in S3_ROWS["2021"] for c in S3_COLS]
                                 + [f"s4.{g}.{c}" for g in S4_GROUPS for c in S4_COLS])
    assert (len(form_keys("2019")), len(form_keys("2021"))) == (198, 200)
    with pytest.raises(ValueError):
        form_keys("2020")


def test_all_reports_are_the_five_seeds():
    assert [r["name"] for r in all_reports()] == NAMES
    assert [(r["issuer"], r["report_year"], r["form"]) for r in all_reports()] == [
        ("重庆市合川区科学技术局", 2020, "2019"), ("天津市东丽区科学技术局", 2020, "2019"),
        ("区国资委", 2020, "2019"), ("中卫市科学技术局", 2020, "2019"), ("咸宁市科学技术局", 2024, "2021")]


def test_every_canonical_key_is_present(report):
    form = FORM[report["name"]]
    assert report["form"] == form
    expected = (S2_2021 if form == "2021" else S2_2019) + [f"s3.{r}.{c}" for r in S3_ROWS[form] for c in S3_COLS]
    expected += [f"s4.{g}.{c}" for g in S4_GROUPS for c in S4_COLS]
    assert sorted(report["values"]) == sorted(expected)
    assert all(isinstance(v, int) for v in report["values"].values())


def test_values_are_the_published_numbers(report):
    nonzero = {k: v for k, v in report["values"].items() if v != 0}
    assert nonzero == NONZERO[report["name"]]


def test_rules_hold_except_seed_001s_total_row(report):
    assert broken_rules(report["values"], report["form"]) == BROKEN_RULES[report["name"]]
    if report["name"] == "seed_001":
        assert "总计" in report["notes"]


def test_blocks_are_the_seed_text_without_chrome(report):
    seed = (SEED_DIR / report["seed"]).read_text("utf-8")
    texts = [b["text"] for b in report["blocks"] if b["kind"] != "table"]
    for text in texts:
        if "nxzw.gov.cn" in text:  # the seed's Markdown autolink lost its angle brackets
            text = text.replace("(http://www.nxzw.gov.cn/)", "(<http://www.nxzw.gov.cn/>)")
        assert text in seed
    for chrome in ("您当前的位置", "扫一扫在手机打开当前页", "分享到", "字号", "责任编辑", "区县政府网站"):
        assert not any(chrome in t for t in texts), chrome
    tables = [(b["section"], b["table"]) for b in report["blocks"] if b["kind"] == "table"]
    assert tables == [("二", "s2"), ("三", "s3"), ("四", "s4")]
    order = ["preamble", "一", "二", "三", "四", "五", "六", "signature"]
    sections = [order.index(b["section"]) for b in report["blocks"]]
    assert sections == sorted(sections)
    assert report["blocks"][0]["kind"] == "heading"


def test_block_details_read_by_hand():
    r0, r1, r3, r4 = (load_report(n) for n in ("seed_000", "seed_001", "seed_003", "seed_004"))
    assert [b["text"] for b in r0["blocks"][:3]] == ["重庆市合川区科学技术局", "2020年政府信息公开工作年度报告", "一、总体情况"]
    assert [b["text"] for b in r0["blocks"] if b["section"] == "signature"] == [
        "重庆市合川区科学技术局", "2021年1月25日", "(联系人:谭颖,联系电话:42756855)"]
    assert r0["signed"] == {"issuer": "重庆市合川区科学技术局", "date": "2021年1月25日"}
    assert r1["signed"] is None and r1["blocks"][-1] == {"section": "六", "kind": "heading", "text": "六、其他需要报告的事项"}
    assert r3["signed"]["date"] == "2021年1月26日" and "六" not in {b["section"] for b in r3["blocks"]}
    assert r4["signed"] == {"issuer": "咸宁市科学技术局", "date": "2025114"}
    before_tables = [b["text"] for b in r4["blocks"] if b["section"] in "二三四" and b["kind"] == "paragraph"]
    assert before_tables == ["今年来,我局在门户网站主动公开政府信息287条,其中咸宁科技创新网公开科技动态210条、通知公告25条、"
                             "其他信息52条;办事服务办件量为3527件,其中法人办件3527件,自然人办件0件;全年无政府集中采购、"
                             "行政处罚、行政强制、行政事业性收费情况发生。",
                             "2024年度,我局收到政府信息公开申请2条,已按时办结。",
                             "2024年度,我局无市政府信息公开方面的行政复议和行政诉讼情况。"]


# -- the tables --------------------------------------------------------------------------------

def synthetic(form: str) -> dict:
    """Distinct numbers, so that a cell in the wrong place shows."""
    values = {key: 500 + i for i, key in enumerate(S2_2021 if form == "2021" else S2_2019)}
    values.update({f"s3.{row}.{col}": 100 * r + c for r, row in enumerate(S3_ROWS[form]) for c, col in enumerate(S3_COLS)})
    values.update({f"s4.{g}.{col}": 10 * i + c for i, g in enumerate(S4_GROUPS) for c, col in enumerate(S4_COLS)})
    return values


@pytest.mark.parametrize("form", ["2019", "2021"])
def test_section_3_has_seven_value_columns_in_form_order(form):
    g = grid(table(render_tables(synthetic(form), form)["s3"]))
    rows = S3_ROWS[form]
    assert len(g) == 3 + len(rows) and {len(r) for r in g} == {10}
    assert g[0][3:] == ["申请人情况"] * 7
    assert g[1][3:] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert g[2][3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert g[0][:3] == g[2][:3] == ["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"] * 3
    for r, row in enumerate(rows):
        line = g[3 + r]
        assert line[3:] == [str(100 * r + c) for c in range(7)], row
        assert not any(cell.isdigit() for cell in line[:3]), row
        if row in S3_LABELS:
            assert line[2] == S3_LABELS[row], row
    results = RESULTS_2021 if form == "2021" else RESULTS_2019
    first = 3 + rows.index("r1_disclosed")
    assert [g[first + i][0] for i in range(len(results) + 1)] == ["三、本年度办理结果"] * (len(results) + 1)
    assert [line[1] for line in g].count("(三)不予公开") == 8
    assert [line[1] for line in g].count("(四)无法提供") == 3
    assert [line[1] for line in g].count("(五)不予处理") == 5
    assert [line[1] for line in g].count("(六)其他处理") == (3 if form == "2021" else 1)  # 2019: one row, 2 columns wide


def test_section_3_of_the_seeds():
    g1 = grid(table(render_tables(load_report("seed_001")["values"], "2019")["s3"]))
    g4 = grid(table(render_tables(load_report("seed_004")["values"], "2021")["s3"]))
    assert g1[3][3:] == ["1", "0", "0", "0", "0", "0", "1"]
    assert g1[3 + 21][2:] == ["(七)总计", "0", "0", "0", "0", "0", "0", "1"]
    assert g4[3 + 23][2:] == ["(七)总计", "2", "0", "0", "0", "0", "0", "2"]
    assert g4[3 + 20][1:3] == ["(六)其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"]


@pytest.mark.parametrize("form", ["2019", "2021"])
def test_section_4_is_one_row_of_15_values(form):
    g = grid(table(render_tables(synthetic(form), form)["s4"]))
    assert len(g) == 4 and {len(r) for r in g} == {15}
    assert g[0] == ["行政复议"] * 5 + ["行政诉讼"] * 10
    assert g[1][5:] == ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5
    assert g[2] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    assert g[3] == [str(10 * i + c) for i in range(3) for c in range(5)]


def test_section_2_labels_and_values():
    g19 = grid(table(render_tables(load_report("seed_003")["values"], "2019")["s2"]))
    g21 = grid(table(render_tables(load_report("seed_004")["values"], "2021")["s2"]))
    assert {len(r) for r in g19} == {len(r) for r in g21} == {4}
    assert g19[0] == ["第二十条第(一)项"] * 4
    assert g19[1] == ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    assert ["其他对外管理服务事项", "3", "+2", "49"] in g19
    assert ["行政处罚", "2", "0", "0"] in g19
    assert ["行政事业性收费", "0", "0", "0"] in g19
    assert ["政府集中采购", "0", "0", "0"] in g19
    assert [r[0] for r in g19 if r[0].startswith("第二十条")] == [
        "第二十条第(一)项", "第二十条第(五)项", "第二十条第(六)项", "第二十条第(八)项", "第二十条第(九)项"]
    assert g21[1] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert ["行政规范性文件", "4", "2", "17"] in g21
    assert ["行政许可", "39", "39", "39"] in g21  # one value spanning three columns
    assert ["信息内容", "本年收费金额(单位:万元)", "本年收费金额(单位:万元)", "本年收费金额(单位:万元)"] in g21
    assert not any("其他对外管理服务事项" in r or "政府集中采购" in r for r in g21)


def test_table_markup_is_trs_like():
    html = render_tables(load_report("seed_000")["values"], "2019")
    assert "本年新<br/>制作数量" in html["s2"]
    for part in html.values():
        assert part.startswith('<table border="1" cellspacing="0" cellpadding="0" width="')
        assert "<tbody>" in part and '<p style="text-align:center"><span style="font-family:宋体;font-size:14px">' in part
    assert "&nbsp;" in html["s3"]


def test_a_value_with_its_unit_renders_as_published():
    values = dict(load_report("seed_000")["values"], **{"s2.procurement.amount": 17.27, "s2.procurement.projects": 3})
    g = grid(table(render_tables(values, "2019", units={"s2.procurement.amount": "万元"})["s2"]))
    assert ["政府集中采购", "3", "17.27万元", "17.27万元"] in g


# -- the body ----------------------------------------------------------------------------------

NEW_ISSUER = "重庆市璧山区财政局"


def test_body_as_published(report):
    body = render_body(report)
    root = lxml.html.fragment_fromstring(body)
    assert root.get("class") == "trs_editor_view TRS_UEDITOR trs_paper_default trs_web"
    assert len(root.findall(".//table")) == 3
    assert report["issuer"] in body
    text = root.text_content()
    for block in report["blocks"]:
        if block["kind"] != "table":
            assert block["text"] in text


def test_body_for_another_issuer_and_year(report):
    body = render_body(report, issuer=NEW_ISSUER, year=2022)
    flat = re.sub(r"\s", "", lxml.html.fragment_fromstring(body).text_content())
    assert NEW_ISSUER in flat and "2022年" in flat
    assert report["issuer"] not in flat
    for alias in report["issuer_aliases"]:
        assert alias not in flat.replace(NEW_ISSUER, "")
    assert f"{report['report_year']}年" not in flat
    for html in render_tables(report["values"], report["form"]).values():
        assert html in body  # numbers untouched


def test_signature_dates_and_years_shift_together():
    flat = lambda name: re.sub(r"\s", "", lxml.html.fragment_fromstring(  # noqa: E731
        render_body(load_report(name), issuer=NEW_ISSUER, year=2022)).text_content())
    assert "2023年1月25日" in flat("seed_000") and "2021年1月25日" not in flat("seed_000")
    assert "2023年1月26日" in flat("seed_003") and "《2021年度" + NEW_ISSUER in flat("seed_003")
    assert "国办公开办函〔2019〕60号" in flat("seed_003")  # a document number is not a year
    s4 = flat("seed_004")
    assert "2023114" in s4 and "2021年存在的问题" in s4 and "22022年度我局办理人大建议10件" in s4
    assert "2024" not in s4 and "2025" not in s4


def test_title():
    assert report_title(load_report("seed_000")) == "重庆市合川区科学技术局2020年政府信息公开工作年度报告"
    assert report_title(load_report("seed_000"), NEW_ISSUER, 2021) == f"{NEW_ISSUER}2021年政府信息公开工作年度报告"
    assert report_title(load_report("seed_004"), NEW_ISSUER, 2023) == f"{NEW_ISSUER}2023年度政府信息公开工作年度报告"
