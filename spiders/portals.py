"""Any portals, from their roots or from a registry file: the general spider.

    scrapy crawl portals -a roots=http://www.tjdl.gov.cn/,http://www.xianning.gov.cn/zwgk/
    scrapy crawl portals -a registry=portals.json
    scrapy crawl portals -a registry=tianjin,hubei      # registries of crawler/data/<name>_portals.json

A root may be a home page, a 政务公开/信息公开 page or the 年报 column itself: the spider tells
which from the page. A registry file lists portals as `{"portals": [{"name", "code", "root",
"hosts"}, …]}` (or the list alone); `root_url`, `extra_hosts`, `level`, `platform` (a hint) and
`render` are read too.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from crawler.errors import UserError
from crawler.portal_spider import PortalSpider
from crawler.portals import Portal, bare_host, load_registry


def portal_from_root(url: str) -> Portal:
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    host = urlsplit(url).hostname
    if not host:
        raise UserError(f"not a portal root URL: {url!r}")
    return Portal(name=bare_host(host), code=None, level="", root_url=url)


def portals_from_file(path: str) -> list[Portal]:
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read the registry {path}: {error}") from None
    entries = raw.get("portals", []) if isinstance(raw, dict) else raw
    portals = []
    for entry in entries:
        root = (entry.get("root") or entry.get("root_url")) if isinstance(entry, dict) else None
        if not (root and entry.get("name")):
            raise UserError(f"{path}: every portal needs a name and a root, got {entry!r}")
        root_host = bare_host(urlsplit(root).hostname or "")
        portals.append(Portal(
            name=entry["name"],
            code=entry.get("code"),
            level=entry.get("level", ""),
            root_url=root,
            platform=entry.get("platform", ""),
            aliases=tuple(entry.get("aliases", ())),
            extra_hosts=tuple(h for h in (*entry.get("hosts", ()), *entry.get("extra_hosts", ())) if bare_host(h) != root_host),
            render=tuple(entry.get("render", ())),
        ))
    return portals


def known_registry(name: str):
    try:
        return load_registry(name)
    except FileNotFoundError:
        raise UserError(f"no registry named {name!r} (crawler/data/{name}_portals.json); "
                        "give a file: -a registry=FILE.json") from None


class PortalsSpider(PortalSpider):
    """`scrapy crawl portals -a roots=URL[,URL…]` or `-a registry=FILE.json`"""

    name = "portals"

    def select_portals(self, roots: str | None = None, registry: str | None = None, **kwargs) -> list[Portal]:
        if registry and registry.endswith(".json"):
            return portals_from_file(registry)
        if registry:
            return [p for name in registry.split(",") if name.strip() for p in known_registry(name.strip()).portals]
        if roots:
            return [portal_from_root(u) for u in roots.replace("，", ",").split(",") if u.strip()]
        raise UserError("say which portals: -a roots=URL[,URL…] or -a registry=FILE.json")
