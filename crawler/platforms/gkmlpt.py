"""Guangdong's 政府信息公开目录 platform (gkmlpt): a catalogue tree and a JSON API.

The 年报 page (`/gkmlpt/annualreport`, its catalogue id in the fragment, e.g. `#2629`) lists nothing
in its HTML: its inline `window._CONFIG` names the site (`SID: '…'`) and the catalogue (`TREE`, one
node per unit or year under the 年报 node); each category lists its documents at
`/gkmlpt/api/all/<id>?page=<n>&sid=<sid>`, JSON `{"total": N, "articles": [{"title", "url", …}]}`
(or `classify.post_count`).
"""

from __future__ import annotations

import json
import math
import re

NAME = "gkmlpt"

SID = re.compile(r"\bSID\s*:\s*['\"](\d+)['\"]")
TREE = re.compile(r"\bTREE\s*:\s*\[")


def tree_of(text: str) -> list:
    match = TREE.search(text)
    if not match:
        return []
    start, depth = match.end() - 1, 0
    for i in range(start, len(text)):
        depth += {"[": 1, "]": -1}.get(text[i], 0)
        if depth == 0:
            try:
                return json.loads(text[start:i + 1])
            except ValueError:
                return []
    return []


def listed_nodes(node: dict) -> list[int]:
    """A node and every node under it that lists documents of its own (a unit's, a year's): not a
    link elsewhere (`jump_url`), not one that says it holds none (`post_count: 0`)."""
    own = [] if node.get("jump_url") or node.get("post_count") == 0 or "id" not in node else [node["id"]]
    children = [c for c in node.get("children") or [] if isinstance(c, dict)]
    return own + [n for child in children for n in listed_nodes(child)]


def report_categories(tree: list, fragment: str) -> list[int]:
    """Every listing node under the nodes named as the 年报 column (and the page's own id)."""
    from crawler.navigation import compact, names_report_column

    found = []
    stack = list(tree)
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if names_report_column(compact(str(node.get("name", "")))):
            found += listed_nodes(node)
        else:
            stack += node.get("children") or []
    if fragment.isdigit():
        named = [n for n in walk(tree) if str(n.get("id")) == fragment]
        found += [i for n in named for i in listed_nodes(n)] or [int(fragment)]
    return list(dict.fromkeys(found))


def walk(tree: list):
    for node in tree:
        if isinstance(node, dict):
            yield node
            yield from walk(node.get("children") or [])


def api_url(response, category, page: int, sid: str) -> str:
    return response.urljoin(f"/gkmlpt/api/all/{category}?page={page}&sid={sid}")


def read_page(response):
    from . import ListReading, ListRequest

    if "/gkmlpt/" not in response.url:
        return None
    text = response.text
    sid = SID.search(text)
    if not sid:
        return None
    categories = report_categories(tree_of(text), response.meta.get("fragment", ""))
    return ListReading(anchors=False, requests=[
        ListRequest(api_url(response, c, 1, sid.group(1)), NAME, page=1, meta={"category": c, "sid": sid.group(1)})
        for c in categories
    ])


def read_answer(response):
    from . import ListReading, ListRequest

    try:
        answer = json.loads(response.text)
    except ValueError:
        return ListReading()
    articles = answer.get("articles") or [] if isinstance(answer, dict) else []
    items = [(response.urljoin(a.get("url") or a.get("post_url") or ""), re.sub(r"\s+", "", a.get("title") or ""))
             for a in articles if isinstance(a, dict) and (a.get("url") or a.get("post_url"))]
    reading = ListReading(items=items)
    page = response.meta.get("page", 1)
    total = answer.get("total") or (answer.get("classify") or {}).get("post_count") or 0
    if page == 1 and articles and total > len(articles):
        meta = response.meta.get("list_meta", {})
        reading.requests = [
            ListRequest(api_url(response, meta.get("category"), n, meta.get("sid")), NAME, page=n, meta=meta)
            for n in range(2, math.ceil(total / len(articles)) + 1)
        ]
    return reading
