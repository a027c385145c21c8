"""The real reports behind the replica's report pages, and the national form's tables as HTML.

`data/reports/seed_*.json` hold the five seed reports (`data/seeds/`) read by hand: the prose
blocks in order, a placeholder where each statistics table stood, and every value of the form
under its canonical key (see `data/seeds/PROVENANCE.md`). `render_body` puts a report back
together as the TRS editor publishes it, optionally as another unit's report of another year.
"""

from __future__ import annotations

import json
import re
from html import escape
from importlib import resources

# -- the national form (国办公开办函〔2019〕60号 and 〔2021〕30号) -----------------------------
# Labels are markup: the `<br/>` breaks are where real pages break them.

S2_WIDTH = 4
S2_FORMS = {
    "2019": [
        ("第二十条第(一)项", ("信息内容", "本年新<br/>制作数量", "本年新<br/>公开数量", "对外公开总数量"),
         [("rules", "规章"), ("normative_docs", "规范性文件")], ("made", "published", "total_published")),
        ("第二十条第(五)项", ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
         [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")], ("prev_items", "change", "decisions")),
        ("第二十条第(六)项", ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
         [("penalty", "行政处罚"), ("enforcement", "行政强制")], ("prev_items", "change", "decisions")),
        ("第二十条第(八)项", ("信息内容", "上一年项目数量", "本年增/减"),
         [("fees", "行政事业性收费")], ("prev_items", "change")),
        ("第二十条第(九)项", ("信息内容", "采购项目数量", "采购总金额"),
         [("procurement", "政府集中采购")], ("projects", "amount")),
    ],
    "2021": [
        ("第二十条第(一)项", ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
         [("rules", "规章"), ("normative_docs", "行政规范性文件")], ("issued", "repealed", "in_force")),
        ("第二十条第(五)项", ("信息内容", "本年处理决定数量"), [("licensing", "行政许可")], ("decisions",)),
        ("第二十条第(六)项", ("信息内容", "本年处理决定数量"),
         [("penalty", "行政处罚"), ("enforcement", "行政强制")], ("decisions",)),
        ("第二十条第(八)项", ("信息内容", "本年收费金额(单位:万元)"), [("fees", "行政事业性收费")], ("amount_10k_yuan",)),
    ],
}

S3_COLUMNS = ("natural", "business", "research", "nonprofit", "legal", "other", "total")
S3_NOTE = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
S3_RESULTS_COMMON = [
    ("(三)不予公开", [
        ("r3_1_state_secret", "1.属于国家秘密"), ("r3_2_law_forbids", "2.其他法律行政法规禁止公开"),
        ("r3_3_security", "3.危及“三安全一稳定”"), ("r3_4_third_party", "4.保护第三方合法权益"),
        ("r3_5_internal", "5.属于三类内部事务信息"), ("r3_6_process", "6.属于四类过程性信息"),
        ("r3_7_enforcement_file", "7.属于行政执法案卷"), ("r3_8_query", "8.属于行政查询事项")]),
    ("(四)无法提供", [
        ("r4_1_not_held", "1.本机关不掌握相关政府信息"), ("r4_2_needs_creation", "2.没有现成信息需要另行制作"),
        ("r4_3_unclear", "3.补正后申请内容仍不明确")]),
    ("(五)不予处理", [
        ("r5_1_petition", "1.信访举报投诉类申请"), ("r5_2_repeat", "2.重复申请"),
        ("r5_3_publication", "3.要求提供公开出版物"), ("r5_4_excessive", "4.无正当理由大量反复申请"),
        ("r5_5_confirm", "5.要求行政机关确认或重新出具已获取信息")]),
]
S3_OTHER_2021 = ("(六)其他处理", [
    ("r6_1_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("r6_2_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("r6_3_other", "3.其他")])

S4_GROUPS = ("review", "suit_direct", "suit_after_review")
S4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
S4_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def _check_form(form: str) -> str:
    if form not in S2_FORMS:
        raise ValueError(f"unknown form version {form!r} (expected '2019' or '2021')")
    return form


def s3_result_groups(form: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The grouped result rows (三)–(六) of section 三; the 2019 form's (六) is a single row."""
    return S3_RESULTS_COMMON + ([S3_OTHER_2021] if _check_form(form) == "2021" else [])


def s3_rows(form: str) -> list[str]:
    groups = [key for _, rows in s3_result_groups(form) for key, _ in rows]
    other = [] if form == "2021" else ["r6_other"]
    return ["new", "carried_in", "r1_disclosed", "r2_partly", *groups, *other, "r7_total", "carried_over"]


def form_keys(form: str) -> list[str]:
    """Every canonical key of a form version ('2019' or '2021'), in the order of the form."""
    keys = [f"s2.{row}.{col}" for _, _, rows, cols in S2_FORMS[_check_form(form)] for row, _ in rows for col in cols]
    keys += [f"s3.{row}.{col}" for row in s3_rows(form) for col in S3_COLUMNS]
    return keys + [f"s4.{group}.{col}" for group in S4_GROUPS for col in S4_COLUMNS]


# -- the seed reports ------------------------------------------------------------------------

def _reports_dir():
    return resources.files("replica.data").joinpath("reports")


def load_report(name: str) -> dict:
    """A seed report by name (`seed_000` … `seed_004`): a fresh dict on every call."""
    name = name.removesuffix(".json")
    report = json.loads(_reports_dir().joinpath(f"{name}.json").read_text("utf-8"))
    report["name"] = name
    return report


def all_reports() -> list[dict]:
    names = sorted(p.name for p in _reports_dir().iterdir() if p.name.startswith("seed_") and p.name.endswith(".json"))
    return [load_report(n) for n in names]


# -- one real text for another unit and year -------------------------------------------------

# A year is four digits before 年 (`2020年`, `2020 年`, also `22024年度` whose list number lost its
# dot), or the head of a date whose 年月日 were lost (`2025114`).
YEAR = re.compile(r"(20\d\d)(?=\s?年)|(?<!\d)(20\d\d)(?=\d{3,4}(?!\d))")


def substitute(text: str, report: dict, issuer: str | None = None, year: int | None = None) -> str:
    """Let one real text stand for another unit's report of another year; numbers stay."""
    if issuer and issuer != report["issuer"]:
        names = sorted({report["issuer"], *report.get("issuer_aliases", [])}, key=len, reverse=True)
        # one pass, so that a short alias is never found again inside the name just put in
        text = re.sub("|".join(map(re.escape, names)), lambda _: issuer, text)
    if year and year != report["report_year"]:
        shift = year - report["report_year"]
        text = YEAR.sub(lambda m: str(int(m.group(m.lastindex)) + shift), text)
    return text


def report_title(report: dict, issuer: str | None = None, year: int | None = None) -> str:
    return substitute(report["title"], report, issuer, year)


# -- HTML as the TRS editor writes it ----------------------------------------------------------

TABLE_OPEN = ('<table border="1" cellspacing="0" cellpadding="0" width="{w}" '
              'style="width:{w}px;border-collapse:collapse;border:none;margin:0 auto"><tbody>')
TABLE_CLOSE = "</tbody></table>"
TD_STYLE = "border:1px solid windowtext;padding:0 7px;word-break:break-all"


def td(content, *, rowspan: int = 1, colspan: int = 1, bold: bool = False) -> str:
    spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    inner = f"<strong>{content}</strong>" if bold else content
    return (f'<td{spans} valign="middle" style="{TD_STYLE}"><p style="text-align:center">'
            f'<span style="font-family:宋体;font-size:14px">{inner}</span></p></td>')


def tr(*cells: str) -> str:
    return '<tr style="height:28px">' + "".join(cells) + "</tr>"


def shown(values: dict, units: dict, key: str) -> str:
    """A value as published: 0 as `0`, a rise in 本年增/减 as `+2`, an amount with its unit."""
    value = values.get(key, 0)
    text = f"+{value}" if key.endswith(".change") and isinstance(value, (int, float)) and value > 0 else str(value)
    return escape(text + units.get(key, ""))


def render_s2(values: dict, units: dict, form: str) -> str:
    rows = []
    for title, header, items, cols in S2_FORMS[form]:
        rows.append(tr(td(title, colspan=S2_WIDTH, bold=True)))
        fill = S2_WIDTH - len(header) + 1  # the last column stretches to the table's width
        rows.append(tr(*[td(h) for h in header[:-1]], td(header[-1], colspan=fill)))
        for row, label in items:
            cells = [td(shown(values, units, f"s2.{row}.{c}")) for c in cols[:-1]]
            cells.append(td(shown(values, units, f"s2.{row}.{cols[-1]}"), colspan=fill))
            rows.append(tr(td(label), *cells))
    return TABLE_OPEN.format(w=600) + "".join(rows) + TABLE_CLOSE


def render_s3(values: dict, units: dict, form: str) -> str:
    def data(row: str) -> str:
        return "".join(td(shown(values, units, f"s3.{row}.{c}")) for c in S3_COLUMNS)

    groups = s3_result_groups(form)
    results = 2 + sum(len(rows) for _, rows in groups) + (0 if form == "2021" else 1) + 1
    rows = [
        tr(td("&nbsp;" + S3_NOTE, rowspan=3, colspan=3), td("申请人情况", colspan=7)),
        tr(td("自然人", rowspan=2), td("法人或其他组织", colspan=5), td("总计", rowspan=2)),
        tr(*[td(x) for x in ("商业<br/>企业", "科研<br/>机构", "社会公益组织", "法律服务机构", "其他")]),
        tr(td("一、本年新收政府信息公开申请数量", colspan=3), data("new")),
        tr(td("二、上年结转政府信息公开申请数量", colspan=3), data("carried_in")),
        tr(td("三、本年度办理结果", rowspan=results), td("(一)予以公开", colspan=2), data("r1_disclosed")),
        tr(td("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", colspan=2), data("r2_partly")),
    ]
    for title, items in groups:
        for i, (key, label) in enumerate(items):
            rows.append(tr(td(title, rowspan=len(items)) if i == 0 else "", td(label), data(key)))
    if form != "2021":
        rows.append(tr(td("(六)其他处理", colspan=2), data("r6_other")))
    rows.append(tr(td("(七)总计", colspan=2), data("r7_total")))
    rows.append(tr(td("四、结转下年度继续办理", colspan=3), data("carried_over")))
    return TABLE_OPEN.format(w=640) + "".join(rows) + TABLE_CLOSE


def render_s4(values: dict, units: dict) -> str:
    rows = [
        tr(td("行政复议", colspan=5), td("行政诉讼", colspan=10)),
        tr(*[td(x, rowspan=2) for x in S4_LABELS], td("未经复议直接起诉", colspan=5), td("复议后起诉", colspan=5)),
        tr(*[td(x) for x in S4_LABELS * 2]),
        tr(*[td(shown(values, units, f"s4.{g}.{c}")) for g in S4_GROUPS for c in S4_COLUMNS]),
    ]
    return TABLE_OPEN.format(w=640) + "".join(rows) + TABLE_CLOSE


def render_tables(values: dict, form: str, units: dict | None = None) -> dict[str, str]:
    """The tables of sections 二, 三 and 四 as `<table>` HTML with the spans of the real form."""
    units = units or {}
    return {"s2": render_s2(values, units, _check_form(form)), "s3": render_s3(values, units, form),
            "s4": render_s4(values, units)}


SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
PARAGRAPH = '<p style="text-indent:2em;line-height:1.75em"><span style="font-family:仿宋_GB2312;font-size:21px">{}</span></p>'
SPACER = "<p>&nbsp;</p>"


def render_block(block: dict, text: str) -> str:
    if block["section"] == "signature":
        return f'<p style="text-align:right"><span style="font-family:仿宋_GB2312;font-size:21px">{text}</span></p>'
    if block["kind"] != "heading":
        return PARAGRAPH.format(text)
    if block["section"] == "preamble":  # the title repeated at the top of the body
        return (f'<p style="text-align:center"><strong><span style="font-family:方正小标宋_GBK;font-size:29px">'
                f"{text}</span></strong></p>")
    font = "黑体" if SECTION_HEADING.match(text) else "楷体_GB2312"
    return f'<p style="text-indent:2em"><strong><span style="font-family:{font};font-size:21px">{text}</span></strong></p>'


def render_body(report: dict, *, issuer: str | None = None, year: int | None = None) -> str:
    """The inner HTML of the report body, as the platform's TRS editor div holds it."""
    tables = render_tables(report["values"], report["form"], report.get("units"))
    parts, signed = [], False
    for block in report["blocks"]:
        if block["kind"] == "table":
            parts += [tables[block["table"]], SPACER]
            continue
        if block["section"] == "signature" and not signed:
            parts.append(SPACER)  # real pages leave a blank line or two above the signature
            signed = True
        parts.append(render_block(block, escape(substitute(block["text"], report, issuer, year), quote=False)))
    return '<div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">' + "".join(parts) + "</div>"
