"""Fujian's 集约化 platform (TRS + avalon.js): `listModel` pages the list through a search API.

The list page shows its first page statically; its script
`listModel({quickMode:"动静结合", maxStaticIndex:1, listArgs:{channelid:…, classsql:…, sortfield:…},
pagebar:{prepage:10, recordCount:'20', …}})` fetches the later pages with a form POST to the site's
`/fjdzapp/search` (`channelid`, `classsql`, `sortfield`, `page`, `prepage`), answered in JSON
(`{"pageCount": …, "data": [{"doctitle", "docpuburl", "chnldocurl", "docreltime", …}]}`; some sites
say `docs`). `channelid` is often `SiteInfo.searchId`, set elsewhere in the page.
"""

from __future__ import annotations

import json
import math
import re

NAME = "fujian"

LIST_MODEL = re.compile(r"listModel\s*\(\s*\{(.*?)\}\s*\)\s*;", re.S)
API_PATH = "/fjdzapp/search"


def value(block: str, key: str) -> str:
    """A listArgs/pagebar value as the browser would read it: `"" || "chnlid=1813"` is the last string."""
    match = re.search(rf"\b{key}\s*:\s*((?:\"[^\"]*\"|'[^']*'|[^,\n}}'\"])+)", block)
    if not match:
        return ""
    expression = match.group(1).strip()
    strings = [s for s in re.findall(r"['\"]([^'\"]*)['\"]", expression) if s]
    if strings:
        return strings[-1]
    return expression


def resolve(text: str, expression: str) -> str:
    """`SiteInfo.searchId` → the number the page sets it to."""
    if re.fullmatch(r"\d+", expression):
        return expression
    name = expression.rsplit(".", 1)[-1]
    match = re.search(rf"\b{re.escape(name)}\s*:\s*['\"]?(\d+)", text)
    return match.group(1) if match else ""


def read_page(response):
    from . import ListReading, ListRequest

    text = response.text
    model = LIST_MODEL.search(text)
    if not model:
        return None
    block = model.group(1)
    channel = resolve(text, value(block, "channelid"))
    per_page = int(value(block, "prepage") or 10)
    records = int(value(block, "recordCount") or 0)
    static = int(value(block, "maxStaticIndex") or 1)
    if not (channel and records):
        return ListReading()
    form = {"channelid": channel, "classsql": value(block, "classsql"), "sortfield": value(block, "sortfield"),
            "prepage": str(per_page)}
    url = response.urljoin(API_PATH)
    pages = math.ceil(records / per_page)
    # 动静结合: the first `maxStaticIndex` pages are static (index.htm, index_1.htm …), the rest the API's
    name = response.url.split("?", 1)[0].rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1] if "." in name else "htm"
    static_pages = [ListRequest(response.urljoin(f"index_{n}.{ext}"), "", page=n) for n in range(1, min(static, pages))]
    return ListReading(requests=static_pages + [
        ListRequest(url, NAME, "POST", {**form, "page": str(page)}, page=page) for page in range(static + 1, pages + 1)
    ])


def read_answer(response):
    from . import ListReading

    try:
        answer = json.loads(response.text)
    except ValueError:
        return ListReading()
    rows = answer.get("data") or answer.get("docs") or [] if isinstance(answer, dict) else []
    items = []
    for row in rows:
        url = row.get("docpuburl") or row.get("chnldocurl") or ""
        if url:
            items.append((response.urljoin(url), re.sub(r"<[^>]+>|\s+", "", row.get("doctitle") or "")))
    return ListReading(items=items)
