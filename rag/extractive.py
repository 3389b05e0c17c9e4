"""The extractive answerer: the best one to three sentences of the retrieved passages, each cited.

No language model: sentences are scored for how well they answer the question (semantic similarity
with the index's own embedder, coverage of the question's words, the rank of their passage), the
best non-redundant ones are quoted verbatim, and weak evidence means an honest abstention.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedding import Embedder
from index.sentences import split_sentences
from rag.answer_types import AnswerType, answer_type, has_answer_type
from rag.text import content_terms
from rag.types import Citation, Passage

MAX_PASSAGES = 6  # passages whose sentences are considered
SHORTLIST = 12  # sentences embedded per question (the cost of a query is mostly these)
W_SEM, W_LEX, W_PRIOR = 0.6, 0.3, 0.1
RELATIVE = 0.85  # a further sentence must score at least this share of the best one
REDUNDANT = 0.6  # word overlap (Jaccard) above which a sentence repeats one already chosen
MIN_WORDS = 4  # shorter "sentences" (headings, datelines) are not answers


@dataclass
class Sentence:
    passage: Passage
    start: int  # offsets into the article's text
    end: int
    text: str
    lex: float = 0.0
    sem: float = 0.0
    prior: float = 0.0
    typed: bool = True
    score: float = 0.0


@dataclass(frozen=True)
class Extract:
    sentences: list[Sentence]  # chosen, in reading order
    best: Sentence | None  # the best candidate even when nothing was chosen
    wanted: AnswerType


class SentenceVectors:
    """An LRU cache of sentence embeddings keyed by (generation, article, span): repeated questions
    about the same articles skip the model."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._cache: OrderedDict[tuple[str, str, int, int], np.ndarray] = OrderedDict()

    def get(self, embedder: Embedder, generation: str, sentences: Sequence[Sentence]) -> np.ndarray:
        keys = [(generation, s.passage.article_id, s.start, s.end) for s in sentences]
        missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            vecs = embedder.embed_documents([sentences[i].text for i in missing])
            for i, vec in zip(missing, vecs, strict=True):
                self._cache[keys[i]] = vec
        out = []
        for k in keys:
            self._cache.move_to_end(k)
            out.append(self._cache[k])
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, 0), dtype=np.float32)


def candidates(passages: Sequence[Passage]) -> list[Sentence]:
    """The sentences of the top passages with offsets into their articles, each span once."""
    seen: set[tuple[str, int]] = set()
    out = []
    for p in passages[:MAX_PASSAGES]:
        for span in split_sentences(p.text):
            start, end = p.start + span.start, p.start + span.end
            text = p.text[span.start : span.end]
            if (p.article_id, start) in seen or len(text.split()) < MIN_WORDS:
                continue
            seen.add((p.article_id, start))
            out.append(Sentence(p, start, end, text))
    return out


def _coverage(question_terms: list[str], sentence: str) -> float:
    if not question_terms:
        return 0.0
    terms = set(content_terms(sentence))
    return sum(t in terms for t in question_terms) / len(question_terms)


def score_sentences(
    question: str,
    query_vector: np.ndarray,
    sentences: list[Sentence],
    embedder: Embedder,
    generation: str,
    cache: SentenceVectors,
) -> list[Sentence]:
    """Score candidates; returns the shortlist, best first."""
    q_terms = content_terms(question)
    wanted = answer_type(question)
    top_rank = min((s.passage.rank for s in sentences), default=1)
    for s in sentences:
        s.lex = _coverage(q_terms, s.text)
        s.prior = top_rank / s.passage.rank
        s.typed = has_answer_type(s.text, wanted)
    # cheap features pick the shortlist; only the shortlist is embedded
    shortlist = sorted(sentences, key=lambda s: -(s.lex + 0.5 * s.prior))[:SHORTLIST]
    if shortlist:
        vecs = cache.get(embedder, generation, shortlist)
        sims = vecs @ query_vector.astype(np.float32)
        for s, sim in zip(shortlist, sims, strict=True):
            s.sem = max(0.0, float(sim))
            s.score = W_SEM * s.sem + W_LEX * s.lex + W_PRIOR * s.prior
    return sorted(shortlist, key=lambda s: -s.score)


def _jaccard(a: str, b: str) -> float:
    x, y = set(content_terms(a)), set(content_terms(b))
    return len(x & y) / len(x | y) if x | y else 1.0


def select(scored: list[Sentence], question: str, max_sentences: int = 3) -> Extract:
    """The best sentence of the wanted answer type, plus close runners-up that add something new."""
    wanted = answer_type(question)
    typed = [s for s in scored if s.typed]
    if not typed:
        return Extract([], scored[0] if scored else None, wanted)
    best = typed[0]
    chosen = [best]
    for s in typed[1:]:
        if len(chosen) >= max_sentences or s.score < RELATIVE * best.score:
            break
        if all(_jaccard(s.text, c.text) < REDUNDANT for c in chosen):
            chosen.append(s)
    chosen.sort(key=lambda s: (s.passage.rank, s.start))
    return Extract(chosen, best, wanted)


def cite(chosen: Sequence[Sentence]) -> tuple[str, list[Citation]]:
    """The answer text, every sentence ending with its [n], and the citations behind the markers."""
    parts = []
    citations = []
    for n, s in enumerate(chosen, start=1):
        p = s.passage
        citations.append(
            Citation(
                n=n,
                article_id=p.article_id,
                title=p.title,
                source=p.source,
                date=p.date,
                url=p.url,
                quote=s.text,
                start=s.start,
                end=s.end,
                score=round(s.score, 4),
            )
        )
        parts.append(f"{s.text} [{n}]")
    return " ".join(parts), citations
