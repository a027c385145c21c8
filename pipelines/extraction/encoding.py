"""Bytes of a page → text: the HTTP header, then `<meta charset>`, then detection — but a
declaration the bytes contradict loses.

Chinese portals often declare GB2312 and serve UTF-8 (a template changed, the meta did not), or
serve GBK under a UTF-8 header. A declaration is kept only if the bytes decode under it without
error; otherwise UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GB2312 and
GBK), else what w3lib detects.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, html_to_unicode

WESTERN = {"cp1252", "latin_1", "iso8859-1", "ascii"}
GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "x-gbk", "cp936"}


def _strict(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _name(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    return "gb18030" if name in GB_FAMILY else name  # GB18030 decodes every GB2312/GBK page


CHINESE = {"gbk", "gb2312", "gb18030", "hz", "big5"}


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def actual_encoding(body: bytes, declared: str) -> str | None:
    """The encoding the bytes are really in, when it is not the declared one; else None."""
    name = codecs.lookup(declared).name
    if name == "utf-8" and not _decodes(body, "utf-8") and _decodes(body, "gb18030"):
        return "gb18030"
    if name in CHINESE and not body.isascii() and _decodes(body, "utf-8"):
        return "utf-8"
    return None


def decode_html(raw: bytes, content_type: str | None = None) -> str:
    """The text of a page as a browser would show it, whatever its declaration says."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace")
    declared = [_name(http_content_type_encoding(content_type or "")), _name(html_body_declared_encoding(raw))]
    # a western single-byte declaration decodes any bytes: on a Chinese page it is never right
    declared = [e for e in declared if e and e not in WESTERN]
    if declared and (actual := actual_encoding(raw, declared[0])):
        return raw.decode(actual)  # the bytes contradict the declaration (the crawl's rule too)
    for encoding in declared + ["utf-8", "gb18030"]:
        text = _strict(raw, encoding)
        if text is not None:
            return text
    if "utf-8" in declared:  # a UTF-8 page with a few broken bytes (a cut multi-byte character)
        text = raw.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 1000):
            return text
    return html_to_unicode(content_type, raw)[1]  # w3lib's detection, with replacement characters
