"""A real Scrapy crawl of the test server with WARC capture on, run in its own process.

usage: crawl.py BASE_URL STORE OUT_JSON [SETTING=VALUE ...]

OUT_JSON gets what the spider saw of each final response (decoded body, the WarcRef left in
meta), so the test can compare it with what was archived.
"""

import base64
import json
import sys
from dataclasses import asdict

import scrapy
from scrapy.crawler import CrawlerProcess

PATHS = ["/gzip", "/deflate", "/cookies", "/redirect/1", "/search?q=年报&page=2", "/chunked", "/truncated"]


class WarcTestSpider(scrapy.Spider):
    name = "warc_test"

    def __init__(self, base, out, **kwargs):
        super().__init__(**kwargs)
        self.base, self.out, self.seen, self.failures = base, out, [], []

    async def start(self):
        for path in PATHS:
            yield scrapy.Request(self.base + path, meta={"portal": "测试区", "kind": "report"})
        for path in ("/big", "/big-chunked"):
            yield scrapy.Request(self.base + path, meta={"portal": "测试区", "kind": "attachment", "download_maxsize": 1500},
                                 errback=self.failed)
        yield scrapy.Request(self.base + "/rendered", meta={"portal": "测试区", "kind": "report", "render": True})
        yield scrapy.FormRequest(self.base + "/submit", formdata={"year": "2023", "title": "年度报告"},
                                 meta={"portal": "测试区", "kind": "list"})

    def parse(self, response):
        ref = response.meta.get("nianbao_capture")
        self.seen.append({
            "url": response.url,
            "status": response.status,
            "body": base64.b64encode(response.body).decode(),
            "redirect_urls": response.meta.get("redirect_urls", []),
            "capture": asdict(ref) if ref else None,
        })

    def failed(self, failure):
        from crawler.failures import describe_failure

        self.failures.append({"url": failure.request.url, "reason": describe_failure(failure)[0]})

    def closed(self, reason):
        with open(self.out, "w", encoding="utf-8") as f:
            json.dump({"seen": self.seen, "failed": self.failures}, f, ensure_ascii=False)


def main(base, store, out, *overrides):
    settings = {
        "ADDONS": {"crawler.browser.BrowserAddon": 0},
        "DOWNLOADER_MIDDLEWARES": {"crawler.browser.BrowserMiddleware": 700,
                                   "crawler.limits.BodySizeLimit": 940,
                                   "archive.capture.WarcCaptureMiddleware": 950},
        "NIANBAO_STORE": store,
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,*/*;q=0.8", "Accept-Encoding": "gzip, deflate"},
        "DOWNLOAD_FAIL_ON_DATALOSS": False,
        "RETRY_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }
    for item in overrides:
        key, _, value = item.partition("=")
        settings[key] = json.loads(value)
    process = CrawlerProcess(settings)
    process.crawl(WarcTestSpider, base=base, out=out)
    process.start()


if __name__ == "__main__":
    main(*sys.argv[1:])
