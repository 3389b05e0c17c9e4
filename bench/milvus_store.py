"""What the Milvus store costs on Milvus Lite, and whether its BM25 ranks as SQLite FTS5 does.

    .venv/bin/python bench/milvus_store.py [--chunks 10000] [--queries 50] [--sample 500]

1. Write: --chunks chunks and as many sentences (384-dim random unit vectors, the texts of Wikinews
   paragraphs from ../shared repeated) into a fresh Milvus Lite file: seconds.
2. Query: p50/p95 ms of dense, BM25 and hybrid (RRF) top-50 searches, queries of article title words.
3. Agreement: --sample paragraphs of Wikinews articles; top-10 overlap between Milvus BM25 (our
   lexical_form analysis, title + text) and SQLite FTS5 as index/store.py ranks it (`porter unicode61
   remove_diacritics 2`, bm25 weights text 1.0, title 0.5, the OR query of rag/retrieval.py), for
   --queries queries made of a sample article's title words.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED
from index.milvus_store import MilvusCollections, connect
from index.scripts import search_form
from index.types import Article, Chunk, SentenceRow
from rag.retrieval import fts_query, query_words

CORPUS = SHARED / "corpus" / "wikinews-2019-2020.jsonl"


def paragraphs(limit: int, per_article: int = 12) -> tuple[dict[str, Article], list[Chunk]]:
    """Up to `limit` paragraphs (> 40 characters), at most `per_article` of each shuffled article."""
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    random.Random(1).shuffle(rows)
    articles: dict[str, Article] = {}
    chunks: list[Chunk] = []
    for r in rows:
        a = Article(id=r["id"], title=r["title"], text=r["text"], date=r.get("date"), source=r.get("source"))
        articles[a.id] = a
        start = 0
        for para in a.text.split("\n")[:per_article]:
            s = a.text.index(para, start)
            start = s + len(para)
            if len(para.strip()) > 40 and len(chunks) < limit:
                chunks.append(Chunk(len(chunks), a.id, len(chunks), para, s, s + len(para), 0))
        if len(chunks) >= limit:
            break
    return articles, chunks


def _unit(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def write_and_query(store: MilvusCollections, n: int, queries: list[str]) -> dict[str, float]:
    articles, sample = paragraphs(2000)
    chunks = [
        Chunk(i, c.article_id, i, c.text, c.start, c.end, 0)
        for i, c in enumerate(sample[i % len(sample)] for i in range(n))
    ]
    sentences = [SentenceRow(i, c.article_id, 0, c.start, c.end) for i, c in enumerate(chunks)]
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for i in range(0, n, 1000):
        store.add_chunks(chunks[i : i + 1000], articles, _unit(rng, len(chunks[i : i + 1000])))
        store.add_sentences(sentences[i : i + 1000], articles, _unit(rng, len(sentences[i : i + 1000])))
    store.flush()
    out = {"write_s": time.perf_counter() - t, "chunks": store.count("chunks")}
    qv = _unit(rng, len(queries))
    for name, run in (
        ("dense", lambda i, q: store.dense("chunks", qv[i], 50)),
        ("dense_grouped", lambda i, q: store.dense("chunks", qv[i], 50, group_size=2)),
        ("lexical", lambda i, q: store.lexical(q, 50)),
        ("hybrid", lambda i, q: store.hybrid(qv[i], q, 50)),
    ):
        ms = []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            run(i, q)
            ms.append(1000 * (time.perf_counter() - t))
        out[f"{name}_p50_ms"] = statistics.median(ms)
        out[f"{name}_p95_ms"] = sorted(ms)[int(0.95 * len(ms)) - 1]
    return out


def agreement(store: MilvusCollections, sample: int, n_queries: int) -> dict[str, float]:
    articles, chunks = paragraphs(sample)
    rng = np.random.default_rng(1)
    store.add_chunks(chunks, articles, _unit(rng, len(chunks)))
    store.flush()
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE f USING fts5(text, title, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO f (rowid, text, title) VALUES (?,?,?)",
        [(c.id, search_form(c.text), search_form(articles[c.article_id].title)) for c in chunks],
    )
    titles = list(dict.fromkeys(articles[c.article_id].title for c in chunks))[:n_queries]
    overlaps, top1 = [], []
    for title in titles:
        words = query_words(title)
        sql = "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 1.0, 0.5) LIMIT 10"
        fts = [r[0] for r in db.execute(sql, (fts_query(words),))]
        milvus = [i for i, _ in store.lexical(" ".join(words), 10)]
        overlaps.append(len(set(fts) & set(milvus)) / max(1, len(fts)))
        top1.append(float(bool(fts and milvus and fts[0] == milvus[0])))
    return {"chunks": len(chunks), "queries": len(titles), "top10_overlap": statistics.mean(overlaps),
            "top1_same": statistics.mean(top1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--sample", type=int, default=500)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found: this benchmark needs the shared corpus beside the checkout")
    with tempfile.TemporaryDirectory() as tmp:
        client = connect(str(Path(tmp) / "bench.db"))
        agree = agreement(
            MilvusCollections.create(client, "agree", "gen-000001", 384), args.sample, args.queries
        )
        print(json.dumps({"bm25_vs_fts5": agree}), flush=True)
        articles, chunks = paragraphs(2000)
        queries = [" ".join(query_words(articles[c.article_id].title)) for c in chunks[: args.queries]]
        big = MilvusCollections.create(client, "big", "gen-000001", 384)
        print(json.dumps({"lite": write_and_query(big, args.chunks, queries)}, indent=1))


if __name__ == "__main__":
    main()
