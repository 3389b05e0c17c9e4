"""Which shingle size, signature length and threshold find syndicated copies and nothing else?

    PYTHONPATH=. .venv/bin/python bench/near_duplicates.py [--stories 150] [--pool 1000] [--json OUT]

A sample with known copies, made from the CC BY 2.5 Wikinews corpus in ../shared/corpus (text by
Wikinews contributors, https://en.wikinews.org; see its NOTICE.md):
- originals: every 2019-2020 article and a fixed sample of the 2004-2018 ones;
- copies: for `--stories` originals, 2-4 syndicated copies each under other outlets, every copy edited
  as outlets edit wire stories: another headline, the last paragraph (or sentences) trimmed, the
  outlet's dateline and boilerplate added, a few words substituted, sometimes a sentence dropped;
- hard negatives: every other pair — among them the originals' nearest neighbours on the same topic
  (Wikinews follow-ups of one event, the migration stories), whose closest exact similarities are
  printed too.
Reported per setting: pairwise precision and recall of the clusters index/near_duplicates.py makes
(LSH candidates, confirmed by estimated Jaccard, connected components), and signatures per second.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED
from index.near_duplicates import Candidates, NearDuplicateParams, components, shingles, signature

OUTLETS = ("Daily Ledger", "Metro Wire", "The Courier", "Evening Post", "Valley Times", "Harbour News")
BOILERPLATE = (
    ("{city} ({outlet}) - ", "\n\nCopyright 2026 {outlet}. All rights reserved."),
    ("", "\n\nShare this article\n\nSign up for the {outlet} newsletter."),
    ("By {outlet} staff and wire reports\n\n", "\n\nRead more from {outlet}."),
    ("{city}, (AP) - ", ""),
)
CITIES = ("LONDON", "NEW YORK", "PARIS", "NAIROBI", "SYDNEY")
SWAPS = {  # wire desks' usual substitutions
    "said": "stated", "told": "informed", "people": "individuals", "killed": "left dead",
    "government": "administration", "police": "officers", "announced": "declared",
    "however": "but", "more than": "over", "about": "around", "president": "leader",
    "also": "additionally", "according to": "citing", "reported": "said", "officials": "authorities",
}  # fmt: skip


def load_pool(size: int, rng: random.Random) -> list[dict[str, Any]]:
    corpus = SHARED / "corpus"
    recent = [json.loads(line) for line in (corpus / "wikinews-2019-2020.jsonl").read_text().splitlines()]
    with gzip.open(corpus / "wikinews-2004-2018.jsonl.gz", "rt") as f:
        older = [json.loads(line) for line in f]
    migration = [json.loads(line) for line in (corpus / "wikinews-migration.jsonl").read_text().splitlines()]
    ids = {r["id"] for r in recent}
    rest = [r for r in older if r["id"] not in ids]
    chosen = recent + [r for r in migration if r["id"] not in ids]  # one topic: hard negatives
    ids |= {r["id"] for r in chosen}
    chosen += rng.sample([r for r in rest if r["id"] not in ids], max(0, size - len(chosen)))
    return [{"id": r["id"], "title": r["title"], "text": r["text"], "story": r["id"]} for r in chosen]


def _sentences(text: str) -> list[str]:
    return [s for s in text.replace("\n\n", "\n").replace(". ", ".\n").split("\n") if s.strip()]


def edit(text: str, outlet: str, rng: random.Random) -> str:
    """A syndicated copy of `text` as another outlet runs it."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    short_last = len(paragraphs) > 2 and len(paragraphs[-1]) < len(text) / 4
    if short_last and rng.random() < 0.7:
        paragraphs = paragraphs[:-1]  # the last paragraph trimmed (not most of a story in two parts)
    body = "\n\n".join(paragraphs)
    sents = _sentences(body)
    if len(sents) > 4 and rng.random() < 0.5:
        sents = sents[: -rng.randint(1, 2)]  # or the last sentences
    if len(sents) > 6 and rng.random() < 0.3:
        del sents[rng.randrange(1, len(sents) - 1)]  # a sentence dropped
    body = " ".join(sents)
    for old in rng.sample(sorted(SWAPS), rng.randint(2, 6)):
        body = body.replace(f" {old} ", f" {SWAPS[old]} ", 1)
    words = body.split(" ")
    for _ in range(rng.randint(1, 4)):  # a few words changed or cut
        i = rng.randrange(len(words))
        words[i] = rng.choice(("", "reportedly", "local", "the"))
    head, tail = rng.choice(BOILERPLATE)
    city = rng.choice(CITIES)
    return (
        head.format(city=city, outlet=outlet) + " ".join(w for w in words if w) + tail.format(outlet=outlet)
    )


