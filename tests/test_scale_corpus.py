"""bench/scale_corpus.py: the copies that make a big archive out of the Wikinews corpus are new
articles, not near-duplicates of their original or of each other (index/near_duplicates.py)."""

from __future__ import annotations

import random

from bench.scale_corpus import archive, variant
from index.near_duplicates import NearDuplicateParams, signature, similarity

WORDS = [
    "minister",
    "council",
    "harbour",
    "river",
    "strike",
    "budget",
    "court",
    "vote",
    "election",
    "storm",
    "market",
    "rebels",
]


def _article(i: int) -> dict[str, str]:
    rng = random.Random(i)
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + f" number {i}-{k}." for k in range(20)
    ]
    return {"id": f"a{i}", "title": f"Title {i}", "date": "2020-01-01", "text": " ".join(sentences)}


POOL = [_article(i) for i in range(30)]


def test_copy_zero_is_the_article_itself() -> None:
    assert variant(POOL[3], 0, POOL) is POOL[3]


def test_copies_are_deterministic_with_new_ids() -> None:
    a, b = variant(POOL[3], 2, POOL), variant(POOL[3], 2, POOL)
    assert a == b
    assert a["id"] == "a3~2" and a["id"] != variant(POOL[3], 1, POOL)["id"]


def test_copies_are_not_near_duplicates() -> None:
    params = NearDuplicateParams()
    original = signature(POOL[5]["text"], params)
    first, second = (signature(variant(POOL[5], c, POOL)["text"], params) for c in (1, 2))
    assert similarity(original, first) < params.threshold
    assert similarity(first, second) < params.threshold


def test_archive_cycles_through_the_pool_with_distinct_ids() -> None:
    records = list(archive(POOL, 75))
    assert len({r["id"] for r in records}) == 75
    assert records[0] is POOL[0] and records[30]["id"] == "a0~1" and records[74]["id"] == "a14~2"
