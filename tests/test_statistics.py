"""The statistics reader on the five real seeds, on every shape a report arrives in, and on the
cases where it must refuse to guess. Expected values: tests/data/statistics/, read by hand."""

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from conftest import ROOT, run_nianbao
from pipelines.statistics import form, parse_html, parse_tables, parse_text
from pipelines.statistics.values import read_cell, read_row
from replica.reports import load_report, render_body, render_tables

DATA = Path(__file__).parent / "data" / "statistics"
SEEDS = ROOT / "replica" / "data" / "seeds"


def expected(n: str) -> dict:
    return json.loads((DATA / f"seed_{n}.json").read_text("utf-8"))


def seed_text(n: str) -> str:
    return (SEEDS / expected(n)["seed"]).read_text("utf-8")


def test_canonical_keys_are_those_of_the_template():
    """Every key part the parser writes is named in the template copied beside the form data,
    and every row and column key of the template's tables is used by one version or the other."""
    template = resources.files("pipelines.statistics").joinpath("report-template.md").read_text("utf-8")
    named = set(re.findall(r"`([a-z0-9_]+)`", template))
    used = set()
    for version in ("2019", "2021"):
        for key in form(version).keys():
            section, row, column = key.split(".")
            assert section in named and row in named and column in named, key
            used |= {section, row, column}
    assert named - used == {"r1", "r6"}  # the template's shorthand for the result rows r1 … r6
    # 2019: 8 rows of section 二 (22 values), 23 rows of section 三; 2021: 6 rows (10 values), 25 rows
    assert len(form("2019").keys()) == 22 + 23 * 7 + 15 and len(form("2021").keys()) == 10 + 25 * 7 + 15


@pytest.mark.parametrize("n", ["000", "001", "002", "003", "004"])
def test_every_number_of_each_seed(n):
    want = expected(n)
    got = parse_text(seed_text(n))
    assert got["form"] == want["form"]
    assert got["values"] == want["values"]  # every key, in the order of the form
    assert list(got["values"]) == form(want["form"]).keys()
    assert got["units"] == want["units"]
    assert [(v["rule"], v["where"]) for v in got["violations"]] == [(v["rule"], v["where"]) for v in want["violations"]]
    assert sorted({r["keys"][0].rsplit(".", 1)[0] for r in got["resolved"]}) == want["resolved_rows"]
    assert got["complete"] and not got["unreadable"] and not got["missing"]


def test_seed_001_total_row_is_reported_with_its_numbers():
    got = parse_text(seed_text("001"))
    rule1 = next(v for v in got["violations"] if v["rule"] == 1)
    assert rule1["left"] == {"s3.new.natural": 1, "s3.carried_in.natural": 0}
    assert rule1["right"] == {"s3.r7_total.natural": 0, "s3.carried_over.natural": 0}
    rule2 = next(v for v in got["violations"] if v["rule"] == 2)
    assert rule2["left"] == {"s3.r7_total.total": 1} and rule2["right_sum"] == 0
    # the published numbers stay as published
    assert got["values"]["s3.r7_total.natural"] == 0 and got["values"]["s3.r7_total.total"] == 1


def test_each_seed_shape_is_recognised():
    shapes = {n: parse_text(seed_text(n))["source"] for n in ("000", "001", "002", "003", "004")}
    assert shapes == {"000": "lines", "001": "tab-cells", "002": "pipes", "003": "rows", "004": "lines"}


SEED_000_R1 = "三、本年办理结果(一)予以公开\u20020\u2002000\u2002000"


def test_run_together_cells_are_unreadable_when_the_digits_split_more_than_one_way():
    text = seed_text("000")
    assert SEED_000_R1 in text
    got = parse_text(text.replace(SEED_000_R1, "三、本年办理结果(一)予以公开 12 0 0 0 0 12"))
    (bad,) = got["unreadable"]
    assert bad["keys"] == [f"s3.r1_disclosed.{c}" for c in form("2019").s3_columns]
    assert "more than one way" in bad["reason"] and bad["cells"] == ["12 0 0 0 0 12"]
    assert not any(k in got["values"] for k in bad["keys"]) and not got["complete"]
    # the rules that need those numbers are not checked; the others are
    assert not any(v["rule"] == 3 for v in got["violations"])


def test_run_together_cells_are_read_when_the_digits_allow_one_reading_only():
    got = parse_text(seed_text("000").replace(SEED_000_R1, "三、本年办理结果(一)予以公开 1 210 000"))
    assert [got["values"][f"s3.r1_disclosed.{c}"] for c in form("2019").s3_columns] == [1, 2, 1, 0, 0, 0, 0]
    assert any(r["cells"] == ["1 210 000"] for r in got["resolved"])


