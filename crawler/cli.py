"""The `nianbao` command: crawl (live or against the offline portal), serve the portal, extract a page,
read a report's statistics tables."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

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
            raise SystemExit(f"nianbao: {what} must be NAME=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key] = value
    return out


def crawl(args) -> int:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from archive.snapshot import Snapshot, snapshot_id_for
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
    # with a job directory, a crawl started again after a crash goes on in the same snapshot
    snapshot_id = snapshot_id_for(settings)
    settings.set("NIANBAO_SNAPSHOT_ID", snapshot_id, priority="cmdline")

    portal = None
    if args.offline:
        from replica.editions import edition
        from replica.server import OfflinePortal
        from replica.site import build_replica

        # edition 2 is the offline portal a year on (changed, withdrawn and new reports), for recrawls
        portal = OfflinePortal(replica=edition(build_replica(), settings.getint("NIANBAO_REPLICA_EDITION", 1))).start()
        settings.set("NIANBAO_PROXY", portal.proxy_url, priority="cmdline")
        if "districts" not in spider_args:
            served = portal.replica.portals + portal.replica.dead
            spider_args["districts"] = ",".join(p.name for p in served)
        print(f"offline portal on {portal.proxy_url}: {len(portal.replica.portals)} portals, "
              f"{len(portal.replica.expected_reports())} reports", file=sys.stderr)
    started = time.monotonic()
    try:
        process = CrawlerProcess(settings)
        process.crawl(args.spider, **spider_args)
        process.start()
    finally:
        if portal:
            portal.stop()
    snapshot = Snapshot.create(settings.get("NIANBAO_STORE"), snapshot_id, settings.get("NIANBAO_SPOOL"))
    summary_file = snapshot.crawl_dir / "summary.json"
    if not summary_file.exists():
        print(f"nianbao: the crawl ended without a summary (see the log above); snapshot {snapshot.root}", file=sys.stderr)
        return 1
    summary = json.loads(summary_file.read_text("utf-8"))
    print(format_summary(summary))
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
    from replica.editions import edition
    from replica.server import OfflinePortal
    from replica.site import build_replica

    portal = OfflinePortal(args.host, args.port, edition(build_replica(), args.edition)).start()
    replica = portal.replica
    print(f"offline portal listening on {portal.proxy_url} (use it as an HTTP proxy)")
    for p in replica.portals:
        print(f"  {p.name:<8} {p.root_url}")
    for p in replica.dead:
        print(f"  {p.name:<8} {p.root_url}  (does not answer)")
    print(f"crawl it with: scrapy crawl chongqing_districts -s NIANBAO_PROXY={portal.proxy_url} "
          f"-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False -a districts={','.join(p.name for p in replica.portals)}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        portal.stop()
    return 0


def extract(args) -> int:
    from pipelines.extraction import read_page

    raw = Path(args.page).read_bytes()
    html = decode_html(raw)
    print(json.dumps({"url": args.url or "", **read_page(html, args.url or "").to_dict()}, ensure_ascii=False, indent=1))
    return 0


def tables(args) -> int:
    from pipelines.statistics import parse_file

    results = parse_file(args.file)
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


def locate_snapshot(ref: str, store: str | None):
    """(store, key prefix) of a snapshot given as a folder, a URI (file:// or s3://), or an id."""
    from archive.store import LocalStore, open_store

    if "/snapshots/" in ref and "://" in ref:
        base, _, snapshot_id = ref.rstrip("/").rpartition("/snapshots/")
        return open_store(base), f"snapshots/{snapshot_id}"
    path = Path(ref[7:] if ref.startswith("file://") else ref)
    if path.is_dir():
        return LocalStore(path), ""
    target = open_store(store)
    if target.exists(f"snapshots/{ref}/manifest.json") or any(True for _ in target.keys(f"snapshots/{ref}")):
        return target, f"snapshots/{ref}"
    raise SystemExit(f"nianbao: no snapshot {ref!r} (neither a folder nor an id in {target})")


def list_snapshots(args) -> int:
    from archive.manifest import describe
    from archive.store import open_store

    store = open_store(args.store)
    ids = sorted({key.split("/")[1] for key in store.keys("snapshots") if key.count("/") >= 2})
    if not ids:
        print(f"no snapshots in {store}")
        return 0
    print(f"{'snapshot':<26} {'status':<11} {'documents':>9} {'size':>12}")
    for snapshot_id in ids:
        row = describe(store, f"snapshots/{snapshot_id}")
        print(f"{row['id']:<26} {row['status']:<11} {row['documents']:>9} {row['bytes']:>12,}")
    return 0


def verify(args) -> int:
    from archive.manifest import verify as verify_snapshot

    store, prefix = locate_snapshot(args.snapshot, args.store)
    name = f"{store}/{prefix}".rstrip("/")
    problems = verify_snapshot(store, prefix)
    if problems:
        for line in problems.lines():
            print(line)
        print(f"FAILED: {name} does not match its manifest", file=sys.stderr)
        return 1
    print(f"OK: every file of {name} matches its manifest")
    return 0


def validate(args) -> int:
    from archive.validate import validate_snapshot
    from archive.store import LocalStore

    store, prefix = locate_snapshot(args.snapshot, args.store)
    if not isinstance(store, LocalStore):
        raise SystemExit("nianbao: validate reads a snapshot folder; copy a remote snapshot here first "
                         "(its integrity can be checked in place with `nianbao verify`)")
    root = store.path(prefix)
    result = validate_snapshot(root)
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.records.items()))
    for line in result.problems:
        print(line)
    if result.problems:
        print(f"FAILED: {len(result.problems)} problems in {root} ({counts})", file=sys.stderr)
        return 1
    print(f"OK: the WARC and WACZ files of {root} are valid ({counts})")
    return 0


