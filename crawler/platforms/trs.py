"""TRS WCM static lists: `index.html`, `index_1.html` … counted by the page's script.

`createPageHTML(<pages>, <current>, "index", "html")` (Chongqing's platform: `createPage(N, …)`),
or an older template's loop `var countPage = 2; … document.write(… "index_"+i+".html" …)`, which
leaves no static link to page 2.
"""

from __future__ import annotations

import re

NAME = "trs"

CREATE_PAGE = re.compile(r"createPage(?:HTML)?\s*\(\s*['\"]?(\d+)['\"]?(?:\s*,\s*['\"]?\d+['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"])?")
COUNT_VAR = re.compile(r"\b(?:var\s+)?(?:countPage|pageCount|totalPage|page_count)\s*=\s*['\"]?(\d+)")
LOOP_PAGE = re.compile(r"(\w+)_['\"]\s*\+\s*\w+\s*\+\s*['\"]\.(\w+)")
MAX_PAGES = 200  # a count above this is a trap; crawler/traps.py cuts a column's pages lower still


def read_page(response):
    from . import ListReading, ListRequest  # a static page is read as a list page: no reader

    text = response.text
    stem, ext = "index", ""
    match = CREATE_PAGE.search(text)
    if match:
        count = int(match.group(1))
        stem, ext = match.group(2) or stem, match.group(3) or ""
    else:
        match = COUNT_VAR.search(text)
        loop = LOOP_PAGE.search(text)
        if not (match and loop and "document.write" in text):
            return None
        count = int(match.group(1))
        stem, ext = loop.group(1), loop.group(2)
    ext = ext or current_extension(response.url)
    count = min(count, MAX_PAGES)
    base = response.urljoin("./")
    return ListReading(requests=[ListRequest(f"{base}{stem}_{n}.{ext}", "", page=n) for n in range(1, count)])


def current_extension(url: str) -> str:
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if name.startswith("index.") else "html"
