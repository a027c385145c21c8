"""HTTP validators as nginx gives them for static files, and conditional GETs answered with 304."""

from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime


def etag(body: bytes, last_modified: str | None) -> str:
    """nginx's ETag: modification time and size, in hex (a body hash when there is no time)."""
    if not last_modified:
        return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    return f'"{int(parsedate_to_datetime(last_modified).timestamp()):x}-{len(body):x}"'


def not_modified(headers, current_etag: str, last_modified: str | None) -> bool:
    """Whether a GET with these request headers gets a 304 (RFC 9110 §13.2.2: If-None-Match wins)."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or current_etag in tags
    since = headers.get("If-Modified-Since")
    if not (since and last_modified):
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
