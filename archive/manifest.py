"""Sealing and checking a snapshot: `SHA256SUMS` and `manifest.json`, written last.

A snapshot without its manifest is incomplete. The manifest is a Frictionless data package
listing every file with its size and sha256, so anyone can check a cited snapshot with
`sha256sum -c SHA256SUMS` or `nianbao verify`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .store import CHUNK, sha256_stream

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SEAL_FILES = (MANIFEST, SUMS)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as stream:
        return sha256_stream(stream)[0]


def snapshot_files(root: Path) -> list[str]:
    """Every file of a snapshot but the seal itself, relative to it, in a stable order: that of their
    paths (folder by folder, as a `Path` sorts)."""
    return sorted((rel for p in root.rglob("*") if p.is_file() and (rel := p.relative_to(root).as_posix()) not in SEAL_FILES),
                  key=lambda rel: rel.split("/"))


def software_version() -> str:
    try:
        return f"nianbao {version('nianbao')}"
    except PackageNotFoundError:
        return "nianbao"


def seal(root: Path, *, snapshot_id: str, scope: dict | None = None, counts: dict | None = None) -> int:
    """Write SHA256SUMS, then manifest.json (last: its presence marks the snapshot complete); how
    many files they list. Each file's entry is written as it is hashed: a corpus has two files a
    document, and the list of them in memory was about 1 KiB a file at the close of a crawl."""
    manifest = {
        "profile": "data-package",
        "name": f"nianbao-snapshot-{snapshot_id.lower()}",
        "id": snapshot_id,
        "title": f"nianbao snapshot {snapshot_id}",
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": software_version(),
        "scope": scope or {},
        "counts": counts or {},
        "resources": [PLACE],
    }
    # the same bytes as json.dumps(manifest, ensure_ascii=False, indent=1) with every resource in it
    head, tail = json.dumps(manifest, ensure_ascii=False, indent=1).split(json.dumps(PLACE))
    indent = head[head.rindex("\n"):]  # a resource's, in the list
    files = snapshot_files(root)
    if not files:  # "[]", as json.dumps writes an empty list
        head, tail = head.rstrip(), tail.lstrip()
    partial, sums = root / (MANIFEST + ".part"), root / (SUMS + ".part")
    with open(partial, "w", encoding="utf-8") as out, open(sums, "w", encoding="utf-8") as sums_out:
        out.write(head)
        for n, rel in enumerate(files):
            path = root / rel
            resource = {"path": rel, "bytes": path.stat().st_size, "hash": "sha256:" + sha256_file(path)}
            sums_out.write(f"{resource['hash'][7:]}  {rel}\n")
            out.write(("," + indent if n else "") + json.dumps(resource, ensure_ascii=False, indent=1).replace("\n", indent))
        out.write(tail)
    sums.replace(root / SUMS)
    partial.replace(root / MANIFEST)
    return len(files)


PLACE = "\u0000nianbao-resources"  # where the resources go in the manifest's JSON


@dataclass
class Problems:
    missing: list[str]
    extra: list[str]
    altered: list[str]
    unsealed: bool = False

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.altered or self.unsealed)

    def lines(self) -> list[str]:
        if self.unsealed:
            return ["incomplete: no manifest.json (the crawl did not finish sealing this snapshot)"]
        return ([f"missing: {p}" for p in self.missing] + [f"extra: {p}" for p in self.extra]
                + [f"altered: {p}" for p in self.altered])


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def snapshot_keys(store, prefix: str) -> list[str]:
    """The snapshot's files, relative to its folder, seal files excluded."""
    strip = len(prefix) + 1 if prefix else 0
    return [k[strip:] for k in store.keys(prefix) if k[strip:] not in SEAL_FILES]


def verify(store, prefix: str = "") -> Problems:
    """Recompute every size and hash of a snapshot (in any store) against its manifest."""
    if not store.exists(_join(prefix, MANIFEST)):
        return Problems([], [], [], unsealed=True)
    with store.open(_join(prefix, MANIFEST)) as stream:
        listed = {r["path"]: r for r in json.loads(stream.read().decode("utf-8"))["resources"]}
    present = set(snapshot_keys(store, prefix))
    altered = []
    for rel in sorted(present & set(listed)):
        with store.open(_join(prefix, rel)) as stream:
            digest, size = sha256_stream(stream)
        if size != listed[rel]["bytes"] or "sha256:" + digest != listed[rel]["hash"]:
            altered.append(rel)
    expected_sums = "".join(f"{e['hash'][7:]}  {p}\n" for p, e in listed.items())
    if not store.exists(_join(prefix, SUMS)):
        altered.append(SUMS + " (missing)")
    else:
        with store.open(_join(prefix, SUMS)) as stream:
            if stream.read().decode("utf-8") != expected_sums:
                altered.append(SUMS)
    return Problems(sorted(set(listed) - present), sorted(present - set(listed)), altered)


def describe(store, prefix: str) -> dict:
    """id, status, documents and size of a snapshot, for `nianbao snapshots list`."""
    keys = list(store.keys(prefix))
    documents = 0
    if store.exists(_join(prefix, "corpus/documents.jsonl")):
        with store.open(_join(prefix, "corpus/documents.jsonl")) as stream:
            documents = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(CHUNK), b""))
    return {"id": prefix.rsplit("/", 1)[-1], "status": "complete" if store.exists(_join(prefix, MANIFEST)) else "incomplete",
            "documents": documents, "bytes": sum(store.size(k) for k in keys)}
