"""ChallengeMiddleware: anti-bot challenges, tried once through a real browser.

Two kinds are met on government portals: 瑞数 (412, sometimes 202, with an obfuscated `$_ts`
bootstrap) and 加速乐 (521, a script that builds the `__jsl_clearance` cookie and reloads). The
challenge response is archived like any other. Then, if NIANBAO_BROWSER is on, the same URL is
opened once in Chromium (scrapy-playwright, through NIANBAO_PROXY when set): if its scripts set a
cookie, the page is fetched again by Scrapy with the browser's cookies, so what is archived is a
real HTTP exchange, not a rendered DOM. Anything else is a failure "challenge …", recorded as
blocked. Priority 588: after decompression (590), before retries (550).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from http.cookies import SimpleCookie
from urllib.parse import unquote, urlsplit, urlunsplit

from .failures import Refused

logger = logging.getLogger(__name__)

STAGE = "nianbao_challenge"  # "browser" while Chromium has it, then "cleared"
KIND = "nianbao_challenge_kind"
SERVER_COOKIES = "nianbao_challenge_server_cookies"
PLAYWRIGHT_KEYS = ("playwright", "playwright_include_page", "playwright_context", "playwright_context_kwargs",
                   "playwright_page")  # a live Page object: never in a request that may be queued to disk


def challenge_kind(response) -> str | None:
    body = response.body[:20000]
    if response.status in (412, 202) and (b"$_ts" in body or b'r="m"' in body):
        return "412 $_ts (瑞数)"
    if response.status == 521 and (b"document.cookie" in body or b"__jsl" in body):
        return "521 __jsl_clearance (加速乐)"
    return None


def browser_proxy(url: str) -> dict:
    """Playwright wants a proxy's credentials apart from its address."""
    parts = urlsplit(url)
    proxy = {"server": urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))}
    if parts.username:
        proxy |= {"username": unquote(parts.username), "password": unquote(parts.password or "")}
    return proxy


def set_cookie_names(response) -> list[str]:
    names = []
    for value in response.headers.getlist("Set-Cookie"):
        jar = SimpleCookie()
        try:
            jar.load(value.decode("latin-1"))
        except Exception:  # a malformed Set-Cookie names nothing
            continue
        names.extend(jar)
    return names


class ChallengeMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        self.stats = crawler.stats
        self.browser = settings.getbool("NIANBAO_BROWSER", True)
        self.wait = settings.getfloat("NIANBAO_CHALLENGE_WAIT", 5.0)
        self.proxy = settings.get("NIANBAO_PROXY")
        self.contexts = itertools.count(1)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response):
        stage = request.meta.get(STAGE)
        if stage == "browser":
            return await self.after_browser(request, response)
        kind = challenge_kind(response)
        if kind is None:
            return response
        self.stats.inc_value("nianbao/challenges")
        if stage == "cleared":
            raise Refused(f"challenge {kind}", "the browser's cookies were refused; recorded as blocked")
        if not self.browser:
            raise Refused(f"challenge {kind}", "no browser (NIANBAO_BROWSER off); recorded as blocked")
        logger.info("%s: challenge %s, opening it once in the browser", request.url, kind)
        context = {"ignore_https_errors": True}
        if self.proxy:
            context["proxy"] = browser_proxy(self.proxy)
        return request.replace(dont_filter=True, meta={
            **request.meta, STAGE: "browser", KIND: kind, SERVER_COOKIES: set_cookie_names(response),
            "playwright": True, "playwright_include_page": True,
            # a context of its own: cookies another challenge set must not count as this one's
            "playwright_context": f"challenge-{next(self.contexts)}", "playwright_context_kwargs": context,
        })

    async def after_browser(self, request, response):
        kind = request.meta[KIND]
        page = response.meta.get("playwright_page")
        jar = await self.script_cookies(page, request) if page else []
        if page:
            await page.close()
            await page.context.close()
        if not jar:
            self.stats.inc_value("nianbao/challenges_blocked")
            raise Refused(f"challenge {kind}", "tried once in the browser: no clearance; recorded as blocked")
        self.stats.inc_value("nianbao/challenges_cleared")
        meta = {k: v for k, v in request.meta.items() if k not in PLAYWRIGHT_KEYS}
        return request.replace(dont_filter=True, cookies={c["name"]: c["value"] for c in jar},
                               meta={**meta, STAGE: "cleared"})

    async def script_cookies(self, page, request) -> list[dict]:
        """The browser's cookies for the URL once a script (not the server) has set one."""
        from_server = set(request.meta.get(SERVER_COOKIES, ()))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while True:
            try:
                jar = await page.context.cookies(request.url)
            except Exception as exc:  # the page navigated or closed under us: ask again
                logger.debug("cookies of %s: %r", request.url, exc)
                jar = []
            if any(c["name"] not in from_server for c in jar):
                return jar
            if loop.time() >= deadline:
                return []
            await asyncio.sleep(0.25)
