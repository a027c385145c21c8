"""Duplicate filtering by document identity: a `_wap` copy or a query variant of an article
is the same document, so it is fetched once."""

from __future__ import annotations

from scrapy.utils.request import RequestFingerprinter

from .urls import PLATFORM_RULES, fetch_identity


class CanonicalRequestFingerprinter(RequestFingerprinter):
    def fingerprint(self, request) -> bytes:
        if request.method == "GET":
            for rules in PLATFORM_RULES.values():
                identity = fetch_identity(request.url, rules)
                if identity != request.url:
                    request = request.replace(url=identity)
                    break
        return super().fingerprint(request)
