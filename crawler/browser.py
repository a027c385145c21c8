"""The browser, only for the pages that need JavaScript: scrapy-playwright with Debian's Chromium.

A request goes through the browser when its meta says `render` (a portal lists the page kinds that
need it in its registry entry, `render`); every other request keeps Scrapy's own downloader.
`BrowserAddon` wires scrapy-playwright in before the settings freeze, so `scrapy crawl` and
`nianbao crawl` get the same browser; `BrowserMiddleware` hands the marked requests to it and keeps
the browser inside the crawl's hosts (its subresource requests included).
What the browser fetched is archived by `archive.capture`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from urllib.parse import urlsplit

from .connections import KeepAliveHandler
from .portals import bare_host
from .scope import crawl_hosts, in_scope

logger = logging.getLogger(__name__)

HANDLER = "crawler.browser.BrowserOnDemandHandler"
# the launch options that work with Debian's Chromium on these machines (see README, Browser)
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


class BrowserOnDemandHandler(KeepAliveHandler):
    """Scrapy's HTTP handler (keeping only the most recently used idle connections:
    `crawler.connections`), which creates scrapy-playwright's handler (and starts Playwright's
    driver) with the first request that needs the browser, rather than with the engine: most
    crawls render nothing, and a crawl killed and resumed would pay that start (0.3 s of CPU, and
    importing Playwright) once more."""

    lazy = False

    def __init__(self, crawler) -> None:
        super().__init__(crawler=crawler)
        self.crawler = crawler
        self.browser: asyncio.Future | None = None

    async def download_request(self, request):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self.browser is None:  # the first browser request starts it; the others wait for it
            self.browser = asyncio.ensure_future(self.start_browser())
        handler = await asyncio.shield(self.browser)
        return await handler.download_request(request)

    async def start_browser(self):
        from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

        handler = ScrapyPlaywrightDownloadHandler(self.crawler)
        await handler._maybe_launch_in_thread()  # what it would have done on engine_started
        return handler

    async def close(self) -> None:
        await super().close()
        if self.browser is not None:
            try:
                handler = await self.browser
            except Exception:  # it never started: nothing to close
                return
            await handler.close()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserAddon:
    """The HTTP download handler, and the settings of scrapy-playwright derived from nianbao's own
    (`NIANBAO_BROWSER`, `NIANBAO_PROXY`). The handler is set here, at the add-on's priority, and not
    in `crawler/settings.py`, whose priority would win over it."""

    def update_settings(self, settings) -> None:
        browser = settings.getbool("NIANBAO_BROWSER", True)
        handler = HANDLER if browser else "crawler.connections.KeepAliveHandler"
        handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        handlers.update(http=handler, https=handler)
        settings.set("DOWNLOAD_HANDLERS", handlers, "addon")
        if not browser:
            return
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "addon")
        args = list(CHROMIUM_ARGS)
        launch = {"headless": True, "args": args}
        if path := settings.get("NIANBAO_CHROMIUM") or chromium_path():
            launch["executable_path"] = path
        if proxy := settings.get("NIANBAO_PROXY"):
            # pages go through the proxy by their context (`BrowserMiddleware`); the browser's own
            # traffic (update checks and the like) has no proxy, and with no DNS of its own it
            # cannot reach around the proxy at all
            args.append(f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {urlsplit(proxy).hostname}")
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, "addon")
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", settings.getfloat("DOWNLOAD_TIMEOUT", 30) * 1000, "addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 4, "addon")
        settings.set("PLAYWRIGHT_PROCESS_REQUEST_HEADERS", "crawler.browser.browser_headers", "addon")


async def browser_headers(*, browser_type_name, playwright_request, scrapy_request_data) -> dict:
    """Scrapy's headers (User-Agent, Accept-Language…) for what the browser sends, without
    Accept-Encoding: Chromium sets its own and ignores ours, and a header we asked for but the
    browser replaced would make the archived request say something that was never sent."""
    from scrapy_playwright.headers import use_scrapy_headers

    headers = await use_scrapy_headers(browser_type_name=browser_type_name, playwright_request=playwright_request,
                                       scrapy_request_data=scrapy_request_data)
    return {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}


SCOPE_META_KEY = "nianbao_browser_scope"


class BrowserMiddleware:
    """`meta["render"]` → a scrapy-playwright request; every browser request is confined to the
    crawl's hosts (its subresources included)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("NIANBAO_BROWSER", True)
        self.proxy = crawler.settings.get("NIANBAO_PROXY")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if request.meta.get("render"):
            if self.enabled:
                self.to_browser(request)
            else:  # fetched as any page: what the server sends is still archived
                self.crawler.stats.inc_value("nianbao/browser/disabled")
        if request.meta.get("playwright"):  # rendered, or opened for a challenge (crawler/challenges.py)
            # the crawl's portal hosts (as ScopeMiddleware has them), else the page's own host
            hosts = crawl_hosts(self.crawler.spider) or {bare_host(urlsplit(request.url).hostname or "")}
            request.meta[SCOPE_META_KEY] = sorted(hosts)
            # a path, not an object: meta must stay picklable for a crawl's job directory
            request.meta["playwright_page_init_callback"] = "crawler.browser.confine_to_scope"
        return None

    def to_browser(self, request) -> None:
        request.meta["playwright"] = True
        if self.proxy:
            from .challenges import browser_proxy

            request.meta["playwright_context"] = "render"
            request.meta["playwright_context_kwargs"] = {"proxy": browser_proxy(self.proxy), "ignore_https_errors": True}


async def confine_to_scope(page, request) -> None:
    """Abort what a rendered page asks for outside the crawl's hosts (trackers, CDNs, ad servers)."""
    hosts = set(request.meta[SCOPE_META_KEY])

    async def route(route) -> None:
        url = route.request.url
        if url.startswith(("http://", "https://")) and not in_scope(url, hosts):
            logger.debug("browser: %s is out of scope, not fetched (page %s)", url, request.url)
            await route.abort("blockedbyclient")
        else:
            await route.fallback()  # to scrapy-playwright's own handler (Scrapy's headers)

    await page.route("**", route)
