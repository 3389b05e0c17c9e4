"""The extractive answerer: the best sentence of the retrieved articles, its exact short answer, and
the sentences about the same thing that complete it — each quoted verbatim and cited — or an honest
abstention when the fitted scorer finds no sentence likely to answer.

How a sentence is chosen (README "How an answer is chosen"): every candidate sentence
(`rag/candidates.py`) gets the fitted scorer's probability (`rag/scorer.py`); the most probable one is
the answer when that probability clears the scorer's threshold (and some candidate is relevant at all).
A typed question ("who", "when", "how many") is answered only by a sentence holding that type. The
short answer is the typed span of that sentence (a named entity or noun phrase from the index) that the
fitted span model ranks first (rag/short.py). A further sentence joins when it is about the same thing
(the same article and next to the best sentence, or overlapping it and the question) or covers a rarer
question term the answer lacks (the other side of a two-source question); for "why", the neighbouring
sentences that give reasons.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.embedding import Embedder
from rag.answer_types import AnswerType, has_reason_cue
from rag.candidates import Candidate, Question, eligible, outlet, relevance
from rag.conflicts import newest_first, rivals
from rag.quoting import display
from rag.scorer import Logistic, Scorer
from rag.short import Sources, sources, span_features, span_text, trimmed
from rag.text import content_terms
from rag.types import Citation, Passage, ReportedBy, ShortAnswer

RELATIVE = 0.6  # a further sentence needs this share of the best sentence's probability
REDUNDANT = 0.6  # word overlap (Jaccard) above which a sentence repeats one already chosen
RELATED = 0.3  # word overlap with the best sentence above which a sentence elsewhere is on its subject
ADJACENT = 2  # sentences at most this far apart in one article are one account
RECENT_SHARE = 0.8  # "latest" questions: the newest sentence with this share of the best's probability wins
SAME_SENTENCE = 0.8  # word overlap (Jaccard) at or above which two sentences are one fact, reworded


@dataclass
class Sentence:
    """A sentence of a passage with offsets into its article (the LLM verifier's unit)."""

    passage: Passage
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Extract:
    chosen: list[Candidate]  # the answer's sentences, most probable first ([] when abstaining)
    best: Candidate | None  # the most probable candidate, even when it is not good enough
    short: ShortAnswer | None
    # every value of a disputed slot with its sentence, newest first (rag/conflicts.py)
    reports: list[tuple[Candidate, ShortAnswer]] = field(default_factory=list)


class SentenceVectors:
    """An LRU cache of sentence embeddings keyed by the text embedded, for texts the index has no
    vector of (an LLM's reply being verified). Thread-safe: the server answers in a thread pool."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: Embedder, sentences: Sequence[Sentence]) -> np.ndarray:
        keys = [s.text for s in sentences]
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


def jaccard(a: str, b: str) -> float:
    x, y = set(content_terms(a)), set(content_terms(b))
    return len(x & y) / len(x | y) if x | y else 1.0


def short_answer(
    best: Candidate, q: Question, span_model: Logistic, said: Sources = ()
) -> ShortAnswer | None:
    """The typed span of `best` that the span model finds most likely to answer `q` (rag/short.py),
    `said` being `sources` of the question's candidate sentences; None for reasons, yes/no and open
    questions, or when the sentence holds no candidate span."""
    if not best.typed:  # only questions with LABELS get typed spans (candidates.features)
        return None
    probs = span_model.predict([span_features(best, s, q, said) for s in best.typed])
    span = best.typed[int(np.argmax(probs))]
    text = span_text(best, span)
    a, b = trimmed(text)
    return ShortAnswer(text[a:b], span.start + a, span.start + b, span.label, citation=1)


def _coherent(c: Candidate, best: Candidate, q: Question) -> bool:
    """Whether `c` is about the same thing as `best`: next to it in the same article, or sharing its
    words and the question's."""
    same_article = c.passage.article_id == best.passage.article_id
    if same_article and abs(c.row.ordinal - best.row.ordinal) <= ADJACENT:
        return True
    asked = set(q.weights)
    return jaccard(c.text, best.text) >= RELATED and bool(asked & set(content_terms(c.text)))


def select(
    scored: list[Candidate], q: Question, scorer: Scorer, max_sentences: int = 3, prefer_recent: bool = False
) -> Extract:
    """The best candidate if it clears the threshold, with coherent, non-redundant runners-up.

    `prefer_recent` ("what is the latest …"): of the candidates within RECENT_SHARE of the best
    probability, the one from the newest article answers. When other dated articles give a
    different value for a typed question's slot, `Extract.reports` holds every version, newest first.
    """
    if not scored:
        return Extract([], None, None)
    ranked = sorted(eligible(scored, q), key=lambda c: -c.prob)
    if not ranked:  # a typed question, and no sentence holds that type: the best of the rest, for reporting
        return Extract([], max(scored, key=lambda c: c.prob), None)
    best = ranked[0]
    if best.prob < scorer.threshold or max(map(relevance, scored)) < scorer.relevance_threshold:
        return Extract([], best, None)
    if prefer_recent:
        close = [c for c in ranked if c.prob >= RECENT_SHARE * best.prob]
        best = max(close, key=lambda c: c.passage.date or "")  # max keeps the first (most probable) of ties
        ranked = [best, *(c for c in ranked if c is not best)]
    said = sources(scored)
    short = short_answer(best, q, scorer.span, said)
    reports = rivals(best, short, ranked[1:], q, lambda c: short_answer(c, q, scorer.span, said))
    if reports and short is not None:
        return Extract([best], best, short, newest_first([(best, short), *reports]))
    chosen = [best]
    if q.wanted is AnswerType.REASON:  # news prose spreads reasons over consecutive sentences
        pool = [c for c in ranked[1:] if _coherent(c, best, q) and has_reason_cue(c.text)]
    else:
        pool = [c for c in ranked[1:] if c.prob >= RELATIVE * best.prob]
    for c in pool:
        if len(chosen) >= max_sentences:
            break
        related = q.wanted is AnswerType.REASON or _coherent(c, best, q) or _complements(c, chosen, q)
        if related and all(jaccard(c.text, o.text) < REDUNDANT for o in chosen):
            chosen.append(c)
    chosen = distinct_outlets(chosen, ranked)
    return Extract(chosen, best, short)


def distinct_outlets(chosen: list[Candidate], ranked: Sequence[Candidate]) -> list[Candidate]:
    """Where several articles carry a chosen sentence (Jaccard >= SAME_SENTENCE: a wire sentence run
    by other outlets), cite it from an outlet not cited yet, and keep the others as its `echoes` (shown
    as "also reported by"). The first sentence stays: the short answer lies inside it."""
    cited: set[str] = set()
    out: list[Candidate] = []
    for i, c in enumerate(chosen):
        same = [o for o in ranked if o is not c and jaccard(o.text, c.text) >= SAME_SENTENCE]
        same = [o for o in same if o.passage.article_id != c.passage.article_id]
        if i > 0 and outlet(c) in cited:
            fresh = [
                o
                for o in same
                if outlet(o) not in cited and all(jaccard(o.text, x.text) < REDUNDANT for x in out)
            ]
            if fresh:
                c, same = fresh[0], [c, *(o for o in same if o is not fresh[0])]
        c.echoes = list({o.passage.article_id: o for o in same}.values())
        cited.add(outlet(c))
        out.append(c)
    return out


def _complements(c: Candidate, chosen: Sequence[Candidate], q: Question) -> bool:
    """Whether `c` covers one of the question's rarer terms (IDF at least the median) that no chosen
    sentence covers: the other half of a question about two reports or two sides, not padding."""
    if not q.weights:
        return False
    median = sorted(q.weights.values())[len(q.weights) // 2]
    covered = set().union(*(set(content_terms(o.text)) for o in chosen))
    rare = {t for t, w in q.weights.items() if w >= median and t not in covered}
    return bool(rare & set(content_terms(c.text)))


def cite(chosen: Sequence[Candidate]) -> tuple[str, list[Citation]]:
    """The answer text, every sentence ending with its [n], and the citations behind the markers."""
    parts = []
    citations = []
    for n, c in enumerate(chosen, start=1):
        p = c.passage
        reports = _reports(c)
        citations.append(
            Citation(
                n=n,
                article_id=p.article_id,
                title=p.title,
                source=p.source,
                date=p.date,
                url=p.url,
                quote=c.text,
                start=c.start,
                end=c.end,
                score=round(c.prob, 4),
                also_reported_by=reports,
                copies=p.copies + len(reports) - len(p.also_reported_by),
            )
        )
        parts.append(f"{display(c.text)} [{n}]")  # the quote stays exact; no "[3]" of it becomes a marker
    return " ".join(parts), citations


def _reports(c: Candidate) -> tuple[ReportedBy, ...]:
    """The copies of the sentence's article, then the other articles carrying the same sentence."""
    reports = {r.article_id: r for r in c.passage.also_reported_by}
    for o in c.echoes:
        for r in (ReportedBy(o.passage.source, o.passage.article_id, o.passage.date, o.passage.url),
                  *o.passage.also_reported_by):  # fmt: skip
            if r.article_id != c.passage.article_id:
                reports.setdefault(r.article_id, r)
    return tuple(reports.values())
