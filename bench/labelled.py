"""The labelled set of `make eval`: real captured pages with gold written by hand, and the
offline portal's report pages with gold taken from the replica's source data.

A gold document is its page, its body as lines (a table row is one line, cells separated by a
tab) and the metadata a reader of the page sees. A metadata field missing from the gold is not
scored for that page (a letter has no report year; an excerpt has no title).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_PAGES = ROOT / "tests" / "fixtures" / "real_html"  # copied from shared/fixtures with provenance
REAL_GOLD = Path(__file__).resolve().parent / "gold" / "real"
METADATA = ("title", "publish_date", "issuer", "report_year")


@dataclass
class GoldDoc:
    name: str
    source: str  # "real" or "replica"
    url: str
    html: str
    lines: list[str]
    meta: dict = field(default_factory=dict)  # only the fields that are scored

    @property
    def rows(self) -> list[list[str]]:
        return [line.split("\t") for line in self.lines if "\t" in line]


def real_docs() -> list[GoldDoc]:
    from pipelines.extraction.encoding import decode_html

    docs = []
    for gold_json in sorted(REAL_GOLD.glob("*.json")):
        name = gold_json.stem
        gold = json.loads(gold_json.read_text("utf-8"))
        provenance = json.loads((REAL_PAGES / f"{name}.provenance.json").read_text("utf-8"))
        lines = [ln for ln in (REAL_GOLD / f"{name}.txt").read_text("utf-8").splitlines() if ln.strip()]
        docs.append(GoldDoc(name, "real", provenance.get("original_url") or "",
                            decode_html((REAL_PAGES / f"{name}.html").read_bytes()), lines,
                            {k: gold[k] for k in METADATA if k in gold}))
    return docs


# -- the replica: gold rebuilt from the seed report (blocks in order, the form's rows and values) --

def _cells(*cells: str) -> list[str]:
    return [" ".join(unescape(c).replace("<br/>", "").split()) for c in cells]


def form_rows(report: dict) -> dict[str, list[list[str]]]:
    """The non-empty cells of every row of the three form tables, row by row, as published."""
    from replica import reports as r

    values, units, form = report["values"], report.get("units") or {}, report["form"]

    def v(key):
        return r.shown(values, units, key)

    s2 = []
    for title, header, items, cols in r.S2_FORMS[form]:
        s2 += [_cells(title), _cells(*header)]
        s2 += [_cells(label, *(v(f"s2.{row}.{c}") for c in cols)) for row, label in items]

    def data(row):
        return [v(f"s3.{row}.{c}") for c in r.S3_COLUMNS]

    s3 = [_cells(r.S3_NOTE, "申请人情况"), _cells("自然人", "法人或其他组织", "总计"),
          _cells("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"),
          _cells("一、本年新收政府信息公开申请数量", *data("new")),
          _cells("二、上年结转政府信息公开申请数量", *data("carried_in")),
          _cells("三、本年度办理结果", "(一)予以公开", *data("r1_disclosed")),
          _cells("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", *data("r2_partly"))]
    for title, items in r.s3_result_groups(form):
        for i, (key, label) in enumerate(items):
            s3.append(_cells(*([title] if i == 0 else []), label, *data(key)))
    if form != "2021":
        s3.append(_cells("(六)其他处理", *data("r6_other")))
    s3 += [_cells("(七)总计", *data("r7_total")), _cells("四、结转下年度继续办理", *data("carried_over"))]
    s4 = [_cells("行政复议", "行政诉讼"), _cells(*r.S4_LABELS, "未经复议直接起诉", "复议后起诉"),
          _cells(*r.S4_LABELS * 2), _cells(*(v(f"s4.{g}.{c}") for g in r.S4_GROUPS for c in r.S4_COLUMNS))]
    return {"s2": s2, "s3": s3, "s4": s4}


def replica_docs() -> list[GoldDoc]:
    from replica.reports import load_report, substitute
    from replica.site import build_replica

    replica = build_replica()
    docs = []
    for _, doc in replica.docs:
        if doc.year is None or not doc.seed or doc.file_only:  # a report published only as a file has no page
            continue
        host = doc.host.removeprefix("www.")
        report = load_report(doc.seed)
        tables = form_rows(report)
        lines = []
        for block in report["blocks"]:
            if block["kind"] == "table":
                lines += ["\t".join(row) for row in tables[block["table"]]]
            else:
                lines.append(substitute(block["text"], report, doc.issuer, doc.year))
        meta = {"title": doc.title, "publish_date": doc.publish_date, "issuer": doc.issuer, "report_year": doc.year}
        docs.append(GoldDoc(f"replica:{doc.host}{doc.path}", "replica", f"http://{doc.host}{doc.path}",
                            replica.pages[(host, doc.path)].body.decode("utf-8"), lines, meta))
    return docs


def labelled_set() -> list[GoldDoc]:
    return real_docs() + replica_docs()
