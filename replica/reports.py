"""The real reports behind the replica's report pages, and the national form's tables as HTML.

A report is the prose of a seed (`data/seeds/`, real page texts) with its statistics tables
taken out, plus the table values as canonical keys (`data/reports/*.json`, read from the seeds by
hand). `render_body` puts them back together as the TRS editor publishes a report: paragraphs
and headings, and the three statistics tables with the row and column spans of the real form.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html import escape
from importlib import resources

# -- the national form ---------------------------------------------------------------------

S2_2019 = [
    ("第二十条第(一)项", ("信息内容", "本年新<br/>制作数量", "本年新<br/>公开数量", "对外公开总数量"),
     [("rules", "规章", ("made", "published", "total_published")),
      ("normative_docs", "规范性文件", ("made", "published", "total_published"))]),
    ("第二十条第(五)项", ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
     [("licensing", "行政许可", ("prev_items", "change", "decisions")),
      ("other_services", "其他对外管理服务事项", ("prev_items", "change", "decisions"))]),
    ("第二十条第(六)项", ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
     [("penalty", "行政处罚", ("prev_items", "change", "decisions")),
      ("enforcement", "行政强制", ("prev_items", "change", "decisions"))]),
    ("第二十条第(八)项", ("信息内容", "上一年项目数量", "本年增/减"),
     [("fees", "行政事业性收费", ("prev_items", "change"))]),
    ("第二十条第(九)项", ("信息内容", "采购项目数量", "采购总金额"),
     [("procurement", "政府集中采购", ("projects", "amount"))]),
]
S2_2021 = [
    ("第二十条第(一)项", ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
     [("rules", "规章", ("issued", "repealed", "in_force")),
      ("normative_docs", "行政规范性文件", ("issued", "repealed", "in_force"))]),
    ("第二十条第(五)项", ("信息内容", "本年处理决定数量"), [("licensing", "行政许可", ("decisions",))]),
    ("第二十条第(六)项", ("信息内容", "本年处理决定数量"),
     [("penalty", "行政处罚", ("decisions",)), ("enforcement", "行政强制", ("decisions",))]),
    ("第二十条第(八)项", ("信息内容", "本年收费金额(单位:万元)"), [("fees", "行政事业性收费", ("amount_10k_yuan",))]),
]
S3_COLUMNS = ("natural", "business", "research", "nonprofit", "legal", "other", "total")
S3_GROUPS_COMMON = [
    ("(三)不予公开", [("r3_1_state_secret", "1.属于国家秘密"), ("r3_2_law_forbids", "2.其他法律行政法规禁止公开"),
                  ("r3_3_security", "3.危及“三安全一稳定”"), ("r3_4_third_party", "4.保护第三方合法权益"),
                  ("r3_5_internal", "5.属于三类内部事务信息"), ("r3_6_process", "6.属于四类过程性信息"),
                  ("r3_7_enforcement_file", "7.属于行政执法案卷"), ("r3_8_query", "8.属于行政查询事项")]),
    ("(四)无法提供", [("r4_1_not_held", "1.本机关不掌握相关政府信息"), ("r4_2_needs_creation", "2.没有现成信息需要另行制作"),
                  ("r4_3_unclear", "3.补正后申请内容仍不明确")]),
    ("(五)不予处理", [("r5_1_petition", "1.信访举报投诉类申请"), ("r5_2_repeat", "2.重复申请"),
                  ("r5_3_publication", "3.要求提供公开出版物"), ("r5_4_excessive", "4.无正当理由大量反复申请"),
                  ("r5_5_confirm", "5.要求行政机关确认或重新出具已获取信息")]),
]
S3_OTHER_2021 = ("(六)其他处理", [
    ("r6_1_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("r6_2_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("r6_3_other", "3.其他")])
S4_GROUPS = ("review", "suit_direct", "suit_after_review")
S4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")


def s3_rows(form: str) -> list[str]:
    rows = ["new", "carried_in", "r1_disclosed", "r2_partly"]
    rows += [key for _, group in S3_GROUPS_COMMON for key, _ in group]
    rows += [key for key, _ in S3_OTHER_2021[1]] if form == "2021" else ["r6_other"]
    return rows + ["r7_total", "carried_over"]


def form_keys(form: str) -> list[str]:
    """Every canonical key of a form version, in the order of the form."""
    s2 = S2_2021 if form == "2021" else S2_2019
    keys = [f"s2.{row}.{col}" for _, _, rows in s2 for row, _, cols in rows for col in cols]
    keys += [f"s3.{row}.{col}" for row in s3_rows(form) for col in S3_COLUMNS]
    return keys + [f"s4.{group}.{col}" for group in S4_GROUPS for col in S4_COLUMNS]


# -- reports ---------------------------------------------------------------------------------

@cache
def load_report(name: str) -> dict:
    """A seed report: issuer, title, year, form, prose blocks, values (see data/reports/)."""
    folder = resources.files("replica.data")
    report = json.loads(folder.joinpath("reports", f"{name}.json").read_text("utf-8"))
    text = folder.joinpath("seeds", report["seed"]).read_text("utf-8")
    report["blocks"] = prose_blocks(text.splitlines(), report["body_starts_at"], report["body_ends_before"])
    values = {key: 0 for key in form_keys(report["form"])}
    values.update(report["values"])
    report["values"] = values
    report["name"] = name
    return report


SECTION = re.compile(r"^(一、总体情况|二、主动公开|三、收到和处理|四、政府信息公开行政复议|五、|六、其他需要报告)")
TABLE_SECTIONS = {"二": "s2", "三": "s3", "四": "s4"}


def prose_blocks(lines: list[str], start: str, end: str) -> list[dict]:
    """The report's own prose, in order, with a placeholder where each statistics table stood.

    Inside sections 二–四 the naive text is table cells; a line there is prose only when it is
    a sentence (ends with 。)."""
    begin = next(i for i, ln in enumerate(lines) if ln.strip().startswith(start))
    stop = next((i for i, ln in enumerate(lines) if i > begin and end and ln.strip().startswith(end)), len(lines))
    blocks, section = [], None
    for raw in lines[begin:stop]:
        line = " ".join(raw.replace("\u3000", " ").split())
        if not line:
            continue
        heading = SECTION.match(line)
        if heading:
            section = line[0]
            blocks.append({"kind": "heading", "text": line})
            if section in TABLE_SECTIONS:
                blocks.append({"kind": "table", "table": TABLE_SECTIONS[section]})
            continue
        if section in TABLE_SECTIONS and not line.endswith("。"):
            continue  # a cell of the table, rebuilt from the values
        kind = "subheading" if re.match(r"^[（(][一二三四五六七八九十]+[)）]\S{0,20}$", line) else "paragraph"
        if section in TABLE_SECTIONS:  # a sentence before the table belongs before it
            blocks.insert(len(blocks) - 1, {"kind": kind, "text": line})
        else:
            blocks.append({"kind": kind, "text": line})
    return blocks


def report_title(report: dict, issuer: str | None = None, year: int | None = None) -> str:
    return substitute(report["title"], report, issuer, year)


def substitute(text: str, report: dict, issuer: str | None, year: int | None) -> str:
    """Let one real text stand for another unit's report of another year."""
    if issuer and issuer != report["issuer"]:
        for name in sorted(report["issuer_names"], key=len, reverse=True):
            text = text.replace(name, issuer)
    if year and year != report["report_year"]:
        shift = year - report["report_year"]
        text = re.sub(r"(?<!\d)(20\d\d)(?=\s?年)", lambda m: str(int(m.group(1)) + shift), text)
    return text


