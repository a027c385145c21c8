"""宁夏中卫市 (`www.nxzw.gov.cn`) as an older TRS template: the 年报 column lists year
sub-columns (`2023n/`…), each its own list, and every pager is written by a `document.write`
loop (`var countPage = 2; …`), so no static link leads to a list's second page. The column's name
is only in a link's `title` on the 政务公开 page. Its 科技局 publishes seed 003 (the real 2020
report of 中卫市科学技术局)."""

from __future__ import annotations

from .model import Unit
from .trs import TrsBuilder, TrsLayout, TrsPortal

SEED = "seed_003"


def spec(portal) -> TrsPortal:
    city = "中卫市"
    return TrsPortal(
        portal=portal,
        layout=TrsLayout(pager="document.write", page_size=5, year_columns=True, link_style="title",
                         dept_dir="zfbm", dept_nav="政府部门", town_nav="县(区)"),
        owner=f"{city}人民政府",
        short=city,
        province=("宁夏回族自治区人民政府", "https://www.nx.gov.cn/"),
        icp="宁ICP备05001726号",
        police="宁公网安备 64050202000101号",
        units=[Unit(f"{city}人民政府", "市政府", "szf", tuple(range(2018, 2025)), SEED),
               Unit(f"{city}人民政府办公室", "市政府办公室", "szfbgs", tuple(range(2019, 2025)), SEED, files=(2021,)),
               Unit(f"{city}发展和改革委员会", "市发展改革委", "fgw", (2021, 2022, 2023, 2024), SEED),
               Unit(f"{city}民政局", "市民政局", "mzj", (2021, 2022, 2023, 2024), SEED, files=(2024,)),
               Unit(f"{city}审计局", "市审计局", "sjj", (2022, 2023, 2024), SEED)],
        departments=[Unit(f"{city}科学技术局", "市科技局", "kjj", tuple(range(2019, 2025)), SEED, seed_year=2020),
                     Unit(f"{city}教育局", "市教育局", "jyj", (2023, 2024), SEED)],
        townships=[],
        first_docid=3_861_000,
        # the counties under the city are portals of their own: links that leave this one
        siblings=(("沙坡头区", "http://www.spt.gov.cn/"), ("中宁县", "http://www.znzf.gov.cn/"),
                  ("海原县", "http://www.hy.gov.cn/")),
        source="TRS WCM, older template: reference/platforms.md (document.write pagers, year sub-columns {Y}n/)",
    )


def build(portal):
    return TrsBuilder(spec(portal), "trs_years").build()
