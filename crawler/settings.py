"""Scrapy settings of nianbao. The defaults are those of a polite live crawl.

The offline replica is crawled with the same spiders and these overrides (what
`nianbao crawl --offline` passes, see `OFFLINE_SETTINGS` in `crawler/cli.py`):
`NIANBAO_PROXY=http://127.0.0.1:PORT` (the replica answers for the real hosts), no delay, more
concurrency.
"""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- where the crawl goes ------------------------------------------------------------------
NIANBAO_STORE = None  # a path or file://…; None: $NIANBAO_STORE, else ./data
NIANBAO_SNAPSHOT_ID = None  # None: a new time-sortable id
NIANBAO_PROXY = None  # set to the offline replica's address to crawl it
NIANBAO_WARC_MAX_SIZE = 1_000_000_000
NIANBAO_OPERATOR = ""
NIANBAO_INCREMENTAL = True  # conditional requests and revisits against the previous complete snapshot
NIANBAO_CONTACT = "https://github.com/nianbao/nianbao"
NIANBAO_BROWSER = True  # pages marked `render` go through Chromium (crawler/browser.py)
NIANBAO_CHROMIUM = None  # None: `chromium` on PATH (Debian's)

# -- politeness (live) -----------------------------------------------------------------------
USER_AGENT = f"nianbao/0.1 (+{NIANBAO_CONTACT}; research archive of government annual reports)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# warcio cannot decode br/zstd, so never ask for them (Scrapy would if brotli/zstd are installed)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip, deflate",
}

# -- safety ----------------------------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 would otherwise run code sent to a local port

# -- components ------------------------------------------------------------------------------
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"

ADDONS = {
    "crawler.browser.BrowserAddon": 0,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.browser.BrowserMiddleware": 700,
    "crawler.proxy.ProxyMiddleware": 740,
    # conditional requests against the previous snapshot; turns a 304 into its archived payload
    "archive.recrawl.ConditionalRequestMiddleware": 940,
    # below the capture: its process_response turns a cut body into a failure once it is archived
    "crawler.limits.BodySizeLimit": 942,
    # a resumed crawl answers what its snapshot already archived from the WARC (archive/resume.py)
    "archive.resume.ReplayArchivedMiddleware": 945,
    # above HttpCompressionMiddleware (590): records what the server sent, compressed or not
    "archive.capture.WarcCaptureMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    "archive.item_refs.WarcRefSpiderMiddleware": 900,
}
ITEM_PIPELINES = {
    "pipelines.extract.ExtractionPipeline": 300,
    "pipelines.corpus.CorpusWriterPipeline": 800,
}
EXTENSIONS = {
    "crawler.summary.CrawlSummary": 500,
    "crawler.logfilter.QuietNetworkErrors": 100,
    "archive.sealing.SnapshotSeal": 900,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
