"""The extractive answerer: the best one to three sentences of the retrieved passages, each cited.

No language model: sentences are scored for how well they answer the question (semantic similarity
with the index's own embedder, coverage of the question's words, the rank of their passage), the
best non-redundant ones are quoted verbatim, and weak evidence means an honest abstention.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.embedding import Embedder
from index.sentences import split_sentences
from rag.answer_types import AnswerType, answer_type, has_answer_type, has_reason_cue
from rag.text import content_terms, words
from rag.types import Citation, Passage

MAX_PASSAGES = 6  # passages whose sentences are considered
SHORTLIST = 4  # sentences embedded per question (the cost of an answer is mostly these)
SCORED_WORDS = 48  # a sentence is embedded for scoring by its first words only: cost grows with length
W_SEM, W_LEX, W_PRIOR = 0.6, 0.3, 0.1
REASON_BONUS = 0.05  # a "why" question's sentence that gives a reason
RELATIVE = 0.85  # a further sentence must score at least this share of the best one
REDUNDANT = 0.6  # word overlap (Jaccard) above which a sentence repeats one already chosen
MIN_WORDS = 4  # shorter "sentences" (headings, datelines) are not answers
TYPED_SHARE = 0.8  # a typed answer must score this share of the best sentence of any type


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
    bonus: float = 0.0
    score: float = 0.0


@dataclass(frozen=True)
class Extract:
    sentences: list[Sentence]  # chosen, most relevant first
    best: Sentence | None  # the best candidate even when nothing was chosen
    wanted: AnswerType


class SentenceVectors:
    """An LRU cache of sentence embeddings keyed by the text embedded: repeated questions about the
    same articles skip the model, and an index update keeps every unchanged sentence cached."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the server answers in a thread pool

    def get(self, embedder: Embedder, sentences: Sequence[Sentence]) -> np.ndarray:
        keys = [_head(s.text) for s in sentences]
        with self._lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
            for k in found:
                self._cache.move_to_end(k)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:  # embedded outside the lock: other questions need not wait for this one
            vecs = embedder.embed_documents([keys[i] for i in missing])
            for i, vec in zip(missing, vecs, strict=True):
                found[keys[i]] = vec
            with self._lock:
                for i in missing:
                    self._cache[keys[i]] = found[keys[i]]
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys])


def _head(text: str) -> str:
    words = text.split(maxsplit=SCORED_WORDS)
    return " ".join(words[:SCORED_WORDS]) if len(words) > SCORED_WORDS else text


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


def _coverage(weights: dict[str, float], sentence: str) -> float:
    """The IDF-weighted share of the question's terms found in the sentence: rare words count most,
    and a word the index has never seen (the question's subject is not covered) weighs heaviest."""
    total = sum(weights.values())
    if not total:
        return 0.0
    terms = set(content_terms(sentence))
    return sum(w for t, w in weights.items() if t in terms) / total


def idf_weights(
    question: str, doc_freq: Callable[[list[str]], dict[str, int]], n_chunks: int
) -> dict[str, float]:
    """term (stemmed) -> smoothed IDF over the index's chunks."""
    first_word: dict[str, str] = {}
    for word in words(question):
        for term in content_terms(word):
            first_word.setdefault(term, word)
    df = doc_freq(list(first_word.values()))
    return {t: math.log((n_chunks + 1) / (df.get(w, 0) + 0.5)) for t, w in first_word.items()}


def score_sentences(
    question: str,
    weights: dict[str, float],
    query_vector: np.ndarray,
    sentences: list[Sentence],
    embedder: Embedder,
    cache: SentenceVectors,
) -> list[Sentence]:
    """Score candidates; returns the shortlist, best first."""
    wanted = answer_type(question)
    for s in sentences:
        s.lex = _coverage(weights, s.text)
        s.prior = 1 / (1 + 0.25 * (s.passage.rank - 1))  # gentle: passages 1..8 -> 1.0..0.36
        s.typed = has_answer_type(s.text, wanted)
        if wanted is AnswerType.REASON and has_reason_cue(s.text):
            s.bonus = REASON_BONUS
    # cheap features pick the shortlist; only the shortlist is embedded
    # the passage's own similarity to the question stands in for the sentence's until it is embedded
    dense = {s.passage.chunk_id: s.passage.dense or 0.0 for s in sentences}
    top = max(dense.values(), default=0.0) or 1.0
    # and a sentence with the wanted kind of answer (a reason for "why") gets ahead
    shortlist = sorted(
        sentences,
        key=lambda s: -(s.lex + 0.5 * s.prior + 0.5 * dense[s.passage.chunk_id] / top + 5 * s.bonus),
    )[:SHORTLIST]
    if shortlist:
        vecs = cache.get(embedder, shortlist)
        sims = vecs @ query_vector.astype(np.float32)
        for s, sim in zip(shortlist, sims, strict=True):
            s.sem = max(0.0, float(sim))
            s.score = W_SEM * s.sem + W_LEX * s.lex + W_PRIOR * s.prior + s.bonus
    return sorted(shortlist, key=lambda s: -s.score)


def _jaccard(a: str, b: str) -> float:
    x, y = set(content_terms(a)), set(content_terms(b))
    return len(x & y) / len(x | y) if x | y else 1.0


def select(
    scored: list[Sentence], question: str, max_sentences: int = 3, pool: Sequence[Sentence] = ()
) -> Extract:
    """The best sentence of the wanted answer type, plus close runners-up that add something new.

    A typed question ("how many", "when", "who") is answered only by a sentence holding that type and
    about as relevant as the most relevant sentence overall (TYPED_SHARE): otherwise the relevant
    sentences do not hold the answer. For "why", the sentences beside the best one that give a
    reason join it, since news prose spreads reasons over consecutive sentences. `pool` is every
    candidate, in passage order.
    """
    wanted = answer_type(question)
    typed = [s for s in scored if s.typed]
    if not typed or typed[0].score < TYPED_SHARE * scored[0].score:
        return Extract([], scored[0] if scored else None, wanted)
    best = typed[0]
    chosen = [best]
    for s in typed[1:]:
        if len(chosen) >= max_sentences or s.score < RELATIVE * best.score:
            break
        if all(_jaccard(s.text, c.text) < REDUNDANT for c in chosen):
            chosen.append(s)
    if wanted is AnswerType.REASON and best in pool:
        i = list(pool).index(best)
        for j in (i - 1, i + 1):
            if len(chosen) >= max_sentences or not 0 <= j < len(pool):
                continue
            near = pool[j]
            if near.passage is best.passage and near not in chosen and has_reason_cue(near.text):
                near.score = near.score or best.score * RELATIVE
                chosen.append(near)
    chosen.sort(key=lambda s: -s.score)  # the most relevant sentence is read first
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
