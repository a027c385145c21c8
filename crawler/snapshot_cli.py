"""The `nianbao` commands that work on a snapshot once it is written: list, verify, validate,
upload, reextract, export, seal. (`crawler/cli.py` holds the parser and the crawl.)"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .errors import UserError


def locate_snapshot(ref: str, store: str | None):
    """(store, key prefix) of a snapshot given as a folder, a URI (file:// or s3://), or an id."""
    from archive.snapshot import SNAPSHOT_ID
    from archive.store import LocalStore, open_store

    if "/snapshots/" in ref and "://" in ref:
        base, _, snapshot_id = ref.rstrip("/").rpartition("/snapshots/")
        return open_store(base), f"snapshots/{snapshot_id}"
    path = Path(ref[7:] if ref.startswith("file://") else ref)
    if path.is_dir():
        return LocalStore(path), ""
    target = open_store(store)
    if not SNAPSHOT_ID.fullmatch(ref):
        raise UserError(f"no snapshot folder {ref}, and {ref!r} is not a snapshot id (ids look like "
                        f"20260101T000000Z-1a2b3c; `nianbao snapshots list` shows them)")
    if target.exists(f"snapshots/{ref}/manifest.json") or any(True for _ in target.keys(f"snapshots/{ref}")):
        return target, f"snapshots/{ref}"
    raise UserError(f"no snapshot {ref!r} (neither a folder nor an id in {target})")


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
        raise UserError("validate reads a snapshot folder; copy a remote snapshot here first "
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
        raise UserError(f"{root} is not a sealed snapshot (no manifest.json)")
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

    if args.jobs < 1:
        raise UserError(f"--jobs must be 1 or more, got {args.jobs}")
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
        if not any((source / "warc").glob("*.warc.gz")):
            raise UserError(f"{args.snapshot} has no WARC files (warc/*.warc.gz): nothing to re-extract")
        # the source's store also holds the earlier snapshots its revisits may refer to
        snapshot, counts = rebuild(source, args.store or os.environ.get("NIANBAO_STORE"), args.spool,
                                   source_store=store if prefix else None, jobs=args.jobs)
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
        raise UserError("the snapshot has no corpus/documents.jsonl")
    name = (prefix or str(store)).rstrip('/').rsplit('/', 1)[-1]
    out = Path(args.out or f"{name}{'-tables' if args.tables else ''}.{args.format}")
    if not out.parent.is_dir():
        raise UserError(f"no folder {out.parent} to write {out.name} into")
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


def seal(args) -> int:
    """Merge and seal a crawl on many workers whose workers all stopped before one of them did:
    the parts as they are (a killed worker's open WARC file cut after its last whole exchange)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from archive.snapshot import PARTS, Snapshot
    from crawler.cluster.finish import merge_and_seal

    root = Path(args.folder).resolve()
    if (root / "manifest.json").exists():
        raise UserError(f"{root} is sealed already")
    if not (root / PARTS).is_dir():
        raise UserError(f"{root} has no workers' parts ({PARTS}/): only a crawl on many workers is sealed this way")
    if root.parent.name != "snapshots" and not args.store:
        raise UserError(f"{root} is not in a store's snapshots/ folder: name its store with --store")
    snapshot = Snapshot(root.name, root, args.store or str(root.parent.parent))
    merge_and_seal(snapshot, get_project_settings())
    if not (root / "manifest.json").exists():
        raise UserError(f"{root} was merged but not sealed: see crawl/summary.json")
    print(f"sealed snapshot {root.name} in {root}")
    print(f"check it with: nianbao verify {root}")
    return 0
