"""What each platform adds to reading a list: its pager, its list API, its records.

The spider reads every list page the same way (its links, by meaning); a platform module
recognises its own pages from their content and says what else the page lists and which further
requests list the rest. One module per platform, each small:

- `trs`: static `index_N` pages counted by `createPageHTML`/`createPage` or a `document.write` loop;
- `hanweb`: 大汉 JCMS `<datastore>` records and the `dataproxy.jsp` POSTs for the rest;
- `gkmlpt`: Guangdong's 政府信息公开目录 platform, its catalogue tree and JSON API;
- `fujian`: Fujian's 集约化 `listModel` and its search API;
- `chongqing`: URL hints of the Chongqing platform (sub-site folders, column slugs), for speed only.

A module has `read_page(response) -> ListReading | None` (None: not its page) and, for the
requests it asks for, `read_answer(response) -> ListReading`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import fujian, gkmlpt, hanweb, trs

MODULES = {module.NAME: module for module in (trs, hanweb, gkmlpt, fujian)}


@dataclass
class ListRequest:
    """A further list request a platform's script would make."""

    url: str
    reader: str  # the module that reads its answer
    method: str = "GET"
    formdata: dict[str, str] | None = None
    page: int = 1
    meta: dict = field(default_factory=dict)  # what the reader needs back (catalogue id …)


@dataclass
class ListReading:
    items: list[tuple[str, str]] = field(default_factory=list)  # (absolute URL, title)
    requests: list[ListRequest] = field(default_factory=list)
    platform: str = ""
    anchors: bool = True  # False: the page's own links are chrome, not the list (an API lists it)


def read_list_page(response, names: list[str] | None = None) -> list[ListReading]:
    """What every platform (of `names`, default all) that recognises this list page adds to its links."""
    readings = []
    for module in (MODULES[n] for n in names) if names is not None else MODULES.values():
        reading = module.read_page(response)
        if reading is not None:
            reading.platform = module.NAME
            readings.append(reading)
    return readings


def read_answer(response) -> ListReading:
    module = MODULES[response.meta["list_reader"]]
    reading = module.read_answer(response)
    reading.platform = module.NAME
    return reading
