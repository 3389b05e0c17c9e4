"""Retrieval: dense (FAISS) and lexical (FTS5 BM25) search fused with RRF, filtered and capped per article."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from index.embedding import Embedder
from index.live import IndexReader
from index.search_backends import fts_query
from index.store import Filters
from index.types import Chunk
from rag.fusion import reciprocal_rank, rrf
from rag.registry import MODES, ModeName, Ranker
from rag.text import STOPWORDS, cjk_bigrams, words
from rag.types import Passage, ReportedBy

Mode = ModeName  # a key of rag.registry.MODES
CANDIDATES = 50  # per ranker, before fusion and the per-article cap
MAX_TERMS = 32
COMMON = 0.1  # share of chunks above which a query word is left out of lexical search (see below)
MIN_RARE = 2
# weight of the newest-first list fused in for "latest"/"currently" questions (relevance's list: 1)
RECENCY_WEIGHT = 0.5
MAX_REPORTS = 20  # "also reported by" entries listed per result (all are counted)


@dataclass
class SearchResult:
    passages: list[Passage]
    query_vector: np.ndarray | None  # reused by the answerer to score sentences
    timings: dict[str, float] = field(default_factory=dict)  # ms: embed, search
    doc_freq: dict[str, int] = field(default_factory=dict)  # query word -> chunks holding it


def query_words(text: str) -> list[str]:
    """The words of a question that lexical search looks for: no stopwords (unless that leaves none);
    for Chinese and Japanese, the pairs of adjacent characters first (phrases: "新桥"), then the
    characters (rag/text.py)."""
    found = [w for w in words(text) if w not in STOPWORDS] or words(text)
    return list(dict.fromkeys(w.replace('"', "") for w in [*cjk_bigrams(text), *found] if w))[:MAX_TERMS]


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
    recency: bool = False,
    collapse: bool = True,
) -> SearchResult:
    """The one retrieval function every path (CLI, API, eval) uses; `mode` names an entry of
    `rag.registry.MODES` (which rankers run, how they are fused).

    `for_answer` also gathers what the answerer needs besides the passages (the query vector, the
    query words' document frequencies); a plain search leaves out what its mode does not use.
    `recency` ("what is the latest on …"): the fused ranking is fused again (RRF, weight
    RECENCY_WEIGHT) with the same candidates ordered newest first, undated last.
    `collapse` shows a cluster of near-duplicate articles (syndicated copies) as its best-ranked
    member, which lists the others in `also_reported_by`.
    """
    spec = MODES[mode]
    filters = filters or Filters()
    if filters.as_of and (reader.db.newest_date() or "") <= filters.as_of[:10]:
        filters = replace(filters, as_of=None)  # no article is dated after it: no filter to pay for
    timings: dict[str, float] = {}
    query_vector = None
    if for_answer or {"dense", "sentences"} & set(spec.rankers):
        t = time.perf_counter()
        query_vector = embedder.embed_query(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    terms = query_words(query)
    doc_freq = reader.db.doc_freq(terms) if for_answer or "lexical" in spec.rankers else {}
    if (
        reader.search.native_hybrid
        and spec.fuse is reciprocal_rank
        and {"dense", "lexical"} <= set(spec.rankers)
    ):
        ranked, fused = _natively_fused(reader, spec.rankers, query_vector, terms, doc_freq, filters, rrf_k)
    else:
        ranked = {
            ranker: _rank(ranker, reader, query_vector, terms, doc_freq, filters) for ranker in spec.rankers
        }
        fused = spec.fuse(list(ranked.values()), rrf_k)
    if recency:
        fused = _newest_first(reader, fused, rrf_k)
    chosen, clusters = _capped(reader, sorted(fused, key=lambda cid: -fused[cid]), k, per_article, collapse)
    scores = {ranker: dict(ranking) for ranker, ranking in ranked.items()}
    if "dense" not in ranked and "dense" in spec.rankers:  # fused inside the store: per-ranker scores
        scores.update(_scores_of(reader, chosen, query_vector, _lexical_terms(reader, terms, doc_freq)))
    passages = _with_reports(reader, _passages(reader, chosen, fused, scores), clusters, filters)
    timings["search"] = (time.perf_counter() - t) * 1000
    return SearchResult(passages, query_vector, timings, doc_freq)


def _lexical_terms(reader: IndexReader, terms: list[str], doc_freq: dict[str, int]) -> list[str]:
    return selective_terms(terms, doc_freq, reader.manifest.chunks)


def _rank(
    ranker: Ranker,
    reader: IndexReader,
    query_vector: np.ndarray | None,
    terms: list[str],
    doc_freq: dict[str, int],
    filters: Filters,
) -> list[tuple[int, float]]:
    """One ranker's (chunk id, score) list, best first, at most CANDIDATES long."""
    if ranker == "dense":
        assert query_vector is not None
        return reader.search.dense(query_vector, CANDIDATES, filters)
    if ranker == "sentences":
        return _by_sentence(reader, query_vector, filters)
    return reader.search.lexical(_lexical_terms(reader, terms, doc_freq), CANDIDATES, filters)


def _natively_fused(
    reader: IndexReader,
    rankers: tuple[Ranker, ...],
    query_vector: np.ndarray | None,
    terms: list[str],
    doc_freq: dict[str, int],
    filters: Filters,
    rrf_k: int,
) -> tuple[dict[Ranker, list[tuple[int, float]]], dict[int, float]]:
    """RRF of the rankers with the dense and BM25 pair fused inside the store (Milvus hybrid_search with
    RRFRanker(rrf_k)): RRF is a sum over lists, so adding the other lists' 1/(rrf_k + rank) to the
    store's fused scores gives the same fusion as fusing all lists here."""
    assert query_vector is not None
    pair = reader.search.hybrid(
        query_vector, _lexical_terms(reader, terms, doc_freq), CANDIDATES, filters, rrf_k
    )
    others = {
        r: _rank(r, reader, query_vector, terms, doc_freq, filters)
        for r in rankers
        if r not in ("dense", "lexical")
    }
    fused = dict(pair)
    for cid, score in reciprocal_rank(list(others.values()), rrf_k).items():
        fused[cid] = fused.get(cid, 0.0) + score
    return others, fused


def _scores_of(
    reader: IndexReader, chosen: list[Chunk], query_vector: np.ndarray | None, terms: list[str]
) -> dict[Ranker, dict[int, float]]:
    """The dense (cosine) and BM25 scores of the chosen chunks, when the store fused the two lists
    itself and returned only the fused score: the answerer weighs a passage by them."""
    ids = [c.id for c in chosen]
    if not ids or query_vector is None:
        return {}
    dense = reader.search.chunk_vectors(ids) @ query_vector.reshape(-1).astype(np.float32)
    match = fts_query(terms)
    return {
        "dense": {cid: float(score) for cid, score in zip(ids, dense, strict=True)},
        "lexical": reader.db.lexical_scores(match, ids) if match else {},
    }


def _by_sentence(
    reader: IndexReader, query_vector: np.ndarray | None, filters: Filters
) -> list[tuple[int, float]]:
    """Chunks ranked by their best sentence's cosine with the query, over the top CANDIDATES sentences.
    A question often matches one sentence closely while the chunk around it is about more: measured on
    the dev sets, this third list lifts article hit@1 (bench/sentence_ranker.py, README "Retrieval")."""
    assert query_vector is not None
    hits = reader.search.sentences(query_vector, CANDIDATES, filters)
    flagged = reader.db.flagged_ids([sid for sid, _ in hits])  # addresses the assistant: no evidence
    hits = [(sid, score) for sid, score in hits if sid not in flagged]
    chunk_of = reader.db.chunks_holding([sid for sid, _ in hits])
    best: dict[int, float] = {}
    for sid, score in hits:
        cid = chunk_of.get(sid)
        if cid is not None and cid not in best:
            best[cid] = score
    return list(best.items())


def _newest_first(reader: IndexReader, fused: dict[int, float], rrf_k: int) -> dict[int, float]:
    """`fused` re-fused with a newest-first ordering of the same chunks (a recency preference that
    only reorders what relevance found: it never brings in a chunk no ranker returned)."""
    order = sorted(fused, key=lambda cid: -fused[cid])
    chunks = reader.db.chunks(order)
    dates = {a.id: a.date or "" for a in reader.db.articles(c.article_id for c in chunks.values()).values()}
    day = {cid: dates.get(chunks[cid].article_id, "")[:10] if cid in chunks else "" for cid in order}
    newest = sorted(order, key=lambda cid: day[cid], reverse=True)  # stable: relevance breaks ties
    return rrf([order, newest], rrf_k, weights=[1.0, RECENCY_WEIGHT])


def _capped(
    reader: IndexReader, ranked: list[int], k: int, per_article: int, collapse: bool = True
) -> tuple[list[Chunk], dict[str, str]]:
    """The first `k` chunks of `ranked`, at most `per_article` from any one article and, when
    collapsing, from one article of each near-duplicate cluster (the best ranked); with the chosen
    articles' clusters (article id -> cluster id)."""
    chunks = reader.db.chunks(ranked)
    cluster_of = reader.db.clusters_of(c.article_id for c in chunks.values()) if collapse else {}
    shown: dict[str, str] = {}  # cluster -> the article standing for it
    per: dict[str, int] = {}
    chosen: list[Chunk] = []
    for cid in ranked:
        chunk = chunks.get(cid)
        if chunk is None or per.get(chunk.article_id, 0) >= per_article:
            continue
        cluster = cluster_of.get(chunk.article_id, chunk.article_id)
        if shown.setdefault(cluster, chunk.article_id) != chunk.article_id:
            continue  # a copy of an article already shown
        per[chunk.article_id] = per.get(chunk.article_id, 0) + 1
        chosen.append(chunk)
        if len(chosen) >= k:
            break
    return chosen, ({article: cluster for cluster, article in shown.items()} if collapse else {})


def _with_reports(
    reader: IndexReader, passages: list[Passage], clusters: dict[str, str], filters: Filters
) -> list[Passage]:
    """Each passage with the other members of its article's cluster that `filters` allow as
    `also_reported_by`."""
    members = reader.db.cluster_members(set(clusters.values()), filters) if clusters else {}
    out = []
    for p in passages:
        others = [
            ReportedBy(source, aid, date, url)
            for aid, source, date, url in members.get(clusters.get(p.article_id, ""), [])
            if aid != p.article_id
        ]
        out.append(
            replace(p, also_reported_by=tuple(others[:MAX_REPORTS]), copies=len(others)) if others else p
        )
    return out


def _passages(
    reader: IndexReader,
    chosen: list[Chunk],
    fused: dict[int, float],
    scores: dict[Ranker, dict[int, float]],
) -> list[Passage]:
    articles = reader.db.articles(c.article_id for c in chosen)
    flagged = reader.db.flagged_in(articles)
    dense, lexical = scores.get("dense", {}), scores.get("lexical", {})
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
                dense=dense.get(c.id),
                lexical=lexical.get(c.id),
                withheld=tuple((s, e) for s, e in flagged.get(c.article_id, ()) if s < c.end and c.start < e),
            )
        )
    return passages
