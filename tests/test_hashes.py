"""HashSet against Python's set: the same members, whatever the values' signs, sizes and repeats."""

import random

from crawler.hashes import BUCKETS, HashSet, id_hash


def test_a_hash_set_holds_what_a_set_would():
    rng = random.Random(7)
    values = [rng.randrange(-2**63, 2**63) for _ in range(20_000)]
    values += values[:3_000]  # met again
    values += [-2**63, 2**63 - 1, 0, -1, BUCKETS, -BUCKETS]  # the ends of the range, and one bucket's neighbours
    values += [hash(f"https://www.cq.gov.cn/zwgk/zfxxgkml/zfxxgknb/index_{n}.html") for n in range(2_000)]
    reference, kept = set(), HashSet()
    for value in values:
        assert kept.add(value) == (value not in reference)
        reference.add(value)
    assert len(kept) == len(reference)
    assert sorted(kept) == sorted(reference)
    assert all(value in kept for value in values)
    strangers = [rng.randrange(-2**63, 2**63) for _ in range(5_000)]
    assert [value in kept for value in strangers] == [value in reference for value in strangers]
    assert HashSet(values[:10]) and not HashSet() and len(HashSet([5, 5, 5])) == 1


def test_a_doc_id_is_its_own_64_bits():
    ids = ["0000000000000000", "ffffffffffffffff", "8000000000000000", "7fffffffffffffff", "e15dd0ee6382dec5"]
    keys = [id_hash(doc_id) for doc_id in ids]
    assert keys == [-2**63, 2**63 - 1, 0, -1, int("e15dd0ee6382dec5", 16) - 2**63]
    kept = HashSet(keys)
    assert all(id_hash(doc_id) in kept for doc_id in ids) and id_hash("e15dd0ee6382dec4") not in kept
    # not a doc_id of 16 hex digits: hashed (an int() would take "0x…" or "1_2" as numbers too)
    assert id_hash("0x5dd0ee6382dec5") == hash("0x5dd0ee6382dec5") and id_hash("doc-1") == hash("doc-1")
