"""`make eval`: our page reader and trafilatura's default, side by side, on the labelled set.

Per extractor: character-bigram F1 of the text against the gold (NFKC, letters and digits only),
chrome leak rate (share of documents whose text holds a chrome phrase the gold does not), table
rows kept (share of gold rows whose cells all appear, in order, on one output line), accuracy of
title, publish date, issuer and report year, and documents per second.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/eval.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.labelled import METADATA, GoldDoc, labelled_set  # noqa: E402

# Written from the pages' chrome, independently of the reader's own filter (pipelines/extraction/chrome.py).
CHROME_PHRASES = (
    "扫一扫", "分享到", "打印本页", "关闭窗口", "字号", "浏览次数", "当前位置", "您的位置", "语音播报", "版权所有",
    "ICP备", "公网安备", "网站标识码", "主办单位", "技术支持", "无障碍", "网站地图", "联系我们", "上一篇", "下一篇",
    "友情链接", "区县政府网站", "新闻媒体网站", "部门街镇", "移动版", "长者模式", "闽政通", "附件下载", "相关稿件",
)
CELL_SPLIT = re.compile(r"\t|\s*\|\s*")  # trafilatura's text output separates cells with |


@dataclass
class Output:
    text: str
    meta: dict


def norm(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isalnum())


def bigram_f1(gold: str, out: str) -> float:
    g, o = norm(gold), norm(out)
    gb, ob = Counter(zip(g, g[1:])), Counter(zip(o, o[1:]))
    overlap = sum((gb & ob).values())
    if not overlap:
        return 1.0 if not gb and not ob else 0.0
    precision, recall = overlap / sum(ob.values()), overlap / sum(gb.values())
    return 2 * precision * recall / (precision + recall)


def leaks(doc: GoldDoc, out: str) -> list[str]:
    out, gold = unicodedata.normalize("NFKC", out), unicodedata.normalize("NFKC", "\n".join(doc.lines))
    return [p for p in CHROME_PHRASES if p in out and p not in gold]


def row_kept(row: list[str], out_rows: list[list[str]]) -> bool:
    want = [norm(c) for c in row if norm(c)]
    for cells in out_rows:
        it = iter(cells)
        if all(any(c == w for c in it) for w in want):
            return True
    return False


def output_rows(text: str) -> list[list[str]]:
    return [[norm(c) for c in CELL_SPLIT.split(line)] for line in text.splitlines()]


# -- the two extractors: text and metadata of one page -------------------------------------------

def ours(doc: GoldDoc) -> Output:
    from pipelines.extraction import read_page

    page = read_page(doc.html, doc.url)
    return Output(page.text, {k: getattr(page, k) for k in METADATA})


def trafilatura_default(doc: GoldDoc) -> Output:
    """trafilatura 2.3 with its defaults (tables included). It has no issuer or report year: the
    issuer is its `author`, the year the one in its title (our rule, metadata.report_year)."""
    import trafilatura

    from pipelines.extraction.metadata import report_year

    result = trafilatura.bare_extraction(doc.html, url=doc.url or None, with_metadata=True)
    if result is None:
        return Output("", {})
    title = result.title or ""
    return Output(result.text or "", {"title": title, "publish_date": result.date, "issuer": result.author,
                                      "report_year": report_year(title, None)})


EXTRACTORS = {"nianbao": ours, "trafilatura": trafilatura_default}


def same(field: str, gold, got) -> bool:
    if field in ("title", "issuer"):
        return norm(gold) == norm(got or "")
    return gold == got


@dataclass
class Scored:
    doc: GoldDoc
    seconds: float
    f1: float
    leaked: list[str]
    rows: int
    kept: int
    fields: dict  # field → right or wrong
    misses: list


def score_doc(extract, doc: GoldDoc) -> Scored:
    started = time.perf_counter()
    out = extract(doc)
    seconds = time.perf_counter() - started
    out_rows = output_rows(out.text)
    missed_rows = [row for row in doc.rows if not row_kept(row, out_rows)]
    fields = {f: same(f, gold, out.meta.get(f)) for f, gold in doc.meta.items()}
    misses = [("row", "\t".join(row)) for row in missed_rows]
    misses += [(f, f"{out.meta.get(f)!r} != {doc.meta[f]!r}") for f, ok in fields.items() if not ok]
    return Scored(doc, seconds, bigram_f1("\n".join(doc.lines), out.text), leaks(doc, out.text),
                  len(doc.rows), len(doc.rows) - len(missed_rows), fields, misses)


def summary(scored: list[Scored]) -> dict:
    rows = sum(s.rows for s in scored)
    result = {
        "docs": len(scored),
        "f1": sum(s.f1 for s in scored) / len(scored),
        "leak": sum(1 for s in scored if s.leaked) / len(scored),
        "rows_kept": sum(s.kept for s in scored) / rows if rows else 1.0,
        "docs_per_s": len(scored) / sum(s.seconds for s in scored),
    }
    for f in METADATA:
        marks = [s.fields[f] for s in scored if f in s.fields]
        if marks:
            result[f] = sum(marks) / len(marks)
    return result


COLUMNS = [("f1", "F1", "{:.3f}"), ("leak", "leak", "{:.2f}"), ("rows_kept", "rows kept", "{:.3f}"),
           ("title", "title", "{:.2f}"), ("publish_date", "date", "{:.2f}"), ("issuer", "issuer", "{:.2f}"),
           ("report_year", "year", "{:.2f}"), ("docs_per_s", "docs/s", "{:.0f}")]


def table(results: dict[tuple[str, str], dict]) -> str:
    head = "| set | extractor | docs | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (3 + len(COLUMNS))]
    for (subset, name), r in results.items():
        cells = [fmt.format(r[key]) if key in r else "n/a" for key, _, fmt in COLUMNS]
        lines.append(f"| {subset} | {name} | {r['docs']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(verbose: bool = False, docs: list[GoldDoc] | None = None) -> dict:
    docs = labelled_set() if docs is None else docs
    results, scored = {}, {}
    for name, extract in EXTRACTORS.items():
        extract(docs[0])  # imports and caches outside the clock
        scored[name] = [score_doc(extract, doc) for doc in docs]
    for subset in ("real", "replica", "all"):
        for name in EXTRACTORS:
            members = [s for s in scored[name] if subset in ("all", s.doc.source)]
            if members:
                results[(subset, name)] = summary(members)
    print(table(results))
    ours_all, theirs_all = results[("all", "nianbao")], results[("all", "trafilatura")]
    print(f"\nspeed: nianbao reads {ours_all['docs_per_s'] / theirs_all['docs_per_s']:.1f}x as many documents per "
          "second as trafilatura's default")
    for name in EXTRACTORS:
        if not (verbose or name == "nianbao"):
            continue
        worst = sorted(scored[name], key=lambda s: s.f1)[:3]
        print(f"\n{name}: lowest F1 " + ", ".join(f"{s.doc.name} {s.f1:.4f}" for s in worst))
        for s in [s for s in scored[name] if s.leaked][:10]:
            print(f"  leak {s.doc.name}: {' '.join(s.leaked)}")
        for s in [s for s in scored[name] if s.misses][:10]:
            for what, detail in s.misses[:3]:
                print(f"  miss {s.doc.name} {what}: {detail}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="also list trafilatura's misses")
    run(parser.parse_args().verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
