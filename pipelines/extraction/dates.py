"""Publication dates in the shapes government pages write them, as ISO dates."""

from __future__ import annotations

import re
from datetime import date

CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
NUMERIC_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")


def cn_number(text: str) -> int:
    """一 … 三十一 (day and month numbers)."""
    if "十" not in text:
        return CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


def cn_year_to_digits(text: str) -> str:
    """二〇二一年 → 2021年, so year patterns see Arabic digits."""
    return re.sub(r"[〇○零一二三四五六七八九]{4}(?=年)", lambda m: "".join(str(CN_DIGITS[c]) for c in m.group()), text)


def parse_date(text: str) -> str | None:
    """The first valid date in a text, as YYYY-MM-DD."""
    if not text:
        return None
    for match in NUMERIC_DATE.finditer(text):
        iso = _valid(*(int(g) for g in match.groups()))
        if iso:
            return iso
    match = CN_DATE.search(text)
    if match:
        year = int("".join(str(CN_DIGITS[c]) for c in match.group(1)))
        return _valid(year, cn_number(match.group(2)), cn_number(match.group(3)))
    return None


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
