"""Coverage: which units and report years a snapshot holds, and which reports are missing.

Reads the snapshot's corpus (`corpus/documents.jsonl`), its failures (`crawl/failures.jsonl`)
and the units the crawl was asked for (`crawl/portals.json`, written by the crawl; plain dicts,
so this module needs nothing of the crawler), and writes `coverage/coverage.csv` (one row per
unit × report year) and `coverage/index.html` (one self-contained page). The heatmap image is
a screenshot of that page's table (`archive/coverage_png.py`).

A cell's status: `page` (a report found as a page), `file` (found only as a file), `failed`
(not found, and requests of that unit failed: `reason` gives the commonest reason), `missing`.
A unit is expected for a year when it existed on 31 December of that year.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .lines import records

COVERAGE_DIR = "coverage"
PORTALS_FILE = "crawl/portals.json"
COLUMNS = ("code", "unit", "level", "parent", "report_year", "status", "reason", "doc_id")
STATUSES = ("page", "file", "failed", "missing")
SUBSITE = "subsite"  # level of a department or township site found at crawl time


@dataclass(frozen=True)
class CoverageUnit:
    """A row's unit: a portal of the registry, or a sub-site the crawl found under one."""

    code: str  # GB/T 2260 code; a zone's registry key; a sub-site: its portal's code + "/" + its name
    name: str
    level: str
    parent: str  # the parent unit's code (a sub-site: its portal's)
    portal: str  # the portal name documents and failures carry
    province: str
    valid_from: str | None = None
    valid_to: str | None = None

    def reports_for(self, year: int) -> bool:
        return reports_for(year, self.valid_from, self.valid_to)


def reports_for(year: int, valid_from: str | None, valid_to: str | None) -> bool:
    """Whether a unit valid from/to these ISO dates (or years) existed on 31 December of the year."""
    end = f"{year}-12-31"
    return (valid_from is None or valid_from[:10] <= end) and (valid_to is None or valid_to[:10] > end)


def portal_units(entries: list[dict]) -> list[CoverageUnit]:
    """`crawl/portals.json` entries (or registry units in the same shape) as coverage units."""
    return [CoverageUnit(code=e["code"] or f"{e.get('parent')}/{e['name']}", name=e.get("unit_name") or e["name"],
                         level=e["level"], parent=e.get("parent") or "", portal=e["name"],
                         province=e.get("province", ""), valid_from=e.get("valid_from"), valid_to=e.get("valid_to"))
            for e in entries]


def coverage_rows(documents: Iterable[dict], failures: Iterable[dict], units: list[CoverageUnit],
                  years: tuple[int, ...] = ()) -> list[dict]:
    """One row per unit × report year, portal units first in the given order, then sub-sites."""
    by_portal = {u.portal: u for u in units}
    found: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    subsites: dict[tuple[str, str], CoverageUnit] = {}
    for d in documents:
        if d.get("report_year") is None:
            continue
        portal = by_portal.get(d.get("portal", ""))
        # what a row needs of a document, not its text: a national corpus is read a line at a time
        found[(d.get("portal", ""), d.get("unit") or "", int(d["report_year"]))].append(
            {"doc_id": d["doc_id"], "kind": d.get("kind", "page")})
        if d.get("unit") and portal and (portal.portal, d["unit"]) not in subsites:
            subsites[(portal.portal, d["unit"])] = CoverageUnit(
                code=f"{portal.code}/{d['unit']}", name=d["unit"], level=SUBSITE, parent=portal.code,
                portal=portal.portal, province=portal.province, valid_from=portal.valid_from, valid_to=portal.valid_to)
    if not years:
        years = tuple(sorted({year for (_, _, year) in found}))
    reasons: dict[str, Counter] = defaultdict(Counter)
    for f in failures:
        reasons[f.get("portal", "")][f.get("reason", "")] += 1
    rows = []
    for unit in [*units, *sorted(subsites.values(), key=lambda u: u.code)]:
        sub = unit.name if unit.level == SUBSITE else ""
        for year in years:
            if not unit.reports_for(year):
                continue
            docs = found.get((unit.portal, sub, year), [])
            pages = sorted(d["doc_id"] for d in docs if d.get("kind", "page") == "page")
            files = sorted(d["doc_id"] for d in docs if d.get("kind") == "file")
            failed = reasons.get(unit.portal) if not sub else None
            if pages or files:
                status, reason, doc_id = ("page", "", pages[0]) if pages else ("file", "", files[0])
            elif failed:
                status, reason, doc_id = "failed", failed.most_common(1)[0][0], ""
            else:
                status, reason, doc_id = "missing", "", ""
            rows.append({"code": unit.code, "unit": unit.name, "level": unit.level, "parent": unit.parent,
                         "report_year": year, "status": status, "reason": reason, "doc_id": doc_id,
                         "province": unit.province})
    return rows


