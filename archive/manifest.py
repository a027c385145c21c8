"""Sealing and checking a snapshot: `SHA256SUMS` and `manifest.json`, written last.

A snapshot without its manifest is incomplete. The manifest is a Frictionless data package
listing every file with its size and sha256, so anyone can check a cited snapshot with
`sha256sum -c SHA256SUMS` or `nianbao verify`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SEAL_FILES = (MANIFEST, SUMS)
CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def snapshot_files(root: Path) -> list[Path]:
    """Every file of a snapshot but the seal itself, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).as_posix() not in SEAL_FILES)


def software_version() -> str:
    try:
        return f"nianbao {version('nianbao')}"
    except PackageNotFoundError:
        return "nianbao"


def seal(root: Path, *, snapshot_id: str, scope: dict | None = None, counts: dict | None = None) -> dict:
    """Write SHA256SUMS, then manifest.json (last: its presence marks the snapshot complete)."""
    resources = []
    for path in snapshot_files(root):
        rel = path.relative_to(root).as_posix()
        resources.append({"path": rel, "bytes": path.stat().st_size, "hash": "sha256:" + sha256_file(path)})
    sums = "".join(f"{r['hash'][7:]}  {r['path']}\n" for r in resources)
    (root / SUMS).write_text(sums, encoding="utf-8")
    manifest = {
        "profile": "data-package",
        "name": f"nianbao-snapshot-{snapshot_id.lower()}",
        "id": snapshot_id,
        "title": f"nianbao snapshot {snapshot_id}",
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": software_version(),
        "scope": scope or {},
        "counts": counts or {},
        "resources": resources,
    }
    partial = root / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(root / MANIFEST)
    return manifest


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


def verify(root: Path) -> Problems:
    """Recompute every size and hash against the manifest."""
    manifest_path = root / MANIFEST
    if not manifest_path.exists():
        return Problems([], [], [], unsealed=True)
    listed = {r["path"]: r for r in json.loads(manifest_path.read_text("utf-8"))["resources"]}
    present = {p.relative_to(root).as_posix(): p for p in snapshot_files(root)}
    altered = [
        rel for rel, entry in listed.items()
        if rel in present and (present[rel].stat().st_size != entry["bytes"]
                               or "sha256:" + sha256_file(present[rel]) != entry["hash"])
    ]
    sums = root / SUMS
    if not sums.exists():
        altered.append(SUMS + " (missing)")
    elif sums.read_text("utf-8") != "".join(f"{e['hash'][7:]}  {p}\n" for p, e in listed.items()):
        altered.append(SUMS)
    return Problems(sorted(set(listed) - set(present)), sorted(set(present) - set(listed)), sorted(altered))


def describe(root: Path) -> dict:
    """id, status, documents and size of a snapshot folder, for `nianbao snapshots list`."""
    manifest_path = root / MANIFEST
    documents = root / "corpus" / "documents.jsonl"
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    count = 0
    if documents.exists():
        with open(documents, "rb") as stream:
            count = sum(1 for _ in stream)
    return {"id": root.name, "status": "complete" if manifest_path.exists() else "incomplete",
            "documents": count, "bytes": size}
