"""江西会昌县 as a portal whose disclosure platform lives on its own host: the home page
`www.huichang.gov.cn` links 政务公开 on `xxgk.huichang.gov.cn`, where the 年报 column is the
relative `./xxgknb/` (it needs the page URL's trailing slash) and the departments sit in the
信息公开目录 (`/bmgkml/<unit>/xxgknb/`) — reference/platforms.md names `xxgk.huichang.gov.cn/xxgknb/`.
The disclosure page also links the neighbours' 年报 columns, which belong to other portals."""

from __future__ import annotations

from .model import Unit
from .trs import TrsBuilder, TrsLayout, TrsPortal

SEED = "seed_002"


def spec(portal) -> TrsPortal:
    county = "会昌县"
    return TrsPortal(
        portal=portal,
        layout=TrsLayout(pager="createPageHTML", page_size=8, column_name="信息公开年报", column_slug="xxgknb",
                         section_slug="", disclosure_host="xxgk.huichang.gov.cn", link_style="br",
                         dept_dir="bmgkml", dept_nav="部门信息公开", town_dir="xzgkml", town_nav="乡镇信息公开"),
        owner=f"{county}人民政府",
        short=county,
        province=("江西省人民政府", "https://www.jiangxi.gov.cn/"),
        icp="赣ICP备05003817号",
        police="赣公网安备 36073302000102号",
        units=[Unit(f"{county}人民政府", "县政府", "xzf", tuple(range(2017, 2025)), SEED, files=(2019,)),
               Unit(f"{county}人民政府办公室", "县政府办公室", "xzfb", (2022, 2023, 2024), SEED)],
        departments=[Unit(f"{county}国有资产监督管理委员会", "县国资委", "gzw", (2020, 2021, 2022, 2023, 2024), SEED,
                          files=(2022,)),
                     Unit(f"{county}教育体育局", "县教体局", "jtj", (2023, 2024), SEED)],
        townships=[Unit(f"{county}文武坝镇人民政府", "文武坝镇", "wwbz", (2023, 2024), SEED),
                   Unit(f"{county}筠门岭镇人民政府", "筠门岭镇", "ymlz", (2024,), SEED)],
        first_docid=1_904_000,
        siblings=(("赣州市人民政府", "https://www.ganzhou.gov.cn/"), ("瑞金市", "http://www.ruijin.gov.cn/")),
        sibling_columns=(("瑞金市政府信息公开年报", "http://xxgk.ruijin.gov.cn/xxgknb/"),
                         ("寻乌县信息公开年报", "http://xxgk.xunwu.gov.cn/xxgknb/")),
        source="TRS static publishing on a disclosure sub-domain: reference/platforms.md (xxgk.huichang.gov.cn/xxgknb/)",
    )


def build(portal):
    return TrsBuilder(spec(portal), "subdomain").build()
