"""Scrapy settings of nianbao. The defaults are those of a polite live crawl.

The offline replica is crawled with the same spiders and these overrides (what
`nianbao crawl --offline` passes, see `OFFLINE_SETTINGS` in `crawler/cli.py`):
`NIANBAO_PROXY=http://127.0.0.1:PORT` (the replica answers for the real hosts), no delay, more
concurrency.
"""

import os

from scrapy.settings import default_settings

# Scrapy's cookie middleware asks tldextract for public suffixes, and tldextract downloads the Public
# Suffix List on first use: a request to a host outside the crawl and, with no network, a logged
# traceback. An empty URL list makes it use the copy it ships; read when the middleware is imported.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

BOT_NAME = "nianbao"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- where the crawl goes ------------------------------------------------------------------
NIANBAO_STORE = None  # a path or file://…; None: $NIANBAO_STORE, else ./data
NIANBAO_SNAPSHOT_ID = None  # None: a new time-sortable id
NIANBAO_PROXY = None  # set to the offline replica's address to crawl it
NIANBAO_WARC_MAX_SIZE = 1_000_000_000
NIANBAO_OPERATOR = ""
REDIS_URL = None  # redis://HOST:PORT/DB: this process is one worker of a crawl shared through Redis (crawler/cluster/)
NIANBAO_CLUSTER_WORKER = None  # the worker's name, unique in the cluster; None: host_pid
NIANBAO_CLUSTER_HEARTBEAT = 10.0  # seconds without a heartbeat after which a worker's requests are taken up
# processes reading report pages and files: 0, the crawl's own (on 2 cores a pool measured no faster and
# costs ~1 s to start); N, a pool of N (more cores); None, one per core
NIANBAO_EXTRACT_JOBS = 0
NIANBAO_MALLOC_ARENAS = 1  # heaps the crawl's later threads share (glibc); 0: glibc's default, one per thread
NIANBAO_MMAP_THRESHOLD = 128 * 1024  # bytes from which a block is mapped on its own (glibc); 0: glibc's moving threshold
NIANBAO_GIVE_BACK_EVERY = 50  # responses between two returns of the heaps' free pages to the system; 0: never
NIANBAO_INCREMENTAL = True  # conditional requests and revisits against the previous complete snapshot
# who site operators can reach; `{contact}` of USER_AGENT (filled in by crawler.politeness)
NIANBAO_CONTACT = os.environ.get("NIANBAO_CONTACT") or "https://github.com/nianbao/nianbao"

# -- politeness (live) -----------------------------------------------------------------------
USER_AGENT = "nianbao/0.1 (+{contact}; research archive of government annual reports)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2  # the floor: AutoThrottle only lengthens it when a site slows down
DOWNLOAD_DELAY_JITTER = 0  # Scrapy's ±50% would let requests come 1 s apart
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10
# idle connections kept open over all hosts, the most recently used (Twisted keeps each 240 s: a crawl
# going through thousands of hosts held hundreds, see crawler/connections.py); the handler that
# does it is set by crawler.browser.BrowserAddon, with the browser or without
NIANBAO_IDLE_CONNECTIONS = 16
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
NIANBAO_RETRY_BACKOFF = 2.0  # seconds before the first retry, doubled after each; Retry-After wins
NIANBAO_RETRY_MAX_WAIT = 120.0  # a longer Retry-After is not waited for: the request fails
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # also the limit on a decompressed body (gzip bombs)
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
NIANBAO_MAX_LIST_PAGES = 100  # list pages read per report column; more is a trap

# -- the browser (crawler/browser.py): pages a portal marks `render`, and anti-bot challenges
# opened once in Chromium (crawler/challenges.py); everything else goes through Scrapy's downloader
NIANBAO_BROWSER = True
NIANBAO_CHROMIUM = None  # None: `chromium` on PATH (Debian's; Playwright cannot download one here)
NIANBAO_CHALLENGE_WAIT = 5.0  # seconds the browser gets to set a clearance cookie
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000

# warcio cannot decode br/zstd, so never ask for them (Scrapy would if brotli/zstd are installed)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip, deflate",
}

# -- safety ----------------------------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 would otherwise run code sent to a local port

