"""`nianbao registry` and `nianbao coverage`: the national registry, and what a snapshot covers."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from archive.lines import records

from .errors import UserError
from .registry import load_national_registry
from .summary import pad


def list_registry(args) -> int:
    registry = load_national_registry()
    try:
        units = registry.select(provinces=args.province, levels=args.level, years=args.year)
    except ValueError as error:
        raise UserError(str(error)) from None
    for u in units:
        if args.json:
            print(json.dumps(u.to_json(), ensure_ascii=False))
        else:
            valid = f"{u.valid_from or ''}–{u.valid_to or ''}" if u.valid_from or u.valid_to else ""
            mark = "✓" if u.confirmed else " "
            print(f"{u.code or '-':<7} {u.level:<10} {pad('/'.join(u.path), 40)} {mark} {' '.join(u.roots) or '(no root)'}"
                  + (f"  [{valid}]" if valid else ""))
    if not args.json:
        print(f"{len(units)} units ({sum(bool(u.roots) for u in units)} with a root, "
              f"{sum(u.confirmed for u in units)} confirmed by a real report page)")
    return 0


def registry_entries(years: tuple[int, ...], provinces: list[str]) -> list[dict]:
    """Every registry unit of the provinces (all if none) that reports in one of the years."""
    registry = load_national_registry()
    names = {p.code or f"{p.parent}/{p.name}": p.name for p in registry.portals(list(registry.units))}
    return [{"name": names.get(u.key, u.name), "unit_name": u.name, "code": u.code, "level": u.level,
             "parent": u.parent, "province": u.path[0], "valid_from": u.valid_from, "valid_to": u.valid_to}
            for u in registry.select(provinces=provinces, years=years)]


def coverage(args) -> int:
    from archive.coverage import COVERAGE_DIR, PORTALS_FILE, format_coverage, portal_units, write_coverage
    from archive.coverage_png import write_heatmap_png
    from archive.manifest import MANIFEST, seal

    root = Path(args.snapshot[7:] if args.snapshot.startswith("file://") else args.snapshot)
    if not (root / "corpus").is_dir():
        raise UserError(f"{args.snapshot} is not a local snapshot folder (no corpus/ in it)")
    selection_file = root / PORTALS_FILE
    selection = json.loads(selection_file.read_text("utf-8")) if selection_file.exists() else {"years": [], "portals": []}
    years = tuple(selection["years"])
    if args.registry and not years:
        found = {d.get("report_year") for d in records(root / "corpus" / "documents.jsonl")} - {None}
        years = tuple(range(min(found), max(found) + 1)) if found else ()
    entries = list(selection["portals"])
    if args.registry:
        crawled = {e["code"] or e["name"] for e in entries}
        provinces = sorted({e["province"] for e in entries if e.get("province")})
        entries += [e for e in registry_entries(years, provinces) if (e["code"] or e["name"]) not in crawled]
    summary = write_coverage(root, portal_units(entries), years, f"Coverage of snapshot {root.name}"
                             + (" against the national registry" if args.registry else ""))
    problem = write_heatmap_png(root / COVERAGE_DIR / "index.html", root / COVERAGE_DIR / "heatmap.png")
    if problem:
        print(f"nianbao: coverage/heatmap.png not written: {problem}")
    manifest_file = root / MANIFEST
    if manifest_file.exists():
        # a sealed snapshot gets its coverage listed by sealing it again: same scope and counts,
        # every file hashed anew, so `nianbao verify` checks the coverage files too
        old = json.loads(manifest_file.read_text("utf-8"))
        scope = {**old.get("scope", {}), "coverage": {"written": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                        "registry": bool(args.registry)}}
        seal(root, snapshot_id=old["id"], scope=scope, counts=old.get("counts", {}))
    print(format_coverage(summary))
    print(f"wrote {root / COVERAGE_DIR}/coverage.csv, index.html" + ("" if problem else ", heatmap.png"))
    return 0
