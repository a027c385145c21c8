"""The 38 districts and counties of Chongqing (37 since 2026-01-25) and its development zones:
a selection of the national registry over the general spider. Their platform's URL rules are
hints that make the common case fast (crawler/platforms/chongqing.py)."""

from spiders.china import ChinaSpider


class ChongqingDistrictsSpider(ChinaSpider):
    """`scrapy crawl chongqing_districts [-a districts=合川区,大渡口区] [-a years=2019-2024]`"""

    name = "chongqing_districts"
    selection = {"provinces": "重庆市", "levels": "county,zone"}

    def select_portals(self, districts=None, **kwargs):
        return super().select_portals(**{**kwargs, "codes": districts or kwargs.get("codes")})
