"""Answering a question: retrieve, extract, cite — or abstain with a machine-readable reason."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from index.embedding import Embedder
from index.live import IndexReader
from index.store import Filters
from rag.answer_types import answer_type
from rag.candidates import Question, features, gather, idf_weights
from rag.conflicts import SLOTS, cite_reports
from rag.extractive import Extract, cite, select
from rag.reasons import Reason
from rag.registry import MODES
from rag.retrieval import Mode, SearchResult, search
from rag.scorer import Scorer, default_scorer
from rag.settings import AnswerSettings, RetrievalSettings
from rag.syndication import prefer_distinct_outlets
from rag.text import content_terms
from rag.timeframe import TimeWindow, infer_window, resolve_as_of, time_note
from rag.types import Answer, Passage, Report

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
    as_of: str | None = None  # ISO date, or "newest": nothing dated after it is evidence (None: today)


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
    the answer type and the time words come from it, and the borrowed words count less in sentence
    scoring. Time (rag/timeframe.py): articles dated after `options.as_of` are never evidence; a date
    window the question implies ("this week", "in March 2019") restricts retrieval, and when nothing
    in it answers, the answer comes from outside it with a `note` saying so.
    """
    o = options or AskOptions()
    question = question.strip()
    if not question:
        return abstention(Reason.EMPTY_QUESTION, {"total": 0.0}, question)
    as_of = o.as_of or date.today().isoformat()
    if as_of == "newest":  # the newest article's date, in the generation this question reads
        as_of = resolve_as_of("newest", reader.db.newest_date())
    window = infer_window(focus or question, as_of)
    answer = _answer(reader, embedder, question, o, window, focus, scorer, narrow=window.narrowed)
    if window.narrowed and answer.abstained:
        wide = _answer(reader, embedder, question, o, window, focus, scorer, narrow=False)
        timings = _summed(answer.timings, wide.timings)
        if not wide.abstained:
            note = time_note(window, wide.as_of, widened=True)
            return replace(wide, note=note, timings=timings, time_window=window.to_dict(widened=True))
        note = f"Nothing dated {window.describe()} answers this, and no other article does either."
        # its passages: the closest of all the articles
        return replace(wide, note=note, timings=timings, time_window=window.to_dict(widened=True))
    return answer


def _summed(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {key: round(a.get(key, 0.0) + b.get(key, 0.0), 3) for key in {**a, **b}}


def _answer(
    reader: IndexReader,
    embedder: Embedder,
    question: str,
    o: AskOptions,
    window: TimeWindow,
    focus: str | None,
    scorer: Scorer | None,
    narrow: bool,
) -> Answer:
    """Retrieve within the window (or only up to the as-of date), then extract, cite or abstain."""
    t0 = time.perf_counter()
    filters = window.filters(o.filters, narrow)
    # A typed question's slot may be filled differently by a wire story's update (its near-duplicate:
    # "12 dead" -> "31 dead"), and "latest" needs the newest version: then every copy is a candidate.
    keep_copies = window.recency or answer_type(focus or question) in SLOTS
    found = search(
        reader, embedder, question, k=o.k, mode=o.mode, filters=filters, per_article=o.per_article,
        rrf_k=o.rrf_k, recency=window.recency, collapse=not keep_copies,
    )  # fmt: skip
    timings = dict(found.timings)
    if not found.passages or found.query_vector is None:
        timings["total"] = (time.perf_counter() - t0) * 1000
        return replace(abstention(Reason.NO_PASSAGES, timings, question), time_window=window.to_dict())
    t = time.perf_counter()
    scorer = scorer or default_scorer()
    q = _question(reader, embedder, question, focus, found, frozenset(MODES[o.mode].rankers))
    pool = gather(reader, found.passages)
    features(pool, q)
    scorer.score(pool)
    threshold = o.abstain_threshold if o.abstain_threshold is not None else scorer.threshold
    extract = select(pool, q, replace(scorer, threshold=threshold), o.max_sentences, window.recency)
    timings["answer"] = (time.perf_counter() - t) * 1000
    timings["total"] = (time.perf_counter() - t0) * 1000
    return _cited(reader, extract, question, found.passages, timings, window)


def _cited(
    reader: IndexReader,
    extract: Extract,
    question: str,
    passages: list[Passage],
    timings: dict[str, float],
    window: TimeWindow,
) -> Answer:
    best = extract.best
    confidence = round(best.prob, 4) if best else 0.0
    if not extract.chosen:
        missing = best is not None and best.x.get("type_missing")
        reason = Reason.ANSWER_TYPE_MISSING if missing else Reason.WEAK_EVIDENCE
        found = abstention(reason, timings, question, confidence, passages=passages)
        return replace(found, time_window=window.to_dict())
    short = extract.short
    conflicts: list[Report] = []
    if extract.reports:
        text, citations, conflicts, short = cite_reports(extract.reports)
    else:
        text, citations = cite(prefer_distinct_outlets(reader, extract.chosen))
    dates = [c.date[:10] for c in citations if c.date]
    newest = max(dates) if dates else None
    return Answer(
        text=text,
        citations=citations,
        abstained=False,
        reason=None,
        as_of=newest,
        timings=timings,
        query=question,
        passages=passages,
        confidence=confidence,
        short=short,
        time_window=window.to_dict(),
        note=time_note(window, newest),
        conflicts=conflicts,
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