# -- HTML --------------------------------------------------------------------------------------

TABLE_OPEN = ('<table border="1" cellspacing="0" cellpadding="0" width="{w}" '
              'style="border-collapse:collapse;border:none;width:{w}px"><tbody>')
CELL_STYLE = "border:solid windowtext 1px;padding:0 7px"


def cell(text, *, rowspan=1, colspan=1, bold=False) -> str:
    spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    label = str(text)
    inner = f"<strong>{label}</strong>" if bold else label
    return (f'<td{spans} valign="middle" style="{CELL_STYLE}"><p style="text-align:center">'
            f'<span style="font-family:宋体;font-size:14px">{inner}</span></p></td>')


def number(values: dict, units: dict, key: str) -> str:
    value = values.get(key, 0)
    return f"{value}{units.get(key, '')}" if value != "" else "&nbsp;"


def render_s2(values: dict, units: dict, form: str) -> str:
    groups = S2_2021 if form == "2021" else S2_2019
    width = 4
    rows = []
    for title, header, items in groups:
        rows.append(f"<tr>{cell(title, colspan=width, bold=True)}</tr>")
        head = [cell(h) for h in header]
        head[-1] = cell(header[-1], colspan=width - len(header) + 1)
        rows.append(f"<tr>{''.join(head)}</tr>")
        for row, label, cols in items:
            cells = [cell(label)] + [cell(number(values, units, f"s2.{row}.{c}")) for c in cols]
            cells[-1] = cells[-1].replace("<td", f'<td colspan="{width - len(cols)}"', 1) if len(cols) < width - 1 else cells[-1]
            rows.append(f"<tr>{''.join(cells)}</tr>")
    return TABLE_OPEN.format(w=600) + "".join(rows) + "</tbody></table>"


