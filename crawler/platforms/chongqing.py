"""Hints of the Chongqing platform (重庆市政府网站集约化平台): its URL shapes, to go faster.

Nothing here is needed to find a column: the spider finds them by their link texts. The hints let
it recognise the department and township sub-sites the district's home links (`/bm/kjj/`,
`/bmjd/bm_100475/kjj/`) and report columns whose link has no text, from their URLs alone.
"""

from __future__ import annotations

from crawler.urls import PLATFORM_RULES, is_column_page, is_subsite_root

NAME = "chongqing"
RULES = PLATFORM_RULES["chongqing"]


def subsite_root(url: str) -> bool:
    return is_subsite_root(url, RULES)


def column(url: str) -> bool:
    return is_column_page(url, RULES)
