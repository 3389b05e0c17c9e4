"""Answering a question: retrieve, extract, cite — or abstain with a machine-readable reason."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from index.embedding import Embedder
from index.live import IndexReader
from index.store import Filters
from rag.answer_types import answer_type
from rag.candidates import Question, features, gather, idf_weights
from rag.extractive import cite, select
from rag.reasons import Reason
from rag.registry import MODES
from rag.retrieval import Mode, SearchResult, search
from rag.scorer import Scorer, default_scorer
from rag.settings import AnswerSettings, RetrievalSettings
from rag.syndication import prefer_distinct_outlets
from rag.text import content_terms
from rag.types import Answer, Passage

BORROWED = 0.3  # weight of words a follow-up borrowed from earlier turns, relative to its own

ABSTAIN_TEXT = {
    Reason.NO_PASSAGES: "The articles don't say: nothing in the index matches this question.",
    Reason.WEAK_EVIDENCE: "The articles don't say: the closest passages do not answer this question.",
    Reason.ANSWER_TYPE_MISSING: "The articles don't say: no passage holds the kind of answer asked for.",
    Reason.EMPTY_QUESTION: "Please ask a question.",
}
_RETRIEVAL, _ANSWER = RetrievalSettings(), AnswerSettings()  # the one set of defaults: rag/settings.py


@dataclass(frozen=True)
class AskOptions:
    k: int = _RETRIEVAL.k
    mode: Mode = _RETRIEVAL.mode
    per_article: int = _RETRIEVAL.per_article
    rrf_k: int = _RETRIEVAL.rrf_k
    max_sentences: int = _ANSWER.max_sentences
    abstain_threshold: float | None = _ANSWER.abstain_threshold  # None: the fitted scorer's (rag/scorer.py)
    filters: Filters = field(default_factory=Filters)


def abstention(
    reason: Reason,
    timings: dict[str, float],
    query: str,
    confidence: float = 0.0,
    passages: list[Passage] | None = None,
) -> Answer:
    return Answer(
        text=ABSTAIN_TEXT[reason],
        citations=[],
        abstained=True,
        reason=reason,
        as_of=None,
        timings=timings,
        query=query,
        confidence=confidence,
        passages=passages or [],
    )


def ask(
    reader: IndexReader,
    embedder: Embedder,
    question: str,
    options: AskOptions | None = None,
    focus: str | None = None,
    scorer: Scorer | None = None,
) -> Answer:
    """The one answering function behind `rag ask`, `/chat`, the OpenAI endpoint and `rag eval`.

    `focus` is the user's own words when `question` is a follow-up completed with earlier turns:
    the answer type comes from it, and the borrowed words count less in sentence scoring.
    """
    o = options or AskOptions()
    t0 = time.perf_counter()
    question = question.strip()
    if not question:
        return abstention(Reason.EMPTY_QUESTION, {"total": 0.0}, question)
    found = search(
        reader, embedder, question, k=o.k, mode=o.mode, filters=o.filters, per_article=o.per_article,
        rrf_k=o.rrf_k,
    )  # fmt: skip
    timings = dict(found.timings)
    if not found.passages or found.query_vector is None:
        timings["total"] = (time.perf_counter() - t0) * 1000
        return abstention(Reason.NO_PASSAGES, timings, question)
    t = time.perf_counter()
    scorer = scorer or default_scorer()
    q = _question(reader, embedder, question, focus, found, frozenset(MODES[o.mode].rankers))
    pool = gather(reader, found.passages)
    features(pool, q)
    scorer.score(pool)
    threshold = o.abstain_threshold if o.abstain_threshold is not None else scorer.threshold
    extract = select(pool, q, replace(scorer, threshold=threshold), o.max_sentences)
    timings["answer"] = (time.perf_counter() - t) * 1000
    timings["total"] = (time.perf_counter() - t0) * 1000
    best = extract.best
    confidence = round(best.prob, 4) if best else 0.0
    if not extract.chosen:
        missing = best is not None and best.x.get("type_missing")
        reason = Reason.ANSWER_TYPE_MISSING if missing else Reason.WEAK_EVIDENCE
        return abstention(reason, timings, question, confidence, passages=found.passages)
    text, citations = cite(prefer_distinct_outlets(reader, extract.chosen))
    dates = [c.date for c in citations if c.date]
    return Answer(
        text=text,
        citations=citations,
        abstained=False,
        reason=None,
        as_of=max(dates) if dates else None,
        timings=timings,
        query=question,
        passages=found.passages,
        confidence=confidence,
        short=extract.short,
    )


def _question(
    reader: IndexReader,
    embedder: Embedder,
    question: str,
    focus: str | None,
    found: SearchResult,
    rankers: frozenset[str] = Question.rankers,
) -> Question:
    """The question as the features see it: its answer type, IDF weights and vector. For a follow-up,
    the user's own words decide what the answer must cover; borrowed ones count only when it has none."""

    def doc_freq(ws: list[str]) -> dict[str, int]:  # search counted most of them already
        missing = [w for w in ws if w not in found.doc_freq]
        return {**found.doc_freq, **reader.db.doc_freq(missing)}

    weights = idf_weights(question, doc_freq, reader.manifest.chunks)
    vector = found.query_vector
    assert vector is not None
    if focus:
        own = set(content_terms(focus))
        borrowed = BORROWED if not own else 0.0
        weights = {t: w if t in own else borrowed * w for t, w in weights.items()}
        blend = embedder.embed_query(focus) + BORROWED * vector
        vector = blend / float(np.linalg.norm(blend) or 1.0)
    return Question(focus or question, answer_type(focus or question), weights, vector, rankers)
