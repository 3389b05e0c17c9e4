"""Is sentence-level dense retrieval worth a third list in the fusion? Article-level Hit@1/5 and MRR@10.

    .venv/bin/python bench/sentence_ranker.py   (after bench/fit_answerer.py has built the dev indexes)

For every answerable question of the squad2 and multihop dev sets: the hybrid ranking as `rag search`
makes it (dense chunks + BM25, RRF), and the same plus a third ranked list — the chunks holding the
top-50 sentences by cosine with the question (each chunk at the rank of its best sentence).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CACHE, SHARED
from index.embedding import DEFAULT_MODEL, load_embedder
from index.live import IndexReader
from index.search_backends import fts_query
from rag.evaluation.metrics import hit_at, mrr_at, ranked_articles
from rag.fusion import rrf
from rag.retrieval import CANDIDATES, query_words, selective_terms

SETS = ("squad2", "multihop")


def sentence_chunks(reader: IndexReader, vector: np.ndarray) -> list[int]:
    """Chunk ids in the order of their best sentence among the top CANDIDATES sentences."""
    hits = reader.sentence_vectors.search(vector, CANDIDATES)
    out: list[int] = []
    for sid, _ in hits:
        row = reader.db.conn.execute(
            "SELECT c.id FROM sentences s JOIN chunks c ON c.article_id = s.article_id "
            'AND c.start <= s.start AND s.start < c."end" WHERE s.id = ? ORDER BY c.ordinal LIMIT 1',
            (sid,),
        ).fetchone()
        if row and row[0] not in out:
            out.append(int(row[0]))
    return out


def main() -> None:
    embedder = load_embedder(DEFAULT_MODEL)
    for name in SETS:
        reader = IndexReader.open(CACHE / f"fit-{name}-{embedder.fingerprint()}", embedder)
        scores: dict[str, list[float]] = {}
        for line in (SHARED / "eval" / name / "questions.jsonl").open():
            q = json.loads(line)
            if not q["answers"]:
                continue
            vector = embedder.embed_query(q["question"])
            dense = [cid for cid, _ in reader.vectors.search(vector, CANDIDATES)]
            terms = query_words(q["question"])
            match = fts_query(selective_terms(terms, reader.db.doc_freq(terms), reader.manifest.chunks))
            lexical = [cid for cid, _ in reader.db.lexical(match, CANDIDATES)] if match else []
            lists = {
                "hybrid": [dense, lexical],
                "hybrid+sentences": [dense, lexical, sentence_chunks(reader, vector)],
            }
            for label, rankings in lists.items():
                fused = rrf(rankings)
                order = sorted(fused, key=lambda c: -fused[c])
                chunks = reader.db.chunks(order)
                ranked = ranked_articles(chunks[c].article_id for c in order if c in chunks)
                for metric, value in (
                    ("hit@1", hit_at(ranked, q["article_ids"], 1)),
                    ("hit@5", hit_at(ranked, q["article_ids"], 5)),
                    ("mrr@10", mrr_at(ranked, q["article_ids"], 10)),
                ):
                    scores.setdefault(f"{label} {metric}", []).append(value or 0.0)
        print(name, ", ".join(f"{k} {np.mean(v):.3f}" for k, v in scores.items()))


if __name__ == "__main__":
    main()