def upload(args) -> int:
    from archive.publish import publish
    from archive.store import open_store

    root = Path(args.folder).resolve()
    if not (root / "manifest.json").exists():
        raise SystemExit(f"nianbao: {root} is not a sealed snapshot (no manifest.json)")
    store = open_store(args.store)
    status = publish(root, store, root.name, patience=args.patience)
    if not status["complete"]:
        print(f"nianbao: upload failed: {status['error']}", file=sys.stderr)
        return 3
    print(f"uploaded {status['uploaded']} files to {store}/snapshots/{root.name}")
    return 0


def reextract(args) -> int:
    import shutil
    import tempfile

    from archive.publish import publish
    from archive.reextract import reextract as rebuild
    from archive.store import LocalStore, open_store

    store, prefix = locate_snapshot(args.snapshot, args.store)
    with tempfile.TemporaryDirectory(prefix="nianbao-reextract-") as tmp:
        if isinstance(store, LocalStore):
            source = store.path(prefix)
        else:  # fetch the WARC files; nothing else of the original is used
            source = Path(tmp) / prefix.rsplit("/", 1)[-1]
            for key in store.keys(f"{prefix}/warc"):
                target = source / "warc" / key.rsplit("/", 1)[-1]
                target.parent.mkdir(parents=True, exist_ok=True)
                with store.open(key) as stream, open(target, "wb") as out:
                    shutil.copyfileobj(stream, out)
        # the source's store also holds the earlier snapshots its revisits may refer to
        snapshot, counts = rebuild(source, args.store or os.environ.get("NIANBAO_STORE"), args.spool,
                                   source_store=store if prefix else None)
    print(f"re-extracted {counts['documents']} documents from {counts['report_pages']} report pages "
          f"({counts['not_reports']} not reports, {counts['failures']} failures) into snapshot {snapshot.id}")
    target = open_store(snapshot.store)
    if target.remote:
        status = publish(snapshot.root, target, snapshot.id)
        if not status["complete"]:
            print(f"nianbao: upload failed ({status['error']}); the files wait in {snapshot.root}", file=sys.stderr)
            return 3
        print(f"check it with: nianbao verify {snapshot.store.rstrip('/')}/snapshots/{snapshot.id}")
    else:
        print(f"check it with: nianbao verify {snapshot.root}")
    return 0


def export(args) -> int:
    from archive.export import export as write_table
    from archive.export import export_statistics

    store, prefix = locate_snapshot(args.snapshot, args.store)
    key = f"{prefix}/corpus/documents.jsonl" if prefix else "corpus/documents.jsonl"
    if not store.exists(key):
        raise SystemExit(f"nianbao: the snapshot has no corpus/documents.jsonl")
    name = (prefix or str(store)).rstrip('/').rsplit('/', 1)[-1]
    out = Path(args.out or f"{name}{'-tables' if args.tables else ''}.{args.format}")
    with store.open(key) as stream:
        lines = (line.decode("utf-8") for line in stream)
        if args.tables:
            count = export_statistics(lines, args.format, out, lambda doc: stored_statistics(store, prefix, doc))
            print(f"wrote {count} values to {out}")
            return 0
        count = write_table(lines, args.format, out)
    print(f"wrote {count} documents to {out}")
    return 0


def stored_statistics(store, prefix: str, doc: dict) -> dict:
    """A document's statistics as the snapshot keeps them; read again from the document for a
    snapshot made before they were kept."""
    from pipelines.statistics import parse_document

    key = f"{prefix}/corpus/tables/{doc['doc_id']}.json".lstrip("/")
    if store.exists(key):
        with store.open(key) as stream:
            kept = json.load(stream)
        if "values" in kept:
            return kept
    return parse_document(doc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("crawl", help="run a spider into a new snapshot")
    p.add_argument("spider", help="e.g. chongqing_districts")
    p.add_argument("--offline", action="store_true", help="crawl the bundled offline portal instead of the web")
    p.add_argument("--store", help="store URI (a path or file://…); default $NIANBAO_STORE or ./data")
    p.add_argument("--jobdir", help="Scrapy job directory, to pause and resume a crawl")
    p.add_argument("-a", action="append", metavar="NAME=VALUE", help="spider argument, e.g. districts=合川区,大渡口区")
    p.add_argument("-s", action="append", metavar="NAME=VALUE", help="Scrapy setting")
    p.set_defaults(run=crawl)

    p = sub.add_parser("portal", help="the offline portal")
    psub = p.add_subparsers(dest="action", required=True)
    ps = psub.add_parser("serve", help="serve the offline portal until interrupted")
    ps.add_argument("--host", default="127.0.0.1")
    ps.add_argument("--port", type=int, default=8733)
    ps.add_argument("--edition", type=int, default=1, help="2: the portal a year on (one report changed, one gone, one new)")
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
    p.set_defaults(run=reextract)

    p = sub.add_parser("export", help="a snapshot's corpus as one table")
    p.add_argument("snapshot", help="a snapshot folder, URI, or its id in the store")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    p.add_argument("--out", help="output file (default: <snapshot id>.<format>)")
    p.add_argument("--tables", action="store_true", help="the statistics as a long table: doc_id, region, issuer, "
                                                          "report_year, key, value, unit")
    p.add_argument("--store", help="store URI, to find a snapshot by id")
    p.set_defaults(run=export)

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

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
