"""The `nianbao` command: crawl (live or against the offline portal), serve the portal, extract a page,
read a report's statistics tables."""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .errors import EXIT_BUG, UserError, read_input
from .registry_cli import coverage, list_registry
from .snapshot_cli import export, list_snapshots, reextract, seal, upload, validate, verify

# Same as the live defaults in crawler/settings.py, but for a server on this machine that
# wants no politeness: these are the only differences between a live and an offline crawl.
OFFLINE_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 5,  # a local server answers in milliseconds; the stalling page (城口县) waits this long
    "NIANBAO_CHALLENGE_WAIT": 3,
    "RETRY_TIMES": 1,
    "NIANBAO_RETRY_BACKOFF": 0.5,
}


def parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise UserError(f"{what} must be NAME=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key] = value
    return out


def crawl(args) -> int:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from archive.coverage import format_coverage, read_csv_summary
    from archive.crawl_log import CRAWL_LOG
    from archive.snapshot import Snapshot, snapshot_id_for
    from archive.store import open_store
    from crawler.summary import format_summary

    settings = get_project_settings()
    spider_args = parse_pairs(args.a, "-a")
    if args.offline:  # first, so that -s still overrides them
        settings.setdict(OFFLINE_SETTINGS, priority="cmdline")
    settings.setdict(parse_pairs(args.s, "-s"), priority="cmdline")
    if args.store:
        settings.set("NIANBAO_STORE", args.store, priority="cmdline")
    if args.jobdir:
        settings.set("JOBDIR", args.jobdir, priority="cmdline")
    store = open_store(settings.get("NIANBAO_STORE"))  # a store URI of no kind we know fails here, not mid-crawl
    if store.remote:
        store.check_credentials()
    check_spider(settings, args.spider)
    if args.workers != 1 and not args.redis:
        raise UserError("--workers needs --redis redis://HOST:PORT/DB (the workers share their frontier there)")
    if args.redis:  # one crawl as many workers: the snapshot is the one going on in Redis, if any
        from crawler.cluster.launch import cluster_snapshot_id

        settings.set("REDIS_URL", args.redis, priority="cmdline")
        settings.set("NIANBAO_SNAPSHOT_ID", cluster_snapshot_id(args.redis, args.spider, settings.get("NIANBAO_SNAPSHOT_ID")),
                     priority="cmdline")
    # with a job directory, a crawl started again after a crash goes on in the same snapshot
    snapshot_id = snapshot_id_for(settings)
    settings.set("NIANBAO_SNAPSHOT_ID", snapshot_id, priority="cmdline")

    portal = start_offline_portal(settings, args.spider, spider_args) if args.offline else None
    started = time.monotonic()
    try:
        check_arguments(settings, args.spider, spider_args)
        # the screen shows progress, problems and the summary; Scrapy's log goes into the snapshot
        snapshot = Snapshot.create(settings.get("NIANBAO_STORE"), snapshot_id, settings.get("NIANBAO_SPOOL"))
        settings.set("LOG_FILE", str(snapshot.crawl_dir / CRAWL_LOG), priority="cmdline")
        settings.set("NIANBAO_PROGRESS", True, priority="default")
        failed = []  # a spider that could not start: its error, not Twisted's log of it
        if args.redis:
            from crawler.cluster.launch import run_workers

            run_workers(args.spider, spider_args, settings, args.workers)
        else:
            process = CrawlerProcess(settings)
            screen_errors()
            process.crawl(args.spider, **spider_args).addErrback(failed.append)
            process.start()
    finally:
        if portal:
            portal.stop()
    if failed:
        if not any(snapshot.warc_dir.iterdir()):  # nothing was crawled: leave no empty snapshot behind
            shutil.rmtree(snapshot.root)
        failed[0].raiseException()
    summary_file = snapshot.crawl_dir / "summary.json"
    if not summary_file.exists():
        print(f"nianbao: the crawl ended without a summary (see {snapshot.crawl_dir / CRAWL_LOG}); "
              f"snapshot {snapshot.root}", file=sys.stderr)
        return 1
    summary = json.loads(summary_file.read_text("utf-8"))
    print(format_summary(summary))
    if coverage := read_csv_summary(snapshot.root):
        print(format_coverage(coverage) + f"  (see {snapshot.root / 'coverage' / 'index.html'})")
    print(f"the crawl's log: {snapshot.crawl_dir / CRAWL_LOG}")
    print(f"took {time.monotonic() - started:.1f} s")
    print_recrawl_figures(snapshot)
    if snapshot.upload_status.exists():
        status = json.loads(snapshot.upload_status.read_text("utf-8"))
        if not status["complete"]:
            print(f"nianbao: upload to {status['store']} failed ({status['error']}); nothing is lost: the files "
                  f"wait in {snapshot.root}; finish with: nianbao upload {snapshot.root} --store {snapshot.store}",
                  file=sys.stderr)
            return 3
        print(f"snapshot {snapshot.id} uploaded to {status['store']} ({status['retries']} retries)")
        print(f"check it with: nianbao verify {snapshot.store.rstrip('/')}/snapshots/{snapshot.id}")
    else:
        print(f"snapshot {snapshot.id} in {snapshot.root}")
        print(f"check it with: nianbao verify {snapshot.root}")
        print(f"validate its WARC and WACZ files with: nianbao validate {snapshot.root}")
    if summary["finish_reason"] != "finished":
        return 1
    if summary["portals"] and all(r["failures"] and not r["list_pages"] for r in summary["portals"].values()):
        print("nianbao: no portal answered (is there a network?)", file=sys.stderr)
        return 2
    return 0


def start_offline_portal(settings, spider: str, spider_args: dict):
    """The bundled offline portal, and the crawl pointed at it: by default every portal it serves."""
    from replica.server import OfflinePortal

    # edition 2 is the offline portal a year on (changed, withdrawn and new reports), for recrawls
    scale = settings.getint("NIANBAO_REPLICA_SCALE", 0)
    replica, latency = offline_replica(settings.getint("NIANBAO_REPLICA_EDITION", 1), scale,
                                       settings.get("NIANBAO_REPLICA_LATENCY"))
    portal = OfflinePortal(replica=replica, latency=latency).start()
    settings.set("NIANBAO_PROXY", portal.proxy_url, priority="cmdline")
    if spider == "portals" and scale and not {"roots", "registry"} & set(spider_args):
        from replica.scale import registry_entries, scaled_portals

        folder = tempfile.mkdtemp(prefix="nianbao-scale-")
        atexit.register(shutil.rmtree, folder, True)  # after the crawl, its workers' too (they read it)
        registry = Path(folder) / "portals.json"
        registry.write_text(json.dumps({"portals": registry_entries(scaled_portals(replica))}, ensure_ascii=False), "utf-8")
        spider_args["registry"] = str(registry)  # the copies only: what the scale knob is for
    elif spider == "portals":
        if not {"roots", "registry"} & set(spider_args):
            from replica.platforms import REGIONS  # the portals of every other platform the replica serves

            spider_args["registry"] = ",".join(REGIONS)
    elif spider == "chongqing_districts":
        if "districts" not in spider_args:
            served = portal.replica.portals + portal.replica.dead
            spider_args["districts"] = ",".join(p.name for p in served)
    else:
        keep_served(settings, spider, spider_args, portal.replica)
    others = portal.replica.platforms
    print(f"offline portal on {portal.proxy_url}: {len(portal.replica.portals)} portals on Chongqing's platform "
          f"({len(portal.replica.expected_reports())} reports), {len(others)} on other platforms "
          f"({sum(len(b.expected_reports()) for b in others)} reports)", file=sys.stderr)
    return portal


def keep_served(settings, spider: str, spider_args: dict, replica) -> None:
    """Narrow a selection of the national registry (`china`, `tianjin_districts` …) to the units the
    offline portal serves: it answers for no other host, so the rest could only fail."""
    from scrapy.spiderloader import get_spider_loader

    spidercls = get_spider_loader(settings).load(spider)
    served = {p.code for p in replica.portals + replica.dead} | {b.portal.code for b in replica.platforms}
    try:
        chosen = spidercls.__new__(spidercls).select_portals(**spider_args)
    except ValueError as error:  # an unknown province or unit: the same line as online
        raise UserError(str(error)) from None
    codes = [p.code for p in chosen if p.code in served]
    if not codes:
        names = sorted(p.name for p in replica.portals + replica.dead) + [b.portal.name for b in replica.platforms]
        raise UserError(f"the offline portal serves none of the units {spider} selects; it serves: {', '.join(names)}")
    print(f"offline: {len(codes)} of the {len(chosen)} units {spider} selects are served "
          f"({', '.join(p.name for p in chosen if p.code in served)})", file=sys.stderr)
    spider_args["codes"] = ",".join(codes)


def offline_replica(edition_number: int, scale: int = 0, latency: str | None = None):
    """The offline portal's replica in an edition, with `scale` more portals (replica/scale.py),
    and its hosts' latency: `latency` as LOW-HIGH milliseconds, by default none, or 200-800 at scale."""
    from replica.editions import edition
    from replica.scale import DEFAULT_LATENCY, HostLatency, parse_latency, scaled
    from replica.site import build_replica

    try:
        replica = scaled(edition(build_replica(), edition_number), scale)
        bounds = parse_latency(latency) if latency is not None else (DEFAULT_LATENCY if scale else None)
    except ValueError as error:  # an edition that does not exist, a bad scale or latency
        raise UserError(str(error)) from None
    return replica, HostLatency(bounds) if bounds else None


def check_spider(settings, name: str) -> None:
    from scrapy.spiderloader import get_spider_loader

    known = get_spider_loader(settings).list()
    if name not in known:
        raise UserError(f"no spider {name!r}; the spiders are: {', '.join(sorted(known))}")


def check_arguments(settings, name: str, spider_args: dict) -> None:
    """Bad -a arguments (an unknown portal or province): one line, before anything runs."""
    from scrapy.spiderloader import get_spider_loader

    spidercls = get_spider_loader(settings).load(name)
    if hasattr(spidercls, "check_arguments"):
        spidercls.check_arguments(**spider_args)


def screen_errors() -> None:
    """What needs a person still reaches the screen while Scrapy logs into the snapshot
    (credentials redacted there too)."""
    import logging

    from .logfilter import CredentialFilter

    def needs_a_person(record: logging.LogRecord) -> bool:
        # a request that ran out of retries is a failure of the crawl, listed in the summary already;
        # the archive's warnings (a resumed snapshot, one left unsealed) matter to whoever runs it
        if record.name.startswith("scrapy.downloadermiddlewares.retry"):
            return False
        return record.levelno >= logging.ERROR or record.name.startswith("archive.")

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.addFilter(CredentialFilter())
    handler.addFilter(needs_a_person)
    handler.setFormatter(logging.Formatter("nianbao: %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)


def print_recrawl_figures(snapshot) -> None:
    """What a resumed or incremental crawl saved, from the snapshot's stats and delta."""
    stats_file, delta_file = snapshot.crawl_dir / "stats.json", snapshot.root / "delta.json"
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    if stats.get("nianbao/resumed"):
        print(f"resumed: {stats.get('nianbao/replayed', 0)} responses archived before the interruption "
              "were read back from the WARC files")
    delta = json.loads(delta_file.read_text("utf-8")) if delta_file.exists() else None
    if delta and delta["previous"]:
        counts = delta["counts"]
        print(f"against snapshot {delta['previous']}: {stats.get('nianbao/conditional_requests', 0)} conditional "
              f"requests, {stats.get('nianbao/not_modified', 0)} not modified; documents new {counts['new']}, "
              f"changed {counts['changed']}, unchanged {counts['unchanged']}, gone {counts['gone']}")


def serve(args) -> int:
    import signal

    from replica.server import OfflinePortal

    if args.processes < 1:
        raise UserError(f"--processes must be 1 or more, got {args.processes}")
    replica, latency = offline_replica(args.edition, args.scale, args.latency)
    try:
        portal = OfflinePortal(args.host, args.port, replica, latency, args.request_log, args.processes).start()
    except OSError as error:
        raise UserError(f"cannot listen on {args.host}:{args.port} ({error.strerror or error}): "
                        "choose another port with --port") from None
    # stopped like Ctrl-C (a benchmark stops it so): the serving processes go with it
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        replica = portal.replica
        print(f"offline portal listening on {portal.proxy_url} (use it as an HTTP proxy)", flush=True)
        for p in replica.portals:
            print(f"  {p.name:<8} {p.root_url}")
        for p in replica.dead:
            print(f"  {p.name:<8} {p.root_url}  (does not answer)")
        for b in replica.platforms[:len(replica.platforms) - args.scale]:  # one per platform beyond Chongqing
            print(f"  {b.portal.name:<8} {b.portal.root_url}  ({b.platform}, {len(b.expected_reports())} reports)")
        if args.scale:
            print(f"  and {args.scale} copies of those on hosts of their own (crawl them with nianbao crawl portals "
                  f"--offline -s NIANBAO_REPLICA_SCALE={args.scale})")
        print(f"crawl it with: scrapy crawl chongqing_districts -s NIANBAO_PROXY={portal.proxy_url} "
              f"-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False -a districts={','.join(p.name for p in replica.portals)}",
              flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
    return 0


def extract(args) -> int:
    from pipelines.extraction import read_page
    from pipelines.extraction.sniff import file_type, sniff

    raw = read_input(args.page)
    kind = sniff(raw)
    if kind == "empty":
        raise UserError(f"{args.page} is empty")
    if file_type(raw):  # a report file: PDF, DOCX, DOC, WPS
        print(json.dumps({"url": args.url or "", **read_file_or_fail(raw).to_dict()}, ensure_ascii=False, indent=1))
        return 0
    if kind not in ("html", "text"):
        raise UserError(f"{args.page} is not a web page or a report file (its content is {kind} data): "
                        "give a saved HTML page, or a PDF, DOCX, DOC or WPS file")
    html = decode_html(raw)
    print(json.dumps({"url": args.url or "", **read_page(html, args.url or "").to_dict()}, ensure_ascii=False, indent=1))
    return 0


def read_file_or_fail(raw: bytes):
    from pipelines.extraction.files import UnreadableFile, read_file

    try:
        return read_file(raw)
    except (UnreadableFile, RuntimeError) as exc:
        raise UserError(str(exc)) from None


def tables(args) -> int:
    from pipelines.extraction.sniff import file_type, sniff
    from pipelines.statistics import parse_document, parse_file

    raw = read_input(args.file)
    kind = sniff(raw)
    if kind == "empty":
        raise UserError(f"{args.file} is empty")
    if file_type(raw):  # a report file: its tables as read from the file (OCR flagged)
        read = read_file_or_fail(raw)
        results = [{**parse_document({"tables": read.tables, "text": read.text}), "ocr": read.ocr,
                    "ocr_confidence": read.ocr_confidence}]
    elif kind not in ("html", "text"):
        raise UserError(f"{args.file} is {kind} data, not a report: give its text, its HTML page, a report file "
                        "or a documents.jsonl")
    else:
        try:
            results = parse_file(args.file)
        except UnicodeDecodeError:
            raise UserError(f"{args.file} is not UTF-8 text: save the report's text as UTF-8, or give its HTML page") from None
        except json.JSONDecodeError as error:
            raise UserError(f"{args.file} starts like documents.jsonl but a line of it is not JSON ({error.msg})") from None
    for parsed in results:
        if "doc_id" in parsed:  # documents.jsonl: one result a line
            print(json.dumps(parsed, ensure_ascii=False))
        else:
            print(json.dumps(parsed, ensure_ascii=False, indent=1))
    if not any(parsed["form"] for parsed in results):
        print("nianbao: no statistics table of the national form found", file=sys.stderr)
        return 1
    return 0


def decode_html(raw: bytes) -> str:
    """A saved page's text: BOM, <meta charset>, detection; a declaration the bytes contradict loses."""
    from pipelines.extraction.encoding import decode_html as decode

    return decode(raw)


def main(argv: list[str] | None = None) -> int:
    parser = CommandParser(prog="nianbao", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("crawl", help="run a spider into a new snapshot")
    p.add_argument("spider", help="e.g. chongqing_districts")
    p.add_argument("--offline", action="store_true", help="crawl the bundled offline portal instead of the web")
    p.add_argument("--store", help="store URI (a path or file://…); default $NIANBAO_STORE or ./data")
    p.add_argument("--jobdir", help="Scrapy job directory, to pause and resume a crawl")
    p.add_argument("--redis", metavar="redis://HOST:PORT/DB", help="one crawl as many workers sharing a frontier in this Redis")
    p.add_argument("--workers", type=int, default=1, help="with --redis: worker processes to run on this machine")
    p.add_argument("-a", action="append", metavar="NAME=VALUE", help="spider argument, e.g. districts=合川区,大渡口区")
    p.add_argument("-s", action="append", metavar="NAME=VALUE", help="Scrapy setting")
    p.set_defaults(run=crawl)

    p = sub.add_parser("registry", help="the national registry of portals: code, name path, level, roots, validity")
    p.add_argument("--province", help="e.g. 重庆市 or 重庆 (several: comma-separated)")
    p.add_argument("--level", help="province, prefecture, county or zone (several: comma-separated)")
    p.add_argument("--year", help="units that report for this year (or 2019-2024)")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.set_defaults(run=list_registry)

    p = sub.add_parser("coverage", help="write a snapshot's coverage: coverage/coverage.csv, index.html, heatmap.png")
    p.add_argument("snapshot", help="a local snapshot folder")
    p.add_argument("--registry", action="store_true",
                   help="rows for every unit of the national registry in the crawled provinces and report "
                        "years, crawled or not")
    p.set_defaults(run=coverage)

    p = sub.add_parser("portal", help="the offline portal")
    psub = p.add_subparsers(dest="action", required=True)
    ps = psub.add_parser("serve", help="serve the offline portal until interrupted")
    ps.add_argument("--host", default="127.0.0.1")
    ps.add_argument("--port", type=int, default=8733)
    ps.add_argument("--edition", type=int, default=1, help="2: the portal a year on (one report changed, one gone, one new)")
    ps.add_argument("--scale", type=int, default=0, metavar="N",
                    help="N more portals, copies of the platform portals on hosts of their own, each answering "
                         "after its own latency (crawl them with -s NIANBAO_REPLICA_SCALE=N)")
    ps.add_argument("--latency", metavar="LOW-HIGH", help="milliseconds each host takes to answer, drawn per host "
                    "from a fixed seed (default: none; 200-800 with --scale; 0: none)")
    ps.add_argument("--processes", type=int, default=1, metavar="K",
                    help="serve from K processes accepting on one socket (a benchmark's portal: no interpreter "
                         "lock shared with the crawl or between the serving processes)")
    ps.add_argument("--request-log", metavar="FILE",
                    help="append every request as a line: arrival time (the machine's monotonic clock), method, URL")
    ps.set_defaults(run=serve)

    p = sub.add_parser("snapshots", help="the snapshots of a store")
    ssub = p.add_subparsers(dest="action", required=True)
    ps = ssub.add_parser("list", help="id, status, documents and size of every snapshot")
    ps.add_argument("--store", help="store URI; default $NIANBAO_STORE or ./data")
    ps.set_defaults(run=list_snapshots)

    p = sub.add_parser("validate", help="check a snapshot's WARC records and WACZ package (digests, lengths, "
                                        "request and metadata records, revisits, pages)")
    p.add_argument("snapshot", help="a snapshot folder, or an id in --store")
    p.add_argument("--store")
    p.set_defaults(run=validate)

    p = sub.add_parser("verify", help="recompute every size and hash of a snapshot against its manifest")
    p.add_argument("snapshot", help="a snapshot folder, or its id in the store")
    p.add_argument("--store", help="store URI, to find a snapshot by id")
    p.set_defaults(run=verify)

    p = sub.add_parser("reextract", help="rebuild a snapshot's corpus from its WARC files alone, into a new snapshot")
    p.add_argument("snapshot", help="a snapshot folder, URI, or its id in the store")
    p.add_argument("--store", help="store URI: where to find the snapshot by id and to write the new one")
    p.add_argument("--spool", help="local folder for snapshots bound for a remote store")
    p.add_argument("--jobs", type=int, default=1, help="processes that extract (CPU-bound), while one reads the WARC files")
    p.set_defaults(run=reextract)

    p = sub.add_parser("export", help="a snapshot's corpus as one table")
    p.add_argument("snapshot", help="a snapshot folder, URI, or its id in the store")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    p.add_argument("--out", help="output file (default: <snapshot id>.<format>)")
    p.add_argument("--tables", action="store_true", help="the statistics as a long table: doc_id, region, issuer, "
                                                          "report_year, key, value, unit")
    p.add_argument("--store", help="store URI, to find a snapshot by id")
    p.set_defaults(run=export)

    p = sub.add_parser("seal", help="merge the workers' parts of a crawl on many workers and seal it "
                       "(when its workers all stopped before one of them did)")
    p.add_argument("folder", help="the snapshot's folder (snapshots/<id> of a store, or a spool folder)")
    p.add_argument("--store", help="store URI, when the folder is a spool folder of a remote store")
    p.set_defaults(run=seal)

    p = sub.add_parser("upload", help="upload a sealed snapshot from the spool to a store (after a failed upload)")
    p.add_argument("folder", help="the snapshot's spool folder")
    p.add_argument("--store", required=True, help="store URI, e.g. s3://bucket/prefix")
    p.add_argument("--patience", type=float, default=600, help="seconds to keep retrying (default 600)")
    p.set_defaults(run=upload)

    p = sub.add_parser("extract", help="read one saved report page and print the document as JSON")
    p.add_argument("page", help="an HTML file")
    p.add_argument("--url", help="the page's URL (resolves attachment links)")
    p.set_defaults(run=extract)

    p = sub.add_parser("tables", help="read the statistics of sections 二, 三 and 四 of a report into canonical keys")
    p.add_argument("file", help="a report as clean or naive text, an HTML page, or documents.jsonl")
    p.set_defaults(run=tables)

    return run(parser.parse_args(argv))


class CommandParser(argparse.ArgumentParser):
    """Every command and sub-command takes --debug; a usage error exits 1 like other bad input."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help="print the traceback of an error (also: NIANBAO_DEBUG=1)")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def run(args) -> int:
    """A command's exit code; its errors as one line: `nianbao: …` (README: "Exit codes")."""
    debug = getattr(args, "debug", False) or os.environ.get("NIANBAO_DEBUG", "") not in ("", "0")
    try:
        return args.run(args)
    except UserError as error:
        if debug:
            traceback.print_exc()
        print(f"nianbao: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("nianbao: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: one line to see, the traceback on demand
        if debug:
            traceback.print_exc()
        message = " ".join(str(error).split())[:300]
        print(f"nianbao: unexpected error ({type(error).__name__}: {message}); this is a bug: "
              "run again with --debug for the traceback and report it", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
