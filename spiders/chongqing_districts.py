"""The 38 districts and counties of Chongqing (and its three development zones): a registry over
the general spider. Its platform's URL rules are hints (crawler/platforms/chongqing.py)."""

from crawler.portal_spider import PortalSpider


class ChongqingDistrictsSpider(PortalSpider):
    """`scrapy crawl chongqing_districts [-a districts=合川区,大渡口区]`"""

    name = "chongqing_districts"
    registry_name = "chongqing"