@pytest.mark.parametrize("cells, n, blanks_at, numbers, problem", [
    (["0 000 000"], 7, "end", [0] * 7, ""),
    (["000"], 1, "end", None, "no way"),
    (["12", "3"], 2, "end", [12, 3], ""),
    (["", "", "5"], 2, "start", [0, 5], ""),
    (["5", "", ""], 2, "end", [5, 0], ""),
    (["5", "", "7"], 2, "end", [5, 7], ""),  # as many numbers as columns: the blank is spacing
    (["", "5", "", "7"], 3, "end", None, "not all surplus cells blank"),
    (["+2", "17.27万元"], 2, "end", [2, 17.27], ""),
    (["1,234", "-1"], 2, "end", [1234, -1], ""),
    (["1", "2", "3"], 2, "end", None, "3 cells"),
])
def test_a_row_of_cells(cells, n, blanks_at, numbers, problem):
    reading = read_row([read_cell(c) for c in cells], n, blanks_at)
    assert reading.numbers == numbers
    assert problem in reading.problem


def test_units_are_kept_with_their_numbers():
    report = load_report("seed_003")
    values = {**report["values"], "s2.procurement.amount": 17.27}
    html = render_tables(values, "2019", {"s2.procurement.amount": "万元"})
    got = parse_html("<html><body><div class='zwxl-article'>" + "".join(html.values()) + "</div></body></html>")
    assert got["values"]["s2.procurement.amount"] == 17.27 and got["units"] == {"s2.procurement.amount": "万元"}


def test_section_four_rule():
    text = seed_text("003").replace("\n" + "\t".join(["0"] * 15) + "\n",
                                    "\n" + "\t".join(["0"] * 10 + ["1", "1", "0", "0", "5"]) + "\n")
    got = parse_text(text)
    (broken,) = got["violations"]
    assert broken["rule"] == 4 and broken["where"] == "s4 group suit_after_review"
    assert broken["left_sum"] == 5 and broken["right_sum"] == 2


@pytest.mark.parametrize("n", ["001", "004"])
def test_html_page_and_published_tables(n):
    """A report page as the platform renders it: read from the page, and from its tables."""
    want = expected(n)
    page = "<html><body><div class='zwxl-article'>" + render_body(load_report(f"seed_{n}")) + "</div></body></html>"
    from_page = parse_html(page)
    assert from_page["source"] == "tables" and from_page["values"] == want["values"]
    assert [v["rule"] for v in from_page["violations"]] == [v["rule"] for v in want["violations"]]


def test_a_page_without_the_form():
    got = parse_text("一、总体情况\n我局认真落实……\n六、其他需要报告的事项\n无。")
    assert got["form"] is None and not got["values"] and not got["complete"]
    assert parse_tables([])["form"] is None


def test_nianbao_tables_command(tmp_path):
    proc = run_nianbao("tables", str(SEEDS / expected("001")["seed"]), timeout=120)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed["form"] == "2019" and printed["values"] == expected("001")["values"]
    assert {v["rule"] for v in printed["violations"]} == {1, 2, 3}

    docs = tmp_path / "documents.jsonl"
    docs.write_text("".join(json.dumps({"doc_id": f"d{n}", "text": seed_text(n), "tables": []}, ensure_ascii=False) + "\n"
                            for n in ("002", "004"))
                    # JSON leaves a line separator (U+2028) in a text as it is: still one line
                    + json.dumps({"doc_id": "d9", "text": "一、总体情况\u2028无。", "tables": []}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    proc = run_nianbao("tables", str(docs), timeout=120)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(p["doc_id"], p["form"]) for p in lines] == [("d002", "2019"), ("d004", "2021"), ("d9", None)]
    assert lines[1]["values"] == expected("004")["values"]

    page = tmp_path / "page.html"
    page.write_bytes(("<html><head><meta charset='gb18030'></head><body><div class='zwxl-article'>"
                      + render_body(load_report("seed_003")) + "</div></body></html>").encode("gb18030"))
    proc = run_nianbao("tables", str(page), timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout)["values"] == expected("003")["values"]

    prose = tmp_path / "prose.txt"
    prose.write_text("一、总体情况\n无。\n", encoding="utf-8")
    proc = run_nianbao("tables", str(prose), timeout=120)
    assert proc.returncode == 1 and "no statistics table" in proc.stderr


def test_a_label_wrapped_onto_two_lines():
    """One cell per line, a long label of the 2021 form broken where the page broke it."""
    label = "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    text = seed_text("004")
    assert label in text
    got = parse_text(text.replace(label, "1.申请人无正当理由逾期不补正、\n\n行政机关不再处理其政府信息公开申请"))
    assert got["values"] == expected("004")["values"] and got["complete"]


def test_numbers_separated_by_spaces_are_not_a_guess():
    got = parse_text(seed_text("000").replace(SEED_000_R1, "三、本年办理结果(一)予以公开 1 2 0 0 0 0 3"))
    assert [got["values"][f"s3.r1_disclosed.{c}"] for c in form("2019").s3_columns] == [1, 2, 0, 0, 0, 0, 3]
    assert not any(r["keys"][0].startswith("s3.r1_disclosed") for r in got["resolved"])


def test_section_four_published_as_blank_cells():
    """Blank cells mean 0 (seed 001's shape) in section 四 too."""
    text = seed_text("001")
    start = text.index("\t总计\n\n\t\xa00")
    end = text.index("五、存在的主要问题")
    blank = text[:start] + "\t总计\n\n" + "\t\xa0\n" * 15 + "\n\n" + text[end:]
    got = parse_text(blank)
    assert all(got["values"][k] == 0 for k in form("2019").s4_keys()) and not got["missing"]
