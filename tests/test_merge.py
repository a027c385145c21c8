"""The corpus's JSON-lines files as a national crawl has them (archive/lines.py): the workers'
parts of a snapshot merged into one (archive/merge.py), a file put in order, delta and coverage
read, on files written to disk as the crawl writes them."""

import json
from pathlib import Path

from archive.coverage import CoverageUnit, write_coverage
from archive.delta import write_delta
from archive.lines import sort_lines
from archive.manifest import MANIFEST
from archive.merge import merge_parts
from archive.store import LocalStore

# a report's text copied from Word can hold a line or paragraph separator, which JSON leaves as is
SEPARATED = "一、总体情况\u2028二、主动公开政府信息情况\u0085三、收到和处理政府信息公开申请情况"


def document(doc_id: str, url: str, portal: str, text: str) -> str:
    return json.dumps({"doc_id": doc_id, "url": url, "portal": portal, "title": f"{doc_id}年报", "text": text,
                       "report_year": 2024, "kind": "page"}, ensure_ascii=False) + "\n"


def write_part(root: Path, worker: str, lines: list[str], torn: str = "") -> Path:
    part = root / "parts" / worker
    for sub in ("text", "tables"):
        (part / "corpus" / sub).mkdir(parents=True)
    for line in lines:
        doc = json.loads(line)
        (part / "corpus" / "text" / f"{doc['doc_id']}.txt").write_text(f"{worker}:{doc['text']}", encoding="utf-8")
        (part / "corpus" / "tables" / f"{doc['doc_id']}.json").write_text(json.dumps({"by": worker}), encoding="utf-8")
    (part / "corpus" / "documents.jsonl").write_text("".join(lines) + torn, encoding="utf-8")
    (part / "crawl").mkdir()
    summary = {"spider": "chongqing_districts", "totals": {"pages": 0, "reports": 0},
               "portals": {p: {"pages": 3, "reports": 9, "failure_reasons": {}}
                           for p in {json.loads(line)["portal"] for line in lines}}}
    (part / "crawl" / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return part


def test_merged_documents_keep_texts_with_unicode_line_separators_whole_and_choose_one_copy_of_each(tmp_path):
    separated = document("c", "http://www.cq.gov.cn/zwgk/zfxxgknb/t3.html", "城口县", SEPARATED)
    plain = document("b", "http://www.cq.gov.cn/zwgk/zfxxgknb/t2.html", "城口县", "正文")
    wap = document("b", "http://www.cq.gov.cn/zwgk/zfxxgknb/t2_wap.html", "城口县", "正文")
    other = document("a", "http://www.hc.gov.cn/zwgk/zfxxgknb/t1.html", "合川区", "正文二")
    write_part(tmp_path, "w1", [separated, wap], torn='{"doc_id": "z", "url": "http://x/')
    write_part(tmp_path, "w2", [plain, other])

    merge_parts(tmp_path, "S1")

    corpus = tmp_path / "corpus"
    assert (corpus / "documents.jsonl").read_bytes() == (other + plain + separated).encode("utf-8")
    assert (corpus / "text" / "b.txt").read_text("utf-8") == "w2:正文"  # the plain spelling, not the _wap copy
    assert (corpus / "text" / "c.txt").read_text("utf-8") == f"w1:{SEPARATED}"
    assert not (corpus / "text" / "z.txt").exists() and not (tmp_path / "parts").exists()
    summary = json.loads((tmp_path / "crawl" / "summary.json").read_text("utf-8"))
    assert {name: row["reports"] for name, row in summary["portals"].items()} == {"城口县": 2, "合川区": 1}
    assert summary["portals"]["城口县"]["pages"] == 6  # both workers' counts


def test_two_copies_with_urls_of_one_length_keep_the_smaller_line_whichever_worker_wrote_it(tmp_path):
    first = document("a", "http://www.cq.gov.cn/zwgk/zfxxgknb/t1.html", "城口县", "甲")
    second = document("a", "http://www.cq.gov.cn/zwgk/zfxxgknb/t9.html", "城口县", "乙")
    for order, folder in (([second], [first]), ([first], [second])):
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        write_part(root, "w1", order)
        write_part(root, "w2", folder)
        merge_parts(root, "S1")
        assert (root / "corpus" / "documents.jsonl").read_text("utf-8") == min(first, second)


def test_sorting_a_corpus_file_keeps_every_line_byte_for_byte_ties_in_file_order(tmp_path):
    lines = [document("c", "u1", "p", SEPARATED), document("a", "u2", "p", "甲"),
             document("c", "u3", "p", "乙"), document("b", "u4", "p", "丙\u2029")]
    path = tmp_path / "documents.jsonl"
    path.write_text("".join(lines), encoding="utf-8")

    sort_lines(path, key=lambda doc: doc["doc_id"])

    assert path.read_text("utf-8") == "".join([lines[1], lines[3], lines[0], lines[2]])
    assert not path.with_name("documents.jsonl.part").exists()


def test_delta_and_coverage_read_documents_whose_text_holds_unicode_line_separators(tmp_path):
    store = tmp_path / "store"
    before, now = store / "snapshots" / "S1", store / "snapshots" / "S2"
    for root in (before, now):
        (root / "corpus").mkdir(parents=True)
    (before / "corpus" / "documents.jsonl").write_text(document("c", "u1", "城口县", "旧文"), encoding="utf-8")
    (before / MANIFEST).write_text("{}", encoding="utf-8")
    (now / "corpus" / "documents.jsonl").write_text(
        document("c", "u1", "城口县", SEPARATED) + document("d", "u2", "城口县", SEPARATED), encoding="utf-8")

    delta = write_delta(now, LocalStore(store), "S2")
    write_coverage(now, [CoverageUnit("500229", "城口县", "county", "500000", "城口县", "重庆市")], (2024,))

    assert (delta["previous"], delta["changed"], delta["new"]) == ("S1", ["c"], ["d"])
    assert (now / "coverage" / "coverage.csv").read_text("utf-8").splitlines()[1] == "500229,城口县,county,500000,2024,page,,c"
