"""HashSet: what a crawl must remember for as long as it runs (list pages met, documents written),
kept as 64-bit hashes in 8 bytes each.

A Python set of ints costs some 70 bytes an entry: a table slot of 16 bytes kept at most 60% full,
and an int object of 32. A worker remembers tens of thousands of pages and documents in 50 000
pages, millions in a national crawl, so these sets were a part of its memory that grew with every
page. Here the hashes sit in sorted arrays of machine integers, one of `BUCKETS` arrays chosen by
the hash's low bits: some 16 bytes an entry at 15 000, 8.4 at a million. An insertion moves the
rest of its bucket (8 KB at ten million entries): microseconds, against milliseconds for the page.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable

BUCKETS = 1024
DOC_ID = re.compile(r"[0-9a-f]{16}")


def id_hash(doc_id: str) -> int:
    """A doc_id as a HashSet member: its 16 hex digits (a SHA-256's first 64 bits) read as the
    signed integer they are, so that two ids never share one and no document is taken for another
    already written; any other string, its `hash()`."""
    return int(doc_id, 16) - (1 << 63) if DOC_ID.fullmatch(doc_id) else hash(doc_id)


class HashSet:
    """A set of signed 64-bit integers, such as `hash()` of a string (within one process)."""

    def __init__(self, values: Iterable[int] = ()):
        self._buckets: list[array | None] = [None] * BUCKETS
        self._len = 0
        for value in values:
            self.add(value)

    def __contains__(self, value: int) -> bool:
        bucket = self._buckets[value & (BUCKETS - 1)]
        if bucket is None:
            return False
        i = bisect_left(bucket, value)
        return i < len(bucket) and bucket[i] == value

    def add(self, value: int) -> bool:
        """Adds it; True if it was not there."""
        slot = value & (BUCKETS - 1)
        bucket = self._buckets[slot]
        if bucket is None:
            bucket = self._buckets[slot] = array("q")
        i = bisect_left(bucket, value)
        if i < len(bucket) and bucket[i] == value:
            return False
        bucket.insert(i, value)
        self._len += 1
        return True

    def __len__(self) -> int:
        return self._len

    def __iter__(self):
        for bucket in self._buckets:
            if bucket is not None:
                yield from bucket