def totals(rows: list[dict], by: str) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        out[str(r[by])][r["status"]] += 1
    return dict(out)


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Serif CJK SC",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em} h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse;font-size:12px} th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
th.u,td.u{text-align:left;white-space:nowrap}
td.c{width:2.2em;text-align:center;padding:0}
td.c a{display:block;color:inherit;text-decoration:none}
.page{background:#2e7d32;color:#fff}.file{background:#81c784}.failed{background:#c62828;color:#fff}
.missing{background:#eeeeee;color:#999}.none{background:#fff}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px}
tr.sub td.u{padding-left:1.5em;color:#555}
"""
MARK = {"page": "●", "file": "◐", "failed": "✕", "missing": "·"}


def to_html(rows: list[dict], title: str, doc_links: dict[str, str] | None = None) -> str:
    """A unit × year heatmap, totals per province and per year, failures by reason; no script."""
    doc_links = doc_links or {}
    years = sorted({r["report_year"] for r in rows})
    cells: dict[str, dict[int, dict]] = defaultdict(dict)
    units: dict[str, dict] = {}
    for r in rows:
        cells[r["code"]][r["report_year"]] = r
        units.setdefault(r["code"], r)
    esc = html.escape
    out = [f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>{esc(title)}</title>",
           f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>"]
    counts = Counter(r["status"] for r in rows)
    out.append("<p class='legend'>" + "".join(
        f"<span class='{s}'>{MARK[s]} {s} {counts[s]}</span>" for s in STATUSES) + f" of {len(rows)} unit-years</p>")
    out.append("<table id='heatmap'><thead><tr><th class='u'>unit</th><th class='u'>code</th>"
               + "".join(f"<th>{y}</th>" for y in years) + "</tr></thead><tbody>")
    for code, first in units.items():
        row_class = " class='sub'" if first["level"] == SUBSITE else ""
        out.append(f"<tr{row_class}><td class='u'>{esc(first['unit'])}</td><td class='u'>{esc(code)}</td>")
        for y in years:
            r = cells[code].get(y)
            if r is None:
                out.append("<td class='c none'></td>")
                continue
            tip = esc(f"{first['unit']} {y}: {r['status']}" + (f" ({r['reason']})" if r["reason"] else ""))
            mark = MARK[r["status"]]
            if r["doc_id"]:
                mark = f"<a href='{esc(doc_links.get(r['doc_id'], '../corpus/text/' + r['doc_id'] + '.txt'))}'>{mark}</a>"
            out.append(f"<td class='c {r['status']}' title='{tip}'>{mark}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    for heading, by in (("per province", "province"), ("per year", "report_year")):
        out.append(f"<h2>Totals {heading}</h2><table class='totals'><tr><th class='u'>{by}</th>"
                   + "".join(f"<th>{s}</th>" for s in STATUSES) + "<th>total</th></tr>")
        for key, c in sorted(totals(rows, by).items()):
            out.append(f"<tr><td class='u'>{esc(key)}</td>" + "".join(f"<td>{c[s]}</td>" for s in STATUSES)
                       + f"<td>{sum(c.values())}</td></tr>")
        out.append("</table>")
    failed = Counter(r["reason"] for r in rows if r["status"] == "failed")
    out.append("<h2>Failures by reason</h2><table class='failures'><tr><th class='u'>reason</th><th>unit-years</th>"
               "<th class='u'>units</th></tr>")
    for reason, n in failed.most_common():
        names = sorted({r["unit"] for r in rows if r["status"] == "failed" and r["reason"] == reason})
        out.append(f"<tr><td class='u'>{esc(reason)}</td><td>{n}</td><td class='u'>{esc('、'.join(names))}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


def write_coverage(root: Path, units: list[CoverageUnit], years: tuple[int, ...] = (), title: str = "") -> dict:
    """Write coverage/coverage.csv and coverage/index.html into a snapshot folder; return the totals."""
    documents = records(root / "corpus" / "documents.jsonl")
    failures = records(root / "crawl" / "failures.jsonl")
    rows = coverage_rows(documents, failures, units, years)
    folder = root / COVERAGE_DIR
    folder.mkdir(exist_ok=True)
    (folder / "coverage.csv").write_text(to_csv(rows), encoding="utf-8")
    (folder / "index.html").write_text(to_html(rows, title or f"Coverage of snapshot {root.name}"), encoding="utf-8")
    return summarize(rows)


def summarize(rows: list[dict]) -> dict:
    return {"unit_years": len(rows), "units": len({r["code"] for r in rows}),
            "years": sorted({r["report_year"] for r in rows}),
            **{s: sum(r["status"] == s for r in rows) for s in STATUSES}}


def read_csv_summary(root: Path) -> dict | None:
    """The summary of a snapshot's coverage.csv, if it has one."""
    path = root / COVERAGE_DIR / "coverage.csv"
    if not path.exists():
        return None
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    return summarize([{**r, "report_year": int(r["report_year"])} for r in rows])


def format_coverage(summary: dict) -> str:
    years = summary["years"]
    span = f"{years[0]}–{years[-1]}" if years else "no report year"
    return (f"coverage: {summary['units']} units × {span}: {summary['unit_years']} unit-years, "
            + ", ".join(f"{s} {summary[s]}" for s in STATUSES))
