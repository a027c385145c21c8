"""The soft-404 check reads a page's visible text by walking lxml's tree: it must select what its
XPath definition selects, stop early only when the page is long anyway, and survive deep pages."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.failures import Refused
from crawler.guards import SHORT_PAGE, SoftNotFoundMiddleware, visible_text

DEFINITION = "//body//text()[not(ancestor::script) and not(ancestor::style)]"


def page(body: str) -> HtmlResponse:
    return HtmlResponse("http://www.example.gov.cn/a/1.html", body=body.encode("utf-8"), encoding="utf-8")


def by_definition(response: HtmlResponse) -> str:
    return "".join(response.xpath(DEFINITION).getall()).strip()


PAGES = [
    "<html><head><title>标题</title><style>p{}</style></head><body>  <p>一<b>二</b>三</p>"
    "<script>var x = '不存在';</script>尾<!-- 注释 -->后<style>.a{}</style>  </body></html>",
    "<body><div><span>该信息不存在</span><noscript>请启用脚本</noscript></div><?pi x?>末</body>",
    "<html><head><meta http-equiv='refresh' content='0;url=/list/'></head><body>\n\t\n</body></html>",
    "<p>没有 body 标签的页面</p>" + "<p>正文。</p>" * 200,
    "<html><head><title>只有头</title></head></html>",
]


@pytest.mark.parametrize("body", PAGES)
def test_the_walk_selects_what_the_xpath_selects(body):
    response = page(body)
    assert visible_text(response) == by_definition(response)


def test_reading_stops_only_past_the_short_page_limit():
    long_page = page("<body>  " + "<p>第一段文字，</p>   " * 300 + "<p>该页面已删除</p></body>")
    full = by_definition(long_page)
    cut = visible_text(long_page, enough=SHORT_PAGE)
    assert len(cut) > SHORT_PAGE and full.startswith(cut) and len(cut) < len(full)
    short = page("<body><p>" + "字" * SHORT_PAGE + "</p><script>" + "x" * 5000 + "</script></body>")
    assert visible_text(short, enough=SHORT_PAGE) == by_definition(short)  # exactly at the limit: all of it


def test_a_page_nested_two_thousand_deep_is_read_without_recursion():
    response = page("<body>" + "<div>" * 2000 + "该信息已删除" + "</div>" * 2000 + "</body>")
    assert visible_text(response) == "该信息已删除"
    with pytest.raises(Refused):
        SoftNotFoundMiddleware().process_response(None, response)


def test_a_long_page_is_shown_long_by_its_first_part_and_left_unparsed():
    """A page longer than the part parsed first: its first text shows it long, and the whole page
    is left for its callback to parse (the check's tree would be dropped and built again)."""
    from crawler.guards import PREFIX

    long_page = page("<body>" + "<p>第一段文字，</p>" * 3000 + "<p>该页面已删除</p></body>")
    assert len(long_page.text) > PREFIX
    cut = visible_text(long_page, enough=SHORT_PAGE)
    assert long_page._cached_selector is None
    assert SoftNotFoundMiddleware().process_response(None, long_page) is long_page
    assert long_page._cached_selector is None
    assert len(cut) > SHORT_PAGE and by_definition(long_page).startswith(cut)


@pytest.mark.parametrize("hidden", ["<!-- {} -->", "<script>{}</script>", "<style>{}</style>", "<title>{}</title>"])
def test_a_short_page_behind_a_long_hidden_part_is_still_read_whole(hidden):
    """What hides text (a comment, a script, a style, the head's title) cut by the first part's end:
    the first part shows no long text, so the whole page is read, and its soft 404 is found."""
    filler = hidden.format("注释字" * 8000)
    where = ("<head>{}</head><body>" if "title" in hidden else "<head></head><body>{}").format(filler)
    response = page("<html>" + where + "<p>该信息已删除</p></body></html>")
    assert len(response.text) > 16384
    assert visible_text(response, enough=SHORT_PAGE) == by_definition(response) == "该信息已删除"
    with pytest.raises(Refused):
        SoftNotFoundMiddleware().process_response(None, response)
