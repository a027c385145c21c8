"""Known page layouts, as data: where the body, the title and the metadata table are.

Rules are tried in order; the first whose body selector matches an element with text wins.
Adding a platform is adding an entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformRule:
    name: str
    body: str  # CSS selector of the report body
    title: str = ""  # CSS selector of the page heading, if the platform has one
    meta_table: str = ""  # CSS selector of the label/value metadata table


PLATFORM_RULES = (
    PlatformRule("chongqing", "div.zwxl-article", ".zwxl-title .tit", "table.zwxl-table"),
    PlatformRule("gov.cn", "#UCAP-CONTENT", ".share-title, h1", "table.border-table"),
    PlatformRule("ucap", "ucapcontent", "h1", "table.table_content"),
    PlatformRule("fujian", "div.article_content", "h1, .article_title", ""),
    PlatformRule("trs", ".TRS_Editor", "h1, .title", ""),
    PlatformRule("trs-union", ".Custom_UnionStyle", "h1, .title", ""),
    PlatformRule("hanweb", "#zoom", "h1, .title", ""),
    PlatformRule("generic-content", "#content, .content, .article", "h1", ""),
)
