"""Real-text corpora of any size for bench/scale.py, made from the Wikinews articles in ../shared.

The corpus holds ~5.8k articles (~2.9 chunks each). A bigger archive reuses them: copy c (c ≥ 1) of an
article gets a new id and a text of its own — a random half of its sentences (seeded by id and copy)
mixed with a random half of another article's, shuffled, plus one sentence naming the copy — so that a
copy is no near-duplicate of its original or of the other copies (estimated Jaccard of the 3-word
shingles well under the 0.5 threshold of index/near_duplicates.py; `copy_similarity` measures it).
Exact copies would form clusters of dozens of "syndicated" articles, which no news archive has.

Files are written under bench/.cache/scale (gitignored): the Wikinews text is CC BY 2.5 (see
../shared/corpus/NOTICE.md) and is never copied into the project's tree.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import SHARED

CORPUS = SHARED / "corpus"
FILES = ("wikinews-2019-2020.jsonl", "wikinews-2004-2018.jsonl.gz")  # migration.jsonl is a subset
CHUNKS_PER_ARTICLE = 3.3  # measured: the first 1,748 pool articles gave 5,766 chunks (default chunking)
HELD_OUT = 100  # articles kept out of every base index: the ones the benchmark adds
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“(])")

Record = dict[str, Any]


def _records() -> list[Record]:
    out: dict[str, Record] = {}
    for name in FILES:
        path = CORPUS / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                out.setdefault(rec["id"], rec)
    return list(out.values())


def split(records: list[Record]) -> tuple[list[Record], list[Record]]:
    """(pool, held_out): `HELD_OUT` articles of 450–800 words, picked by a hash of their id, are kept
    for the benchmark's additions; the rest make the base indexes."""
    ranked = sorted(records, key=lambda r: zlib.crc32(r["id"].encode()))
    held = [r for r in ranked if 450 <= len(r["text"].split()) <= 800][:HELD_OUT]
    held_ids = {r["id"] for r in held}
    return [r for r in records if r["id"] not in held_ids], held


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]


def variant(rec: Record, copy: int, pool: list[Record]) -> Record:
    """Copy `copy` of `rec` (0: the article itself): a new id and a text mixing a random half of its
    sentences with a random half of another article's. Deterministic."""
    if copy == 0:
        return rec
    rng = random.Random(f"{rec['id']}/{copy}")
    own = sentences(rec["text"])
    other = sentences(pool[rng.randrange(len(pool))]["text"])
    kept = rng.sample(own, len(own) // 2) + rng.sample(other, (len(other) + 1) // 2)
    rng.shuffle(kept)
    kept.append(f"This is copy {copy} of the report in the archive.")
    paragraphs = [" ".join(kept[i : i + 4]) for i in range(0, len(kept), 4)]
    return {
        **rec,
        "id": f"{rec['id']}~{copy}",
        "title": f"{rec['title']} ({copy})",
        "text": "\n\n".join(paragraphs),
    }


def archive(pool: list[Record], articles: int) -> Iterator[Record]:
    """`articles` records: the pool in order, then copy 1 of each, copy 2, …"""
    for i in range(articles):
        yield variant(pool[i % len(pool)], i // len(pool), pool)


def corpus_files(cache: Path, chunks: int) -> tuple[Path, Path, int]:
    """(base JSONL of about `chunks` chunks, held-out JSONL, articles in the base); written once."""
    cache.mkdir(parents=True, exist_ok=True)
    articles = max(1, round(chunks / CHUNKS_PER_ARTICLE))
    base, held_path = cache / f"corpus-{chunks}.jsonl", cache / "held-out.jsonl"
    if not base.exists() or not held_path.exists():
        pool, held = split(_records())
        tmp = base.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for rec in archive(pool, articles):
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        tmp.replace(base)
        held_path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in held), encoding="utf-8"
        )
    return base, held_path, articles


def copy_similarity(sample: int = 200) -> dict[str, float]:
    """Estimated Jaccard (MinHash, the index's own parameters) of copy 1 with its original and with
    copy 2, over `sample` articles: median and max. Copies count as near-duplicates at ≥ 0.5."""
    from index.near_duplicates import NearDuplicateParams, signature, similarity

    params = NearDuplicateParams()
    pool, _ = split(_records())
    with_original, between = [], []
    for rec in random.Random(0).sample(pool, sample):
        a, b, c = (signature(variant(rec, k, pool)["text"], params) for k in (0, 1, 2))
        with_original.append(similarity(a, b))
        between.append(similarity(b, c))
    with_original.sort()
    between.sort()
    return {
        "copy_vs_original_median": with_original[sample // 2],
        "copy_vs_original_max": with_original[-1],
        "copy_vs_copy_median": between[sample // 2],
        "copy_vs_copy_max": between[-1],
        "share_at_or_over_threshold": sum(x >= params.threshold for x in with_original + between)
        / (2 * sample),
    }
