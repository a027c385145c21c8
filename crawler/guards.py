"""Responses that look like pages but are not: refused with a reason, before Scrapy follows them.

- `SoftNotFoundMiddleware` (585, just after decompression, before MetaRefreshMiddleware at 580):
  an empty 200, and the soft 404 of deleted documents (200, a few words, a meta refresh back
  to the column). Followed, the refresh would land on an already-seen column and the document
  would vanish without a trace. An archived answer a resumed crawl replays, whose callback's
  output is journaled (`crawler.frontier`), passed this check before and is not read again.
- `RedirectGuardMiddleware` (610, before RedirectMiddleware at 600): a redirect back to a URL of
  its own chain, or off the portals' hosts. Scrapy would drop either silently when it is
  scheduled (duplicate filter, offsite filter); here each is a failure with its reason.
"""

from __future__ import annotations

from parsel import Selector
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_meta_refresh

from .failures import Refused
from .frontier import JOURNALED_KEY
from .scope import crawl_hosts, in_scope

SHORT_PAGE = 400  # characters of visible text: a report, a list, even a 指南 has more
GONE_WORDS = ("不存在", "已删除", "已撤销", "已过期", "页面找不到", "404")
REDIRECTS = (301, 302, 303, 307, 308)
HIDDEN = ("script", "style")


def text_nodes(body):
    """The text nodes under `body` in document order, but those of scripts, styles and comments:
    what `//body//text()[not(ancestor::script) and not(ancestor::style)]` selects, read lazily
    (and without recursion: a page may nest thousands of elements deep)."""
    stack = [(body, False)]  # (element, its tail only)
    while stack:
        element, tail = stack.pop()
        if tail:
            if element.tail:
                yield element.tail
        elif isinstance(element.tag, str) and element.tag not in HIDDEN:
            if element.text:
                yield element.text
            for child in reversed(element):
                stack += [(child, True), (child, False)]


def visible_text(response: HtmlResponse, enough: int | None = None) -> str:
    """The text a reader sees in the body, stripped; read only until it is longer than `enough`
    characters when that is all the caller needs to know (every response passes here: an XPath
    over the whole page was a hotspot). A page longer than `PREFIX` characters is first parsed only
    that far: its first text is enough to show most pages long, and the whole page's tree is left
    to its callback (`crawler.memory.DecodeLater` drops what a check built, so a whole tree here
    would be built twice)."""
    if enough is not None and len(response.text) > PREFIX:
        text = body_text(Selector(text=response.text[:PREFIX], type="html").root, enough)
        if len(text) > enough:
            return text
    return body_text(response.selector.root, enough)


PREFIX = 16384  # characters


def body_text(root, enough: int | None) -> str:
    body = next(root.iter("body"), None)
    pieces, length, start, end = [], 0, None, 0  # start, end: of the stripped text so far
    for piece in text_nodes(body) if body is not None else ():
        if piece.strip():
            start = length + len(piece) - len(piece.lstrip()) if start is None else start
            end = length + len(piece.rstrip())
        pieces.append(piece)
        length += len(piece)
        if enough is not None and start is not None and end - start > enough:
            break
    return "".join(pieces).strip()


class SoftNotFoundMiddleware:
    def process_response(self, request, response):
        if request is not None and request.meta.get(JOURNALED_KEY):
            return response  # an archived answer whose callback is journaled passed here before
        if response.status != 200:
            return response
        if not response.body:
            raise Refused("empty body", "recorded in the WARC; nothing to read")
        if not isinstance(response, HtmlResponse):
            return response
        text = visible_text(response, enough=SHORT_PAGE)
        if len(text) > SHORT_PAGE:
            return response
        _, target = get_meta_refresh(response)
        if target and target != response.url:
            raise Refused("soft 404", f"meta refresh to {target} not followed")
        if any(w in text for w in GONE_WORDS):
            raise Refused("soft 404", "page says the document is gone")
        return response


class RedirectGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        location = response.headers.get("Location")
        if response.status not in REDIRECTS or not location:
            return response
        target = response.urljoin(location.decode("latin-1")).split("#", 1)[0]
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            raise Refused("redirect loop", f"stopped after {len(chain)} hops: {' → '.join(chain)} → {target}")
        hosts = crawl_hosts(self.crawler.spider)
        if hosts and not in_scope(target, hosts):
            raise Refused("off-host", f"redirect to {target} not followed")
        return response
