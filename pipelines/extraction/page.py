"""read_page: one HTML page → the document's text, tables and metadata.

Known layouts first (`platforms.py`); trafilatura for pages no rule knows; a text-density
fallback of our own when trafilatura finds nothing, and the whole body, less chrome, when neither
finds a line (a one-paragraph notice). The same code serves the crawl pipeline and
`nianbao extract`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from .blocks import read_blocks
from .chrome import remove_chrome
from .classify import is_annual_report
from .dates import parse_date
from .metadata import (
    clean_title,
    first_date_line,
    form_version,
    issuer_from_title,
    label_values,
    labelled_date,
    meta_content,
    region_and_level,
    report_year,
)
from .platforms import PLATFORM_RULES, PlatformRule, metadata_blocks

ATTACHMENT = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|zip|rar|ofd)$", re.I)


@dataclass
class ExtractedPage:
    title: str = ""
    issuer: str = ""
    region: str = ""
    admin_level: str = ""
    report_year: int | None = None
    publish_date: str | None = None
    form: str | None = None
    text: str = ""
    tables: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    extractor: str = ""  # which rule read the body: a platform name, trafilatura, density or body

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def is_report(self) -> bool:
        return is_annual_report(self.title)


STRAY_END_TAGS = re.compile(r"</(html|body)\s*>", re.I)


def parse_html(html: str):
    html = html.lstrip("\ufeff")
    if not html.strip():
        return None
    # pages built from included fragments carry a </html> in the middle: browsers ignore it,
    # libxml2 drops what follows it
    html = STRAY_END_TAGS.sub("", re.sub(r"^\s*<\?xml[^>]*>", "", html))
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    if misnested_cells(tree):
        reparsed = as_a_browser_parses(html)
        tree = reparsed if reparsed is not None else tree
    return tree


def misnested_cells(tree) -> bool:
    """Whether a table cell ended up inside another cell of the same table: what libxml2 makes of
    hand-edited markup (`<td><span>…<td>` with end tags missing), where a browser closes the cell."""
    for cell in tree.iter("td", "th"):
        outer = next(cell.iterancestors("td", "th", "table"), None)
        if outer is not None and outer.tag != "table":
            return True
    return False


def as_a_browser_parses(html: str):
    """The page parsed by the HTML5 algorithm (html5lib: slow, so only for pages that need it),
    handed back as an lxml.html tree."""
    import html5lib

    try:
        tree = html5lib.parse(html, treebuilder="lxml", namespaceHTMLElements=False)
        return lxml.html.document_fromstring(lxml.etree.tostring(tree, encoding="unicode"))
    except (lxml.etree.ParserError, ValueError):
        return None


def find_body(tree) -> tuple[PlatformRule | None, object | None]:
    for rule in PLATFORM_RULES:
        for element in tree.cssselect(rule.body):
            if len(element.text_content().strip()) >= 20:
                return rule, element
    return None, None


def densest_block(tree):
    """The element whose paragraphs hold the most text: a last resort for unknown layouts."""
    best, best_score = None, 0
    for element in tree.iter("div", "td", "article", "section", "main"):
        score = sum(len(p.text_content().strip()) for p in element.findall("p"))
        score += sum(len(t.text_content()) // 2 for t in element.findall("table"))
        if score > best_score:
            best, best_score = element, score
    return best


def trafilatura_lines(html: str) -> tuple[list[str], list[dict]]:
    import trafilatura

    xml = trafilatura.extract(html, output_format="xml", include_tables=True, favor_precision=True,
                              include_comments=False, deduplicate=False)
    if not xml:
        return [], []
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    main = root.find("main") if root.find("main") is not None else root
    # trafilatura's tables are <table><row><cell>: rename so the same reader handles them
    for el in main.iter():
        el.tag = {"row": "tr", "cell": "td", "head": "h2", "list": "ul", "item": "li", "lb": "br"}.get(el.tag, el.tag)
        if el.tag == "td" and "span" in el.attrib:
            el.set("colspan", el.attrib.pop("span"))
    return read_blocks(main)


def page_title(tree, rule: PlatformRule | None) -> str:
    title = meta_content(tree, "ArticleTitle", "og:title")
    if not title and rule and rule.title:
        heads = tree.cssselect(rule.title)
        title = heads[0].text_content() if heads else ""
    if not title:
        heads = tree.xpath("//h1")
        title = heads[0].text_content() if heads else ""
    if not title:
        found = tree.xpath("//title")
        return clean_title(found[0].text_content() if found else "", from_title_tag=True)
    return clean_title(title)


def attachments(tree, url: str) -> list[dict]:
    found, seen = [], set()
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        path = urlsplit(href).path
        if not ATTACHMENT.search(path):
            continue
        absolute = urljoin(url, href) if url else href
        if absolute in seen:
            continue
        seen.add(absolute)
        name = " ".join(anchor.text_content().split()) or path.rsplit("/", 1)[-1]
        found.append({"name": name, "url": absolute, "type": path.rsplit(".", 1)[-1].lower()})
    return found


def read_page(html: str, url: str = "", region_hint: str | None = None) -> ExtractedPage:
    tree = parse_html(html)
    if tree is None:
        return ExtractedPage(extractor="empty")
    rule, body = find_body(tree)
    if body is not None:
        lines, tables = read_blocks(body)
        extractor = rule.name
    else:
        lines, tables = trafilatura_lines(html)
        extractor = "trafilatura"
        if not lines:
            block = densest_block(tree)
            lines, tables = read_blocks(block) if block is not None else ([], [])
            extractor = "density"
        if not remove_chrome(lines):
            # a page too short or too odd for both (a one-paragraph notice): its whole body, less chrome
            lines, tables = read_blocks(tree.find("body") if tree.find("body") is not None else tree)
            extractor = "body"
    lines = remove_chrome(lines)
    text = "\n".join(lines)

    title = page_title(tree, rule)
    labels = label_values(tree, metadata_blocks(rule))
    publish_date = (
        parse_date(meta_content(tree, "PubDate", "firstpublishedtime", "publishdate", "pubtime", "article:published_time"))
        or labelled_date(labels)
        or first_date_line([" ".join(t.split()) for t in tree.xpath("//body//text()[contains(., '日期') or contains(., '时间')]/..//text()")][:50])
    )
    issuer = labels.get("发布机构") or meta_content(tree, "ContentSource") or issuer_from_title(title)
    region, level = region_and_level(issuer, region_hint)
    return ExtractedPage(
        title=title,
        issuer=issuer,
        region=region,
        admin_level=level,
        report_year=report_year(title, publish_date),
        publish_date=publish_date,
        form=form_version(text),
        text=text,
        tables=tables,
        attachments=attachments(tree, url),
        extractor=extractor,
    )
