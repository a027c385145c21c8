"""The replica's portals beyond Chongqing: one per platform, each built from the evidence in
`data/PROVENANCE.md` by one small module, each knowing the reports a crawl must find.

`REGIONS` maps a registry (`crawler/data/<region>_portals.json`) to the module that builds its
portal; `build_platforms()` builds them all.
"""

from __future__ import annotations

from importlib import import_module

from crawler.portals import load_registry

from .model import BuiltPortal

REGIONS = {
    "tianjin": "trs_classic",
    "ningxia": "trs_years",
    "jiangxi": "subdomain",
    "hubei": "hanweb",
    "guangdong": "gkmlpt",
    "fujian": "pingtan",
}


def build_platforms() -> list[BuiltPortal]:
    built = []
    for region, module in REGIONS.items():
        builder = import_module(f"{__name__}.{module}")
        for portal in load_registry(region).portals:
            built.append(builder.build(portal))
    return built
