"""大汉 Hanweb JCMS lists: records in the page's `<datastore>`, the rest from `dataproxy.jsp`.

The column page (`/col/col<id>/index.html`) carries its first records inside
`<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li><a href=…>]]></record>`;
its script asks `…/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…` (a POST with the
form fields written in the page: col, appid, webid, path, columnid, sourceContentType, unitid,
webname, permissiontype) for the others, three pages at a time, answered in the same XML.
"""

from __future__ import annotations

import re

from parsel import Selector

NAME = "hanweb"

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|\btotalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
PER_PAGE = re.compile(r"\bperpage\s*[:=]\s*['\"]?(\d+)", re.I)
PROXY = re.compile(r"['\"]([^'\"\s]*dataproxy\.jsp)[^'\"]*['\"]")
FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
FIELD = re.compile(r"[\s{,;&?]['\"]?(%s)['\"]?\s*[:=]\s*(?:'([^']*)'|\"([^\"]*)\"|([^'\",}\s&;]+))" % "|".join(FIELDS))
GROUP = 3  # pages per dataproxy request, as the jpage script asks


def records(text: str, base_url: str) -> list[tuple[str, str]]:
    """(URL, title) of every link in the records of a datastore."""
    from crawler.navigation import anchor_label

    items = []
    for cdata in RECORD.findall(text):
        for anchor in Selector(text=cdata).css("a[href]"):
            href = anchor.attrib["href"].strip()
            if href and not href.startswith(("javascript:", "#")):
                items.append((urljoin(base_url, href), anchor_label(anchor)))
    return items


def urljoin(base: str, href: str) -> str:
    from urllib.parse import urljoin as join

    return join(base, href).split("#", 1)[0]


def read_page(response):
    from . import ListReading

    text = response.text
    if "<datastore" not in text.lower() and "dataproxy.jsp" not in text:
        return None
    items = records(text, response.url)
    reading = ListReading(items=items)
    proxy, total = PROXY.search(text), TOTAL.search(text)
    if not proxy:
        return reading
    per_page = int(PER_PAGE.search(text).group(1)) if PER_PAGE.search(text) else 15
    form = {}
    for match in FIELD.finditer(text):
        form.setdefault(match.group(1), next(g for g in match.groups()[1:] if g is not None))
    url = urljoin(response.url, proxy.group(1))
    if total:
        reading.requests = batches(url, form, per_page, len(items) + 1, int(total.group(1) or total.group(2)))
    else:  # the count comes with the first answer
        reading.requests = batches(url, form, per_page, len(items) + 1, len(items) + per_page * GROUP)
        reading.requests[0].meta = {"form": form, "url": url, "per_page": per_page}
    return reading


def batches(url: str, form: dict, per_page: int, start: int, total: int) -> list:
    from . import ListRequest

    requests = []
    while start <= total:
        end = min(total, start + per_page * GROUP - 1)
        requests.append(ListRequest(f"{url}?startrecord={start}&endrecord={end}&perpage={per_page}", NAME, "POST",
                                    dict(form), page=start))
        start = end + 1
    return requests


def read_answer(response):
    from . import ListReading

    reading = ListReading(items=records(response.text, response.meta.get("list_page_url") or response.url))
    asked = response.meta.get("list_meta") or {}
    total = TOTAL.search(response.text)
    if asked.get("form") is not None and total:  # the first batch of a page that did not say its count
        last = int(re.search(r"endrecord=(\d+)", response.url).group(1))
        reading.requests = batches(asked["url"], asked["form"], asked["per_page"], last + 1, int(total.group(1) or total.group(2)))
    return reading