def render_s3(values: dict, form: str) -> str:
    def data(row: str) -> str:
        return "".join(cell(number(values, {}, f"s3.{row}.{c}")) for c in S3_COLUMNS)

    groups = list(S3_GROUPS_COMMON) + ([S3_OTHER_2021] if form == "2021" else [])
    result_rows = 2 + sum(len(g) for _, g in groups) + (0 if form == "2021" else 1) + 1
    rows = [
        f"<tr>{cell('(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)', rowspan=3, colspan=3)}"
        f"{cell('申请人情况', colspan=7)}</tr>",
        f"<tr>{cell('自然人', rowspan=2)}{cell('法人或其他组织', colspan=5)}{cell('总计', rowspan=2)}</tr>",
        "<tr>" + "".join(cell(x) for x in ("商业<br/>企业", "科研<br/>机构", "社会公益组织", "法律服务机构", "其他")) + "</tr>",
        f"<tr>{cell('一、本年新收政府信息公开申请数量', colspan=3)}{data('new')}</tr>",
        f"<tr>{cell('二、上年结转政府信息公开申请数量', colspan=3)}{data('carried_in')}</tr>",
        f"<tr>{cell('三、本年度办理结果', rowspan=result_rows)}{cell('(一)予以公开', colspan=2)}{data('r1_disclosed')}</tr>",
        f"<tr>{cell('(二)部分公开(区分处理的,只计这一情形,不计其他情形)', colspan=2)}{data('r2_partly')}</tr>",
    ]
    for title, items in groups:
        for i, (key, label) in enumerate(items):
            first = cell(title, rowspan=len(items)) if i == 0 else ""
            rows.append(f"<tr>{first}{cell(label)}{data(key)}</tr>")
    if form != "2021":
        rows.append(f"<tr>{cell('(六)其他处理', colspan=2)}{data('r6_other')}</tr>")
    rows.append(f"<tr>{cell('(七)总计', colspan=2)}{data('r7_total')}</tr>")
    rows.append(f"<tr>{cell('四、结转下年度继续办理', colspan=3)}{data('carried_over')}</tr>")
    return TABLE_OPEN.format(w=640) + "".join(rows) + "</tbody></table>"


def render_s4(values: dict) -> str:
    labels = ("结果维持", "结果纠正", "其他结果", "尚未审结")
    heads = "".join(cell(h) for h in labels)
    review_heads = "".join(cell(h, rowspan=2) for h in labels)
    rows = [
        f"<tr>{cell('行政复议', colspan=5)}{cell('行政诉讼', colspan=10)}</tr>",
        f"<tr>{review_heads}{cell('总计', rowspan=2)}"
        f"{cell('未经复议直接起诉', colspan=5)}{cell('复议后起诉', colspan=5)}</tr>",
        f"<tr>{heads}{cell('总计')}{heads}{cell('总计')}</tr>",
        "<tr>" + "".join(cell(number(values, {}, f"s4.{g}.{c}")) for g in S4_GROUPS for c in S4_COLUMNS) + "</tr>",
    ]
    return TABLE_OPEN.format(w=640) + "".join(rows) + "</tbody></table>"


def render_tables(values: dict, form: str, units: dict | None = None) -> dict[str, str]:
    return {"s2": render_s2(values, units or {}, form), "s3": render_s3(values, form), "s4": render_s4(values)}


def render_body(report: dict, *, issuer: str | None = None, year: int | None = None) -> str:
    """The report as the TRS editor publishes it, inside the platform's editor div."""
    tables = render_tables(report["values"], report["form"], report.get("units"))
    parts = []
    for block in report["blocks"]:
        if block["kind"] == "table":
            parts.append(tables[block["table"]])
            continue
        text = escape(substitute(block["text"], report, issuer, year))
        if block["kind"] == "heading":
            parts.append(f'<p style="text-indent:2em"><strong><span style="font-family:黑体">{text}</span></strong></p>')
        elif block["kind"] == "subheading":
            parts.append(f'<p style="text-indent:2em"><strong><span style="font-family:楷体_GB2312">{text}</span></strong></p>')
        else:
            parts.append(f'<p style="text-indent:2em;line-height:28px"><span style="font-family:仿宋_GB2312;font-size:16px">{text}</span></p>')
    heading = escape(report_title(report, issuer, year))
    signature = "".join(
        f'<p style="text-align:right"><span style="font-family:仿宋_GB2312">{escape(substitute(line, report, issuer, year))}</span></p>'
        for line in report["signature"]
    )
    return (
        '<div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">'
        f'<p style="text-align:center"><strong><span style="font-size:22px;font-family:方正小标宋_GBK">{heading}</span></strong></p>'
        + "".join(parts) + signature + "</div>"
    )
