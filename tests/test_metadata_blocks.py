"""Publish dates from the labelled metadata blocks of the platforms (issue 11): TRS `table.zwxl-table`,
开普云 UCAP `table.table_content`, Hanweb `table.xxgk_table`, gkmlpt `div.introduce .classify`.
The pages (tests/fixtures/metadata_blocks/, provenance in tests/fixtures/README.md) carry no
PubDate meta, so only the block can give the date; each has a second, wrong date elsewhere."""

import json
from pathlib import Path

import lxml.html
import pytest

from pipelines.extraction.metadata import label_values, labelled_date

from test_cli_errors import nianbao

PAGES = Path(__file__).parent / "fixtures" / "metadata_blocks"


@pytest.mark.parametrize("name, extractor, publish_date, issuer", [
    # 公开日期 (2023-01-18) over 成文日期 (2023-01-12); the footer's 更新时间 2024-05-06 is no publish date
    ("ucap_county_department.html", "ucap", "2023-01-18", "东台县农业农村局"),
    # labels in brackets, [ 发布日期 ] over [ 成文日期 ]
    ("trs_zwxl_table.html", "trs", "2022-01-24", "石柱县民政局"),
    # <th> labels with spaces inside (索 引 号)
    ("hanweb_xxgk_table.html", "hanweb", "2021-01-29", "滨江市生态环境局"),
    ("gkmlpt_classify.html", "gkmlpt", "2023-01-19", "南湾区教育局"),
])
def test_extract_reads_the_publish_date_of_each_platforms_block(name, extractor, publish_date, issuer):
    proc = nianbao("extract", PAGES / name, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    document = json.loads(proc.stdout)
    assert (document["extractor"], document["publish_date"], document["issuer"]) == (extractor, publish_date, issuer)
    assert document["report_year"] == int(publish_date[:4]) - 1


def block(html: str):
    return lxml.html.document_fromstring(f"<html><body>{html}</body></html>")


def test_label_and_value_in_one_cell():
    tree = block('<table class="m"><tr><td>发布机构：某县财政局</td><td>发布日期：2023-01-18</td></tr></table>')
    assert label_values(tree, ["table.m"]) == {"发布机构": "某县财政局", "发布日期": "2023-01-18"}


def test_a_block_of_spans():
    tree = block('<div class="m"><span>索引号：</span><span>0001/2023-01</span><span>生成日期：</span><span>2023-02-01</span></div>')
    assert labelled_date(label_values(tree, ["div.m"])) == "2023-02-01"


@pytest.mark.parametrize("labels, expected", [
    ({"成文日期": "2023-01-02", "发文日期": "2023-01-03", "生成日期": "2023-01-04"}, "2023-01-02"),
    ({"发布日期": "", "公开日期": "2023年1月18日", "成文日期": "2023-01-02"}, "2023-01-18"),
    ({"生成日期": "2023-01-04"}, "2023-01-04"),
    ({"发布机构": "某县财政局"}, None),
])
def test_date_labels_in_order_of_preference(labels, expected):
    assert labelled_date(labels) == expected


def test_the_matched_platforms_block_comes_first():
    from pipelines.extraction.platforms import PLATFORM_RULES, metadata_blocks

    ucap = next(r for r in PLATFORM_RULES if r.name == "ucap")
    blocks = metadata_blocks(ucap)
    assert blocks[0] == "table.table_content" and "table.zwxl-table" in blocks and len(blocks) == len(set(blocks))
