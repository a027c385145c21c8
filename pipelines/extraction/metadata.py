"""A report's metadata: title, issuer, region and level, report year, publish date, form version."""

from __future__ import annotations

import re

from .dates import cn_year_to_digits, parse_date

TITLE_SUFFIX = re.compile(r"\s*[_|\-–—]\s*[^_|\-–—]*(人民政府|政府网|门户网站|网站|管委会|委员会)[^_|\-–—]*$")
REPORT_WORDS = re.compile(
    r"(关于)?((19|20)\d\d\s*年度?)?(的)?(政府)?(信息公开|政务公开)(工作)?(年度)?(报告|年报)$|年度报告$"
)
YEAR_IN_TITLE = re.compile(r"((?:19|20)\d\d)\s*年")
REGION = re.compile(
    r"^(?P<region>"
    r"(?:(?:北京|天津|上海|重庆)市|[^市省区县]{2,7}?(?:省|自治区))?"
    r"(?:[^市省区县]{1,8}?(?:市|自治州|地区|盟))?"
    r"(?:[^市省区县]{1,8}?(?:新区|开发区|经开区|高新区|自治县|区|县|旗))?"
    r")"
)
LOCAL_LEVEL = re.compile(r"(镇|乡|街道|街道办事处)(人民政府)?$|(镇|乡|街道)[^局委办]*$")


def meta_content(tree, *names: str) -> str:
    for name in names:
        for value in tree.xpath(f'//meta[translate(@name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")="{name.lower()}"]/@content'):
            if value.strip():
                return " ".join(value.split())
    return ""


# labels of the publish date in metadata blocks, most to least preferred: 发布/公开 are when the
# page went out, 成文/发文 when the document was signed, 生成 when the platform made the page
DATE_LABELS = ("发布日期", "公开日期", "成文日期", "发文日期", "生成日期")
LABEL_NOISE = re.compile(r"[\s:：\[\]【】]")
INLINE_PAIR = re.compile(r"^([^\d:：]{1,12}?)\s*[:：]\s*(\S.*)$")
CELLS = ("td", "th", "dt", "dd", "li")


def label_values(tree, selectors) -> dict[str, str]:
    """The label → value pairs of a page's metadata blocks (`selectors`, in order; the first value
    of a label wins). A cell either holds a label and the next cell its value, or holds both
    (`发布日期：2023-01-18`). Labels lose their spaces, brackets and colons: 索 引 号： → 索引号."""
    pairs: dict[str, str] = {}
    for selector in selectors:
        for block in tree.cssselect(selector):
            cells = [" ".join(el.text_content().split()) for el in block.iter(*CELLS)]
            if not cells:  # a block of spans or divs: its text nodes
                cells = [" ".join(t.split()) for t in block.itertext() if t.strip()]
            for cell, following in zip(cells, cells[1:] + [""]):
                inline = INLINE_PAIR.match(cell)
                if inline:
                    label, value = inline.groups()
                else:
                    label, value = cell, following
                key = LABEL_NOISE.sub("", label)
                if key and len(key) <= 6 and key not in pairs and value:
                    pairs[key] = value
    return pairs


def labelled_date(labels: dict[str, str]) -> str | None:
    """The publish date a metadata block gives, by the labels' preference."""
    for label in DATE_LABELS:
        found = parse_date(labels.get(label, ""))
        if found:
            return found
    return None


def clean_title(text: str, from_title_tag: bool = False) -> str:
    """A heading as the page shows it; a <title> loses its site and column suffixes (_…)."""
    text = " ".join((text or "").split())
    if from_title_tag:
        text = re.split(r"\s*(?:_|\||\s-\s)\s*", text)[0] or text
    return TITLE_SUFFIX.sub("", text).strip()


def issuer_from_title(title: str) -> str:
    title = cn_year_to_digits(title)
    issuer = REPORT_WORDS.sub("", title).strip()
    return re.sub(r"(19|20)\d\d\s*年度?$", "", issuer).strip()


def report_year(title: str, publish_date: str | None) -> int | None:
    """The year reported on: from the title (a 2020 report is published in 2021)."""
    match = YEAR_IN_TITLE.search(cn_year_to_digits(title or ""))
    if match:
        return int(match.group(1))
    return int(publish_date[:4]) - 1 if publish_date else None


def region_and_level(issuer: str, hint: str | None = None) -> tuple[str, str]:
    """重庆市合川区科学技术局 → (重庆市合川区, department); …人民政府 → its own level."""
    region = REGION.match(issuer or "").group("region") if issuer else ""
    rest = (issuer or "")[len(region):]
    if not region and hint:
        region = hint
    if LOCAL_LEVEL.search(rest):
        return region, "township"
    if rest in ("", "人民政府", "政府", "管委会", "管理委员会", "人民政府办公厅", "人民政府办公室"):
        if rest.endswith(("办公厅", "办公室")):
            return region, "department"
        if region.endswith(("县", "自治县", "旗")):
            return region, "county"
        if region.endswith(("区", "新区", "开发区", "经开区", "高新区")):
            return region, "district"
        if region.endswith(("市", "自治州", "地区", "盟")):
            return region, "city"
        if region.endswith(("省", "自治区")):
            return region, "province"
    return region, "department"


def form_version(text: str) -> str | None:
    if "本年制发件数" in text or "本年废止件数" in text:
        return "2021"
    if "本年新制作数量" in text or "本年新公开数量" in text:
        return "2019"
    return None


def first_date_line(lines: list[str]) -> str | None:
    for line in lines:
        match = re.search(r"(发布日期|发布时间|日期|时间)[:：]\s*(.{6,30})", line)
        if match:
            found = parse_date(match.group(2))
            if found:
                return found
    return None
