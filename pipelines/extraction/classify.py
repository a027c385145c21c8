"""Is a page an annual report? Told from its title."""

from __future__ import annotations

import re

REPORT = re.compile(r"(政府)?信息公开(工作)?(年度)?(报告|年报)|政务公开(工作)?年度报告|年度报告")
NOT_REPORT = re.compile(r"^关于|通知|通报|的函$|函$|指南|目录|制度|办法|规定|意见|方案|要点|公告|公示|决定|批复|解读|统计表$")


def is_annual_report(title: str) -> bool:
    """A report's title names its issuer or year before the report words; a column's does not
    (政府信息公开年报 alone is the column)."""
    title = " ".join((title or "").split())
    match = REPORT.search(title)
    return bool(match) and match.start() >= 2 and not NOT_REPORT.search(title)
