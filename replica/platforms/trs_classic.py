"""天津市东丽区 (`www.tjdl.gov.cn`) as a classic TRS WCM portal: static lists paged by an inline
`createPageHTML(pages, current, "index", "html")`, department and street sub-sites under the
portal's host, each with its own 年报 column. Its 科技局 publishes seed 001 (the real 2020 report
of 天津市东丽区科学技术局)."""

from __future__ import annotations

from .model import Unit
from .trs import TrsBuilder, TrsLayout, TrsPortal

SEED = "seed_001"


def spec(portal) -> TrsPortal:
    region = "天津市东丽区"
    return TrsPortal(
        portal=portal,
        layout=TrsLayout(pager="createPageHTML", page_size=10, link_style="em", dept_nav="机构设置", town_nav="街道"),
        owner=f"{region}人民政府",
        short="东丽区",
        province=("天津市人民政府", "https://www.tj.gov.cn/"),
        icp="津ICP备05004370号",
        police="津公网安备 12011002000123号",
        units=[Unit(f"{region}人民政府", "区政府", "qzf", tuple(range(2016, 2025)), SEED, files=(2018,)),
               Unit(f"{region}人民政府办公室", "区政府办公室", "bgs", tuple(range(2019, 2025)), SEED)],
        departments=[Unit(f"{region}科学技术局", "区科技局", "kjj", tuple(range(2019, 2025)), SEED, files=(2023,),
                          seed_year=2020),
                     Unit(f"{region}教育局", "区教育局", "jyj", (2022, 2023, 2024), SEED),
                     Unit(f"{region}财政局", "区财政局", "czj", (2023, 2024), SEED)],
        townships=[Unit(f"{region}华明街道办事处", "华明街道", "hmjd", (2023, 2024), SEED),
                   Unit(f"{region}金钟街道办事处", "金钟街道", "jzjd", (2024,), SEED)],
        first_docid=5_210_000,
        siblings=(("河东区", "https://www.tjhd.gov.cn/"), ("津南区", "https://www.tjjn.gov.cn/")),
        source="TRS WCM classic: reference/platforms.md (createPageHTML lists, t<date>_<id>.html articles)",
    )


def build(portal):
    return TrsBuilder(spec(portal), "trs_classic").build()
