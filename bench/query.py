"""Query latency: p50/p95 of `search` and `ask`, warm, one client, on a real index.

    .venv/bin/python bench/query.py --corpus 2019          # wikinews 2019-2020 (293 articles)
    .venv/bin/python bench/query.py --corpus 2004 --copies 3   # 2004-2018 corpus ×3 ≈ 48k chunks
    (--model all-MiniLM-L6-v2@torch for another runtime; each model has its own cached index)

Indexes are built once with the real model and cached in bench/.cache (outside git). For the large
index each article is stored `--copies` times under suffixed ids; identical texts are embedded once
(an embedding cache keyed by text), so the vectors are real and the build takes one pass of the model.
Queries are the titles of sampled articles rephrased as questions, so every query has real matches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CACHE, MODEL_HELP, SHARED, index_recipe, machine
from index import ingest
from index.annotate import Annotation, Annotator, load_annotator
from index.embedding import DEFAULT_MODEL, Embedder, load_embedder
from index.generations import current_name
from index.sources import read_paths
from rag.service import Assistant
from rag.settings import Settings

CORPORA = {
    "2019": SHARED / "corpus" / "wikinews-2019-2020.jsonl",
    "2004": SHARED / "corpus" / "wikinews-2004-2018.jsonl.gz",
}


class CachedEmbedder:
    """Embeds each distinct text once (per process); used to build replicated indexes cheaply."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self._memo: dict[bytes, np.ndarray] = {}

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        todo = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self._memo}.items())
        if todo:
            vecs = self.inner.embed_documents([t for _, t in todo])
            self._memo.update({k: v for (k, _), v in zip(todo, vecs, strict=True)})
        return np.stack([self._memo[k] for k in keys]) if keys else self.inner.embed_documents([])


class CachedAnnotator:
    """Runs the NER pipeline once per distinct text; replicated articles share their spans."""

    def __init__(self, inner: Annotator) -> None:
        self.inner, self.name = inner, inner.name
        self._memo: dict[bytes, list[Annotation]] = {}

    def annotate(self, texts: Iterable[str]) -> Iterator[list[Annotation]]:
        texts = list(texts)
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._memo}
        self._memo.update(zip(todo, self.inner.annotate(todo.values()), strict=True))
        return (self._memo[k] for k in keys)


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="2019")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--model", default=DEFAULT_MODEL, help=MODEL_HELP)
    args = parser.parse_args()
    embedder = CachedEmbedder(load_embedder(args.model))
    # the index format in the name: a cache written by an older newsrag is rebuilt, not opened (and refused)
    index_dir = CACHE / f"query-{args.corpus}-x{args.copies}-{index_recipe(embedder.fingerprint())}"
    articles = read_paths([CORPORA[args.corpus]]).articles
    if current_name(index_dir) is None:
        copies = [
            replace(a, id=f"{a.id}#{i}", content_hash="") if i else a
            for a in articles
            for i in range(args.copies)
        ]
        t = time.perf_counter()
        annotator = CachedAnnotator(load_annotator("spacy"))
        ingest.add_articles(index_dir, copies, embedder, annotator=annotator)  # into an empty index
        print(f"built {index_dir} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    assistant = Assistant(Settings(index_dir=index_dir), embedder)
    reader = assistant.reader()
    rng = random.Random(7)
    questions = [f"What happened: {a.title}?" for a in rng.sample(articles, min(args.queries, len(articles)))]
    for q in questions[:5]:  # warm up: model, FTS pages, caches
        assistant.ask(q)
    search_ms, ask_ms, stage = [], [], {"embed": [], "search": [], "answer": []}
    for q in questions:
        t = time.perf_counter()
        assistant.search(q)
        search_ms.append((time.perf_counter() - t) * 1000)
    for q in reversed(questions):  # other order than search, so the sentence cache is cold per question
        t = time.perf_counter()
        answer = assistant.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
        for key in stage:
            stage[key].append(answer.timings.get(key, 0.0))
    result = {
        "index": str(index_dir),
        "model": embedder.name,
        "articles": reader.manifest.articles,
        "chunks": reader.manifest.chunks,
        "queries": len(questions),
        "search_ms": {"p50": round(percentile(search_ms, 50), 1), "p95": round(percentile(search_ms, 95), 1)},
        "ask_ms": {"p50": round(percentile(ask_ms, 50), 1), "p95": round(percentile(ask_ms, 95), 1)},
        "ask_stage_p50_ms": {k: round(statistics.median(v), 1) for k, v in stage.items()},
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
