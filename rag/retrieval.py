"""Retrieval: dense (FAISS) and lexical (FTS5 BM25) search fused with RRF, filtered and capped per article."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from index.embedding import Embedder
from index.live import IndexReader
from index.store import Filters
from rag.fusion import rrf
from rag.text import STOPWORDS, words
from rag.types import Passage

Mode = Literal["dense", "lexical", "hybrid"]
CANDIDATES = 50  # per ranker, before fusion and the per-article cap
MAX_TERMS = 32
COMMON = 0.1  # share of chunks above which a query word is left out of lexical search (see below)
MIN_RARE = 2


@dataclass
class SearchResult:
    passages: list[Passage]
    query_vector: np.ndarray | None  # reused by the answerer to score sentences
    timings: dict[str, float] = field(default_factory=dict)  # ms: embed, search
    doc_freq: dict[str, int] = field(default_factory=dict)  # query word -> chunks holding it


def query_words(text: str) -> list[str]:
    """The words of a question that lexical search looks for: no stopwords (unless that leaves none)."""
    found = [w for w in words(text) if w not in STOPWORDS] or words(text)
    return list(dict.fromkeys(w.replace('"', "") for w in found if w))[:MAX_TERMS]


def fts_query(terms: list[str]) -> str | None:
    """An FTS5 MATCH expression OR-ing the terms, each quoted so that no user input is syntax.

    Quotes, AND/OR/NOT/NEAR, `*`, `-`, `:` and parentheses in a question are just text here.
    """
    return " OR ".join(f'"{t}"' for t in terms) or None


def selective_terms(terms: list[str], doc_freq: dict[str, int], n_chunks: int) -> list[str]:
    """Drop words no chunk contains, and words in over COMMON of the chunks while rarer ones remain:
    their BM25 weight is near zero, but ranking every chunk that holds them is most of the cost."""
    present = [t for t in terms if doc_freq.get(t, 0) > 0]
    rare = [t for t in present if doc_freq[t] <= COMMON * n_chunks]
    return rare if len(rare) >= MIN_RARE else present


def search(
    reader: IndexReader,
    embedder: Embedder,
    query: str,
    *,
    k: int = 8,
    mode: Mode = "hybrid",
    filters: Filters | None = None,
    per_article: int = 2,
    rrf_k: int = 60,
    for_answer: bool = True,
) -> SearchResult:
    """The one retrieval function every path (CLI, API, eval) uses.

    `for_answer` also gathers what the answerer needs besides the passages (the query vector, the
    query words' document frequencies); a plain search leaves out what its mode does not use.
    """
    filters = filters or Filters()
    timings: dict[str, float] = {}
    dense: list[tuple[int, float]] = []
    lexical: list[tuple[int, float]] = []
    query_vector = None
    if for_answer or mode != "lexical":
        t = time.perf_counter()
        query_vector = embedder.embed_query(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    if query_vector is not None and mode in ("dense", "hybrid"):
        allowed = np.array(reader.db.chunk_ids_matching(filters), dtype=np.int64) if filters else None
        dense = reader.vectors.search(query_vector, CANDIDATES, allowed)
    terms = query_words(query)
    doc_freq = reader.db.doc_freq(terms) if for_answer or mode != "dense" else {}
    if mode in ("lexical", "hybrid"):
        match = fts_query(selective_terms(terms, doc_freq, reader.manifest.chunks))
        if match:
            lexical = reader.db.lexical(match, CANDIDATES, filters)
    dense_score = dict(dense)
    lexical_score = dict(lexical)
    if mode == "dense":
        fused = dense_score
    elif mode == "lexical":
        fused = lexical_score
    else:
        fused = rrf([[cid for cid, _ in dense], [cid for cid, _ in lexical]], k=rrf_k)
    ranked = sorted(fused, key=lambda cid: -fused[cid])
    chunks = reader.db.chunks(ranked)
    per: dict[str, int] = {}
    chosen = []
    for cid in ranked:
        chunk = chunks.get(cid)
        if chunk is None:
            continue
        if per.get(chunk.article_id, 0) >= per_article:
            continue
        per[chunk.article_id] = per.get(chunk.article_id, 0) + 1
        chosen.append(chunk)
        if len(chosen) >= k:
            break
    articles = reader.db.articles(c.article_id for c in chosen)
    passages = []
    for rank, c in enumerate(chosen, start=1):
        a = articles[c.article_id]
        passages.append(
            Passage(
                chunk_id=c.id,
                article_id=c.article_id,
                ordinal=c.ordinal,
                text=c.text,
                start=c.start,
                end=c.end,
                tokens=c.tokens,
                title=a.title,
                source=a.source,
                date=a.date,
                url=a.url,
                rank=rank,
                fused=fused[c.id],
                dense=dense_score.get(c.id),
                lexical=lexical_score.get(c.id),
            )
        )
    timings["search"] = (time.perf_counter() - t) * 1000
    return SearchResult(passages, query_vector, timings, doc_freq)