def make_sample(stories: int, pool: int, seed: int) -> list[dict[str, Any]]:
    """Originals plus syndicated copies; `story` names the original a copy was made from."""
    rng = random.Random(seed)
    docs = load_pool(pool, rng)
    for original in rng.sample(docs, stories):
        for n, outlet in enumerate(rng.sample(OUTLETS, rng.randint(2, 4))):
            docs.append(
                {
                    "id": f"{original['id']}#copy{n}",
                    "title": f"{outlet}: {original['title'].split(',')[0]}",  # another headline
                    "text": edit(original["text"], outlet, rng),
                    "story": original["story"],
                }
            )
    return docs


def pairs_of(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}  # type: ignore[misc]


def evaluate(docs: list[dict[str, Any]], params: NearDuplicateParams) -> dict[str, Any]:
    t = time.perf_counter()
    sigs = {d["id"]: signature(d["text"], params) for d in docs}
    per_second = len(docs) / (time.perf_counter() - t)
    lsh = Candidates(params, {})
    edges = []
    for d in docs:  # one at a time, as ingest adds them
        edges += [(d["id"], other) for other in lsh.copies_of(sigs[d["id"]])]
        lsh.add(d["id"], sigs[d["id"]])
    found = pairs_of(components([d["id"] for d in docs], edges))
    by_story: dict[str, list[str]] = {}
    for d in docs:
        by_story.setdefault(d["story"], []).append(d["id"])
    truth = pairs_of(list(by_story.values()))
    tp = len(found & truth)
    return {
        **params.as_dict(),
        "precision": round(tp / len(found), 4) if found else 1.0,
        "recall": round(tp / len(truth), 4),
        "false_pairs": sorted(found - truth)[:5],
        "signatures_per_s": round(per_second),
    }


def hardest(docs: list[dict[str, Any]], size: int) -> dict[str, float]:
    """Exact Jaccard of the shingle sets: the least similar copy pair, and the most similar non-copy
    pair among the pairs an LSH at threshold 0.2 proposes (comparing all ~10^6 pairs is too slow)."""
    sets = {d["id"]: shingles(d["text"], size) for d in docs}
    story = {d["id"]: d["story"] for d in docs}
    loose = NearDuplicateParams(size, 128, 0.2)
    lsh = Candidates(loose, {d["id"]: signature(d["text"], loose) for d in docs})
    proposed = {
        tuple(sorted((a, b))) for a in sets for b in lsh.lsh.query(lsh._lean(lsh.signatures[a])) if a != b
    }
    by_story: dict[str, list[str]] = {}
    for d in docs:
        by_story.setdefault(d["story"], []).append(d["id"])

    def jaccard(a: str, b: str) -> float:
        return len(sets[a] & sets[b]) / len(sets[a] | sets[b])

    copies = [jaccard(a, b) for g in by_story.values() for a, b in itertools.combinations(g, 2)]
    others = [jaccard(a, b) for a, b in proposed if story[a] != story[b]]
    return {
        "shingle": size,
        "least_similar_copies": round(min(copies), 3),
        "copies_below_0.5": sum(j < 0.5 for j in copies),
        "copy_pairs": len(copies),
        "most_similar_others": round(max(others, default=0.0), 3),
        "others_above_0.3": sum(j >= 0.3 for j in others),
    }


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=150)
    ap.add_argument("--pool", type=int, default=1000)
    ap.add_argument("--seeds", default="13", help="comma-separated: one sample per seed")
    ap.add_argument("--shingles", default="2,3,5")
    ap.add_argument("--perms", default="64,128,256")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        docs = make_sample(args.stories, args.pool, seed)
        copies = sum("#copy" in d["id"] for d in docs)
        print(f"seed {seed}: {len(docs)} articles ({copies} copies of {args.stories} stories)")
        for size in _floats(args.shingles):
            print(hardest(docs, int(size)))
        grid = itertools.product(_floats(args.shingles), _floats(args.perms), _floats(args.thresholds))
        for size, num_perm, threshold in grid:
            row = {"seed": seed, **evaluate(docs, NearDuplicateParams(int(size), int(num_perm), threshold))}
            rows.append(row)
            print(
                f"shingle {size:.0f} perm {num_perm:3.0f} threshold {threshold:.2f}: "
                f"precision {row['precision']:.4f} recall {row['recall']:.4f} "
                f"({row['signatures_per_s']} signatures/s)"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
