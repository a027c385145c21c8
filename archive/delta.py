"""delta.json: what changed since the previous complete snapshot of the same store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from .lines import records, stream_records
from .manifest import MANIFEST


def fingerprints(documents: Iterable[dict], portals: set[str] | None = None) -> dict[str, str]:
    """doc_id → a hash of what a reader sees: title, text, tables, metadata (not capture times);
    of the documents of `portals` only, when given."""
    out = {}
    for doc in documents:
        if portals is not None and doc.get("portal") not in portals:
            continue
        seen = {k: doc.get(k) for k in ("title", "issuer", "report_year", "publish_date", "text", "tables", "attachments")}
        out[doc["doc_id"]] = hashlib.sha256(json.dumps(seen, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return out


def previous_snapshot(store, current_id: str) -> str | None:
    """The newest complete snapshot older than this one (ids sort by time)."""
    ids = sorted({k.split("/")[1] for k in store.keys("snapshots") if k.count("/") >= 2})
    older = [i for i in ids if i < current_id and store.exists(f"snapshots/{i}/{MANIFEST}")]
    return older[-1] if older else None


def write_delta(root: Path, store, snapshot_id: str) -> dict:
    path = root / "corpus" / "documents.jsonl"
    now = fingerprints(records(path))
    # a portal this crawl did not visit has lost nothing: only the crawled portals' documents compare
    summary = root / "crawl" / "summary.json"
    crawled = set(json.loads(summary.read_text("utf-8")).get("portals", {})) if summary.exists() else None
    before_id, before, error = None, {}, None
    try:
        before_id = previous_snapshot(store, snapshot_id)
        if before_id and store.exists(f"snapshots/{before_id}/corpus/documents.jsonl"):
            with store.open(f"snapshots/{before_id}/corpus/documents.jsonl") as stream:
                before = fingerprints(stream_records(stream), crawled)
    except Exception as exc:  # the store is down: say so rather than lose the snapshot
        before_id, before, error = None, {}, f"previous snapshot unreadable: {type(exc).__name__}: {str(exc)[:200]}"
    delta = {
        "snapshot": snapshot_id,
        "previous": before_id,
        "error": error,
        "new": sorted(set(now) - set(before)),
        "changed": sorted(d for d in set(now) & set(before) if now[d] != before[d]),
        "unchanged": sorted(d for d in set(now) & set(before) if now[d] == before[d]),
        "gone": sorted(set(before) - set(now)),
    }
    delta["counts"] = {k: len(delta[k]) for k in ("new", "changed", "unchanged", "gone")}
    (root / "delta.json").write_text(json.dumps(delta, indent=1), encoding="utf-8")
    return delta
