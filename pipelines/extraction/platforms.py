"""Known page layouts, as data: where the body, the title and the metadata block are.

Rules are tried in order; the first whose body selector matches an element with text wins.
Adding a platform is adding an entry here.

A metadata block is the labelled header a platform prints above or beside the report (索引号,
发布机构, 发布日期 …): label and value in neighbouring cells (`<td>公开日期：</td><td>2023-01-18</td>`)
or in one (`<td>发布日期：2023-01-18</td>`); `metadata.label_values` reads both shapes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformRule:
    name: str
    body: str  # CSS selector of the report body
    title: str = ""  # CSS selector of the page heading, if the platform has one
    meta_table: str = ""  # CSS selector of the labelled metadata block(s)


PLATFORM_RULES = (
    PlatformRule("chongqing", "div.zwxl-article", ".zwxl-title .tit", "table.zwxl-table"),
    PlatformRule("gov.cn", "#UCAP-CONTENT", ".share-title, h1", "table.border-table"),
    PlatformRule("ucap", "ucapcontent", "h1", "table.table_content"),
    PlatformRule("fujian", "div.article_content", "h1, .article_title", ""),
    PlatformRule("trs", ".TRS_Editor", "h1, .title", "table.zwxl-table"),
    PlatformRule("trs-union", ".Custom_UnionStyle", "h1, .title", ""),
    PlatformRule("hanweb", "#zoom", "h1, .title", "table.xxgk_table, div.xxgk_table"),
    PlatformRule("gkmlpt", ".article-content", "h1, .title", "div.introduce .classify"),
    PlatformRule("generic-content", "#content, .content, .article", "h1", ""),
)


def metadata_blocks(rule: PlatformRule | None) -> tuple[str, ...]:
    """Where to look for the labelled metadata: the matched platform's block first, then every
    other platform's (templates mix: a Hanweb page may carry a TRS-style table)."""
    blocks = [r.meta_table for r in PLATFORM_RULES if r.meta_table]
    if rule and rule.meta_table:
        blocks.remove(rule.meta_table)
        blocks.insert(0, rule.meta_table)
    return tuple(dict.fromkeys(blocks))
