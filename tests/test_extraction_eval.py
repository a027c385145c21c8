"""The labelled set of `make eval` as tests: the reader meets the issue's targets on it, the
scores themselves tell good output from bad, and pages no rule knows still give their body."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the bench/ folder is not installed

from bench.eval import bigram_f1, leaks, output_rows, ours, row_kept, run, score_doc, summary  # noqa: E402
from bench.labelled import GoldDoc, real_docs, replica_docs  # noqa: E402
from pipelines.extraction import read_page  # noqa: E402
from pipelines.extraction.encoding import decode_html  # noqa: E402

from conftest import run_nianbao  # noqa: E402

UNSEEN = Path(__file__).parent / "fixtures" / "unseen_html"
REAL = Path(__file__).parent / "fixtures" / "real_html"


@pytest.fixture(scope="module")
def labelled():
    return real_docs() + replica_docs()


def test_the_reader_meets_the_targets_on_the_labelled_set(labelled):
    assert {d.source for d in labelled} == {"real", "replica"} and len(labelled) > 100
    scored = [score_doc(ours, doc) for doc in labelled]
    result = summary(scored)
    misses = [(s.doc.name, s.misses, s.leaked) for s in scored if s.misses or s.leaked][:5]
    assert result["leak"] == 0, misses
    assert result["rows_kept"] == 1.0, misses
    for field in ("title", "publish_date", "issuer", "report_year"):
        assert result[field] == 1.0, (field, misses)
    assert min(s.f1 for s in scored) >= 0.98, sorted((s.f1, s.doc.name) for s in scored)[:3]


def test_make_eval_prints_both_extractors(labelled, capsys):
    subset = [d for d in labelled if d.source == "real"] + [d for d in labelled if d.source == "replica"][:3]
    results = run(docs=subset)
    printed = capsys.readouterr().out
    assert "| all | nianbao | 9 |" in printed and "| all | trafilatura | 9 |" in printed
    assert "as many documents per second as trafilatura's default" in printed
    # trafilatura keeps chrome on these pages and has no issuer: the scores must show it
    assert results[("all", "trafilatura")]["leak"] > 0 and results[("all", "trafilatura")]["issuer"] < 1


def test_scores_tell_bad_output_from_good():
    assert bigram_f1("一、总体情况", "一、总体情况") == 1.0
    assert bigram_f1("一、总体情况", "(一)总体 情况") == 1.0  # punctuation and spaces are not scored
    assert 0 < bigram_f1("一、总体情况2020年", "总体情况") < 0.8
    assert bigram_f1("总体情况", "") == 0.0
    rows = output_rows("规章\t0\t\t1\n行政许可 | 3 | 4")
    assert row_kept(["规章", "0", "1"], rows)
    assert row_kept(["行政许可", "3", "4"], rows)
    assert not row_kept(["规章", "1", "0"], rows)  # cells out of order
    assert not row_kept(["规章", "0", "1"], output_rows("规章\n0\n1"))  # one cell per line
    doc = GoldDoc("x", "real", "", "", ["通过网站分享到微信的信息3条"])
    assert leaks(doc, "通过网站分享到微信的信息3条") == []  # the report's own words
    assert leaks(doc, "正文\n版权所有：某某网站") == ["版权所有"]


# -- pages it has never seen ---------------------------------------------------------------------

# one sentence of each page's article, read from the page
UNSEEN_BODIES = {
    "gne_people.html": "父亲的教诲像一盏灯，为我们照亮前行的路",
    "gne_sxmu.html": "第六十九条 本法自公布之日起施行。",
    "gne_gsc.html": "2019年中国人文地理学术年会在重庆·西南大学举行",
    "gne_cjddsb.html": "为持续推动金融消费者教育和金融知识普及工作",
    "gne_stcn.html": "9614.5万元竞得常州市工业用地",
    "gne_thepaper.html": "吴翔宇自称是共享充电宝的长期用户",
}


@pytest.mark.parametrize("name", sorted(UNSEEN_BODIES))
def test_unseen_pages_give_their_body(name):
    page = read_page(decode_html((UNSEEN / name).read_bytes()))
    assert page.title
    assert UNSEEN_BODIES[name].replace(" ", "") in page.text.replace(" ", "")
    for phrase in ("版权所有", "ICP备", "您所在的位置", "当前位置"):
        assert phrase not in page.text


def test_utf8_bytes_under_a_gb2312_declaration():
    raw = (UNSEEN / "gne_people.html").read_bytes()
    assert b"charset=GB2312" in raw
    assert "女儿出嫁" in decode_html(raw)


@pytest.mark.parametrize("declaration", ['<meta charset="utf-8">', "", '<meta charset="iso-8859-1">'])
def test_gbk_pages_with_a_wrong_or_missing_declaration(declaration):
    original = decode_html((REAL / "pingtan_2011_report.html").read_bytes())
    html = original.replace('<meta charset="utf-8" name="viewport"', f'{declaration}<meta name="viewport"')
    assert html != original
    raw = html.encode("gbk", errors="ignore")
    assert decode_html(raw) == html.encode("gbk", errors="ignore").decode("gbk")
    assert decode_html(raw, "text/html; charset=utf-8") == decode_html(raw)
    assert read_page(decode_html(raw)).text == read_page(original).text


def test_extract_command_reads_a_gbk_page(tmp_path):
    original = decode_html((REAL / "pingtan_2011_report.html").read_bytes())
    page = tmp_path / "gbk.html"
    page.write_bytes(original.replace('charset="utf-8"', 'charset="gbk"').encode("gbk", errors="ignore"))
    proc = run_nianbao("extract", str(page), timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["title"] == "平潭综合实验区2011年政府信息公开工作年度报告"
    assert doc["report_year"] == 2011 and doc["publish_date"] == "2012-04-11"
    assert "主动公开信息数\t条\t425\t1516" in doc["text"].splitlines()


@pytest.mark.parametrize("html, text", [
    ("<p>只有一句话的页面正文内容。</p>", "只有一句话的页面正文内容。"),  # too short for trafilatura
    ("<div id=zoom><table><tr><td>规章</td><td>0</td></tr></table></div>", "规章\t0"),
    ("<body><div>首页 | 政务公开 | 互动交流</div><p>本站通知：系统维护至明日上午。</p><div>版权所有：某某政府</div></body>",
     "本站通知：系统维护至明日上午。"),
    ("", ""), ("<html></html>", ""), ("<frameset><frame src=a.html></frameset>", ""),
])
def test_odd_pages_neither_crash_nor_lose_a_body(html, text):
    assert read_page(html).text == text
