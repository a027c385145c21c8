"""Idle connections are kept for the most recently asked hosts only (crawler/connections.py):
Scrapy's real downloader over real HTTP/1.1 keep-alive to two hosts in turn, and each server tells
which connection each request came on."""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT

SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

first, second, idle = sys.argv[1], sys.argv[2], int(sys.argv[3])
ORDER = [first + "/a", second + "/b", first + "/c"]  # one at a time: the first host, the other, the first again

class Hosts(scrapy.Spider):
    name = "hosts"

    async def start(self):
        yield scrapy.Request(ORDER[0])

    def parse(self, response):
        print(json.dumps({"url": response.url}), flush=True)
        done = ORDER.index(response.url)
        if done + 1 < len(ORDER):
            yield scrapy.Request(ORDER[done + 1])

process = CrawlerProcess({"DOWNLOAD_HANDLERS": {"http": "crawler.connections.KeepAliveHandler"},
                          "NIANBAO_IDLE_CONNECTIONS": idle, "CONCURRENT_REQUESTS": 1, "ROBOTSTXT_OBEY": False,
                          "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False})
process.crawl(Hosts)
process.start()
"""


class KeepAliveServer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open until the client closes it
    seen: list[tuple[str, int]] = []

    def do_GET(self):
        self.seen.append((self.path, self.client_address[1]))
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("idle, connections_to_the_first", [(1, 2), (2, 1)])
def test_only_the_most_recently_used_idle_connections_are_kept(idle, connections_to_the_first):
    KeepAliveServer.seen = []
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveServer) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        first, second = (f"http://127.0.0.1:{server.server_address[1]}" for server in servers)
        proc = subprocess.run([sys.executable, "-c", SPIDER, first, second, str(idle)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    finally:
        for server in servers:
            server.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [json.loads(line)["url"] for line in proc.stdout.splitlines()] == [first + "/a", second + "/b", first + "/c"]
    assert [path for path, _ in KeepAliveServer.seen] == ["/a", "/b", "/c"]
    ports = {path: port for path, port in KeepAliveServer.seen}
    # one idle connection kept: the second host's took the place of the first's, so /c came on a new
    # one; two kept: /c came on the connection /a had
    assert len({ports["/a"], ports["/c"]}) == connections_to_the_first, KeepAliveServer.seen
    assert ports["/b"] not in (ports["/a"], ports["/c"])


@pytest.mark.parametrize("browser, handler", [(True, "crawler.browser.BrowserOnDemandHandler"),
                                               (False, "crawler.connections.KeepAliveHandler")])
def test_the_crawl_uses_the_handler_with_or_without_the_browser(browser, handler):
    """Set by the add-on, as a crawl's settings are built: a handler in crawler/settings.py would
    win over the add-on's, and requests for the browser would go to Scrapy's downloader."""
    from scrapy.settings import Settings
    from scrapy.utils.misc import load_object

    from crawler.browser import BrowserAddon
    from crawler.connections import KeepAliveHandler

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NIANBAO_BROWSER", browser, "cmdline")
    BrowserAddon().update_settings(settings)
    assert {k: settings.getdict("DOWNLOAD_HANDLERS")[k] for k in ("http", "https")} == {"http": handler, "https": handler}
    assert issubclass(load_object(handler), KeepAliveHandler)
