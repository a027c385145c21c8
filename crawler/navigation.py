"""Reading a portal's links by what they say: the way in to the 年报 column on any platform.

A link's label is its text with every line break and inline tag removed (`政府信息<br>公开年报`,
`<span>` text beside an icon), or its `title` when that says more. The words are data
(`crawler/data/navigation.json`); URL shapes (slugs, article names) only help.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from lxml import etree

from pipelines.extraction.classify import is_annual_report

FILE_EXTENSIONS = frozenset({"pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "et", "zip", "rar"})
REPORT_FILE_EXTENSIONS = frozenset({"pdf", "doc", "docx", "wps", "ofd"})
PAGE_EXTENSIONS = ("html", "htm", "shtml", "jhtml", "xhtml", "jsp", "php", "aspx", "asp")
# an article's file name carries its id: t20210129_8845131.html, art_1229_123.html, post_2629.html, 80678.htm
ARTICLE_NAME = re.compile(r"^(?!index)[\w\-]*\d{3,}[\w\-]*\.(%s)$" % "|".join(PAGE_EXTENSIONS), re.I)
PAGER_NAME = re.compile(r"^index_(\d+)\.\w+$")


@cache
def words() -> dict:
    raw = json.loads(resources.files("crawler.data").joinpath("navigation.json").read_text("utf-8"))
    return {
        key: (re.compile(value) if isinstance(value, str) and key != "about" else value)
        for key, value in raw.items()
    }


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


@dataclass(frozen=True)
class Link:
    url: str  # absolute, without fragment
    label: str  # compact: no whitespace
    fragment: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""


MARKS = "【】[]《》<>»«›‹·•●■□◆◇▶►>|:：、,，.。…-—_~*#"


def anchor_label(anchor) -> str:
    """Its text (every text node, so `<br>` and `<em>`/`<span>` pieces join up) or its title, without
    the marks menus put around it (【…】, », ·). `anchor`: a selector or an lxml element."""
    element = getattr(anchor, "root", anchor)
    title = compact(element.get("title") or "").strip(MARKS)
    text = compact("".join(element.itertext())).strip(MARKS)
    return title if len(title) > len(text) else text


def anchors(response) -> list:
    """The page's `a[href]` elements, in document order (lxml's own walk: parsel's CSS on every
    anchor of every page was a hotspot)."""
    root = response.selector.root
    if not isinstance(root, etree._Element):
        return [a.root for a in response.css("a[href]")]
    return [a for a in root.iter("a") if a.get("href") is not None]


def page_links(response) -> list[Link]:
    """Every link of a page that leads somewhere: no `#` placeholders, no scripts, no mail."""
    links = []
    for anchor in anchors(response):
        href = anchor.get("href").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
            continue
        url = response.urljoin(href)
        url, _, fragment = url.partition("#")
        if url.startswith("http"):
            links.append(Link(url, anchor_label(anchor), fragment))
    return links


# -- what a label says --------------------------------------------------------------------------

def is_decoy(label: str) -> bool:
    return any(word in label for word in words()["decoys"])


def names_report_column(label: str) -> bool:
    """政府信息公开年报, 信息公开年报, 年度报告 …: the column, not one report of it."""
    return bool(words()["report_column"].match(label)) and not is_decoy(label)


def names_disclosure(label: str) -> bool:
    return bool(words()["disclosure_section"].match(label))


def names_unit_list(label: str) -> bool:
    return bool(words()["unit_list"].match(label))


def names_catalogue(label: str) -> bool:
    """信息公开目录: a catalogue whose unit tree may list the departments."""
    return bool(words()["catalogue"].match(label))


def names_unit(label: str) -> bool:
    return (bool(words()["unit_name"].match(label)) and not words()["not_unit"].search(label)
            and not names_unit_list(label) and not is_decoy(label))


def year_of_column(label: str) -> int | None:
    match = words()["year_column"].match(label)
    return int(match.group(1)) if match else None


def names_report(label: str) -> bool:
    return is_annual_report(label)


# -- what a URL looks like ----------------------------------------------------------------------

def looks_like_file(link: Link) -> bool:
    return link.extension in FILE_EXTENSIONS


def looks_like_article(link: Link) -> bool:
    return bool(ARTICLE_NAME.match(link.name)) and not looks_like_file(link)


def looks_like_list(link: Link) -> bool:
    return not looks_like_file(link) and not looks_like_article(link)


def has_column_slug(url: str) -> bool:
    return any(words()["column_slugs"].match(s) for s in urlsplit(url).path.split("/") if s)


def has_disclosure_slug(url: str) -> bool:
    return any(words()["disclosure_slugs"].match(s) for s in urlsplit(url).path.split("/") if s)


def directory_of(url: str) -> str:
    """The folder a list page stands for: `/a/zfxxgknb/` for `/a/zfxxgknb/index.html` or `/a/zfxxgknb/`."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = posixpath.dirname(path).rstrip("/") + "/" if "." in last else path + "/"
    return f"{parts.netloc.lower()}{path}"


def is_under(url: str, directory: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path}".startswith(directory)


def pager_number(link: Link) -> int | None:
    match = PAGER_NAME.match(link.name)
    return int(match.group(1)) if match else None
