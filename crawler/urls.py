"""URL rules of a platform: what is a report column, a report page, an attachment, a sub-site.

The rules are regular expressions kept per platform (`PLATFORM_RULES`): a new platform with the
same crawl logic is a new entry here, not a new spider.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .portals import bare_host


@dataclass(frozen=True)
class UrlRules:
    # one path segment naming the annual-report column (zfxxgknb, zfxxgknb_95345, gknb, zfxxgknan_ew)
    report_column: re.Pattern
    # one path segment naming the 政务公开 section (zwgk, zwgk_239)
    disclosure_section: re.Pattern
    # the first path segment of a department or township sub-site (bm, bmjd, qzfjz_238, xz_168, …)
    subsite_dir: re.Pattern
    # the file name of an article (t20210129_8845131.html, with an optional _wap)
    article: re.Pattern
    attachment_ext: frozenset[str]
    # words of a link's text that lead to the sections we want
    disclosure_words: tuple[str, ...]
    report_column_words: tuple[str, ...]


PLATFORM_RULES: dict[str, UrlRules] = {
    "chongqing": UrlRules(
        report_column=re.compile(r"^(zfxxgknb|zfxxgknan|gknb)(_\w+)?$"),
        disclosure_section=re.compile(r"^zwgk(_\d+)?$"),
        subsite_dir=re.compile(
            r"^(bm|bmjd|bmjz|bmjz_sites|qzfbm|xzfbm|kz|jz|xz|xzfjz|qzfjz|zsdw|jd|zj|xzjd)(_\d+)?$"
        ),
        article=re.compile(r"^t(\d{8})_(\d+)(_wap)?\.s?html?$"),
        attachment_ext=frozenset({"pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "zip", "rar", "ofd"}),
        disclosure_words=("政务公开", "政府信息公开", "信息公开"),
        report_column_words=("政府信息公开年报", "政府信息公开年度报告", "信息公开年报", "年度报告", "年报"),
    ),
}


def segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def extension(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def canonical_url(url: str) -> str:
    """The identity of a document: scheme, `www.`, `_wap`, query and fragment do not matter."""
    parts = urlsplit(url)
    path = re.sub(r"_wap(\.s?html?)$", r"\1", parts.path)
    path = posixpath.normpath(path) if path else "/"
    return urlunsplit(("http", bare_host(parts.netloc), path, "", ""))


def fetch_identity(url: str, rules: UrlRules) -> str:
    """What the duplicate filter compares: like `canonical_url` for articles and attachments,
    but keeping scheme and host, so a redirect from http to https or to `www.` is still followed."""
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1]
    if rules.article.match(name) or extension(url) in rules.attachment_ext:
        path = re.sub(r"_wap(\.s?html?)$", r"\1", parts.path)
        return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def document_address(url: str) -> str:
    """The address to fetch a listed article at: its own page, not its `_wap` copy nor a tracking
    query (`?from=zfxxgknb`), which the duplicate filter takes for the same document anyway
    (`fetch_identity`). Fetching that one spelling, whichever the list linked first, makes what a
    crawl archives independent of the order it meets the lists in (a cluster's workers meet them
    in any order); the linked spelling is asked for only if this one is missing."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    for rules in PLATFORM_RULES.values():
        if rules.article.match(name):
            return fetch_identity(url, rules)
    return url


def report_column_index(url: str, rules: UrlRules) -> int | None:
    """Position of the report-column segment in the path, or None outside report columns."""
    segs = segments(url)
    return next((i for i, s in enumerate(segs) if rules.report_column.match(s)), None)


def in_report_column(url: str, rules: UrlRules) -> bool:
    return report_column_index(url, rules) is not None


def is_article(url: str, rules: UrlRules) -> bool:
    segs = segments(url)
    return bool(segs) and bool(rules.article.match(segs[-1]))


def is_report_url(url: str, rules: UrlRules) -> bool:
    """An article inside a report column: a candidate report page, judged by its URL alone."""
    return is_article(url, rules) and in_report_column(url, rules)


def is_attachment(url: str, rules: UrlRules) -> bool:
    return extension(url) in rules.attachment_ext


def is_column_page(url: str, rules: UrlRules) -> bool:
    """A list page (a directory, index.html or index_N.html) inside a report column."""
    if not in_report_column(url, rules):
        return False
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last == "" or "." not in last or bool(re.match(r"^index(_\d+)?\.s?html?$", last))


def is_subsite_root(url: str, rules: UrlRules) -> bool:
    """The home of a department or township sub-site under the district's domain."""
    segs = segments(url)
    if segs and re.match(r"^index\.s?html?$", segs[-1]):
        segs = segs[:-1]
    if not (2 <= len(segs) <= 3 and rules.subsite_dir.match(segs[0])):
        return False
    return not any(rules.disclosure_section.match(s) or rules.report_column.match(s) for s in segs)


def column_page_url(column_url: str, page: int) -> str:
    """The N-th list page of a column: index.html, index_1.html, index_2.html …"""
    parts = urlsplit(column_url)
    base = parts.path if parts.path.endswith("/") else posixpath.dirname(parts.path) + "/"
    name = "index.html" if page == 0 else f"index_{page}.html"
    return urlunsplit((parts.scheme, parts.netloc, base + name, "", ""))