# -- the job directory -----------------------------------------------------------------------
# A crawl resumes from its snapshot's WARC files (archive/resume.py), never from Scrapy's queue in
# the job directory, which a kill leaves stale and a resumed crawl drops: pickling every request
# into it would cost the crawl for nothing. The queues stay in memory, with or without --jobdir, in
# the order Scrapy's memory queues give (the defaults of SCHEDULER_(START_)MEMORY_QUEUE).
SCHEDULER_DISK_QUEUE = "scrapy.squeues.LifoMemoryQueue"
SCHEDULER_START_DISK_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# -- per response --------------------------------------------------------------------------
# Scrapy starts CONCURRENT_ITEMS tasks for the output of every response, however little it holds
# (one page gives a few items): 100 of them cost some 0.8 ms of CPU a response, 0.4 s of a crawl of
# the offline portal. 16 still lets a page's items wait on an extraction pool side by side.
CONCURRENT_ITEMS = 16
# Scrapy takes no new request while the responses its scraper holds (their items not yet through)
# pass this many bytes (its default: 5 MB). What waits holds much more than those bodies: a report
# file waiting for the file-reading thread holds the page that pointed to it too. A burst of 209 WPS
# reports of 51 KB raised one worker's peak by 15 MiB with 5 MB, by 6 with 1 MB (bench/memtrace.py,
# 1 251 copies: 161.5 MiB against 167.8 at 50 000 pages; 736 s to get there against 711).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Scrapy re-reads a callback's source (inspect + ast) for each response whose bound method it no
# longer holds, to warn of a generator returning a value; tests/test_safety.py checks ours once.
WARN_ON_GENERATOR_RETURN_VALUE = False

# -- components ------------------------------------------------------------------------------
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"

ADDONS = {
    "crawler.logfilter.RedactCredentials": 0,
    "crawler.politeness.ContactUserAgent": 1,
    "crawler.browser.BrowserAddon": 2,  # the download handler, and scrapy-playwright's settings from NIANBAO_BROWSER and NIANBAO_PROXY
    "crawler.cluster.addon.ClusterAddon": 3,  # with REDIS_URL: one worker of a crawl shared through Redis
}

DOWNLOADER_MIDDLEWARES = {
    "crawler.memory.DecodeLater": 0,  # its process_response last: a response waits for its callback with its bytes only
    "crawler.scope.ScopeMiddleware": 45,  # first: nothing off the portals' hosts goes further
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
    "crawler.guards.SoftNotFoundMiddleware": 585,
    "crawler.charset.CharsetMiddleware": 587,
    "crawler.challenges.ChallengeMiddleware": 588,
    "crawler.guards.RedirectGuardMiddleware": 610,
    "crawler.browser.BrowserMiddleware": 700,
    "crawler.proxy.ProxyMiddleware": 740,
    # conditional requests against the previous snapshot; turns a 304 into its archived payload
    "archive.recrawl.ConditionalRequestMiddleware": 940,
    # below the capture: its process_response turns a cut body into a failure once it is archived
    "crawler.limits.BodySizeLimit": 942,
    # a resumed crawl answers what its snapshot already archived from the WARC (archive/resume.py)
    "archive.resume.ReplayArchivedMiddleware": 945,
    # marks a replayed answer whose callback crawler.frontier journaled: checks it passed are not made again
    "crawler.frontier.JournaledAnswers": 944,
    # above HttpCompressionMiddleware (590): records what the server sent, compressed or not
    "archive.capture.WarcCaptureMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    "crawler.memory.DropParsedTree": 5,  # next to the engine: frees a response's lxml tree when its output is done
    # on the engine's side of all: a resumed crawl's archived, journaled requests skip scheduler and downloader
    "crawler.frontier.UnscheduledJournaled": 10,
    "crawler.traps.ListPageLimit": 500,
    "archive.item_refs.WarcRefSpiderMiddleware": 900,
    # next to the spider: with a job directory, what each callback yielded, for a resumed crawl
    "crawler.frontier.FrontierJournal": 950,
}
ITEM_PIPELINES = {
    "pipelines.written.WrittenDocumentsPipeline": 250,  # a resumed crawl reads no document twice
    "pipelines.extract.ExtractionPipeline": 300,
    "pipelines.corpus.CorpusWriterPipeline": 800,
}
# The consoles are off (above), and not even imported: Scrapy imports every extension it lists, off
# or None, and the remote control's module imports aiohttp's client and server, 0.1 s of CPU at
# every crawl process's start (the telnet console's, twisted.conch). Scrapy's other ones stay.
EXTENSIONS_BASE = {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                   if path not in ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")}
EXTENSIONS = {
    "crawler.politeness.DelayFromAnswer": 0,  # DOWNLOAD_DELAY counted from the answer, not the departure
    "crawler.summary.CrawlSummary": 500,
    "crawler.coverage_report.CoverageReport": 600,
    "crawler.progress.CrawlProgress": 700,
    "crawler.logfilter.QuietNetworkErrors": 100,
    "archive.sealing.SnapshotSeal": 900,
    "crawler.memory.OneHeap": 0,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
