"""Spiders that crawl a selection of the national registry (`crawler/data/china_registry.jsonl`).

    scrapy crawl china -a provinces=天津市,宁夏回族自治区 -a levels=county,prefecture [-a codes=…] [-a years=2019-2024]

`years` keeps the units that existed in those report years (江北区 for 2019–2024, 两江新区 for
2026) and tells the coverage report which years were wanted. The named spiders below are fixed
selections, so each seed's portals have a spider of their own.
"""

from __future__ import annotations

from scrapy import signals

from crawler.portal_spider import PortalSpider
from crawler.portals import Portal
from crawler.registry import load_national_registry, parse_years


class ChinaSpider(PortalSpider):
    name = "china"
    selection: dict[str, str] = {}  # fixed -a arguments of a named selection

    def select_portals(self, provinces=None, levels=None, codes=None, years=None, **kwargs) -> list[Portal]:
        chosen = {"provinces": provinces, "levels": levels, "codes": codes, **self.selection}
        self.years = parse_years(years)
        registry = load_national_registry()
        return registry.portals(registry.select(**chosen, years=self.years))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.record_years, signal=signals.spider_opened)
        return spider

    def record_years(self, spider):
        if self.years:  # the coverage report reads the wanted years from the crawl's stats
            self.crawler.stats.set_value("nianbao/years", f"{self.years[0]}-{self.years[-1]}")


class TianjinDistrictsSpider(ChinaSpider):
    """The districts of 天津市 (东丽区 is one of the seeds)."""

    name = "tianjin_districts"
    selection = {"provinces": "天津市", "levels": "county"}


class NingxiaSpider(ChinaSpider):
    """宁夏回族自治区: the region, its prefectures (中卫市 is one of the seeds) and counties."""

    name = "ningxia"
    selection = {"provinces": "宁夏回族自治区"}


class HubeiSpider(ChinaSpider):
    """湖北省: the province, its prefectures (咸宁市 is one of the seeds) and counties."""

    name = "hubei"
    selection = {"provinces": "湖北省"}
