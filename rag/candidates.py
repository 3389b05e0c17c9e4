"""Candidate answer sentences and the features the fitted scorer reads.

Every sentence of the top passages, and the sentence just before and after each passage, is a
candidate. Its vector was computed when the article was indexed (`IndexReader.sentence_vectors`) and
its typed spans (named entities, noun phrases) were found then too, so scoring all of them costs no
model call beyond the query's embedding.

The features are the classical signals of sentence-level answer selection (e.g. Yih et al. 2013,
"Question Answering Using Enhanced Lexical Semantic Models"; the answer-type match of TREC QA
systems): similarity to the question, IDF-weighted word coverage, whether the sentence holds the kind
of answer asked for and how close it sits to the question's words, position in the article, the
passage's own retrieval scores, the neighbouring sentences and the title. `rag/scorer.py` combines
them with weights fitted by `bench/fit_answerer.py`; that script calls `features` too, so the fitted
weights and the features at question time are computed by the same code. The scorer was fitted on
hybrid retrieval; in a mode without a ranker the passage score it would give is None and the scorer
uses the training mean (rag/scorer.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.annotate import NOUN_PHRASE
from index.live import IndexReader
from index.scripts import tokens, word_count
from index.types import SentenceRow, SpanRow
from rag.answer_types import LABELS, TYPED, AnswerType, has_reason_cue, label_rank
from rag.quoting import usable
from rag.text import STOPWORDS, content_terms, words
from rag.types import Passage

MAX_PASSAGES = 6  # passages whose sentences are candidates
_STOPS = tuple('.!?…"”’»)。！？')

FEATURES = (
    "sem",  # cosine of the question and the sentence (MiniLM, both embedded by the index's model)
    "sem_gap",  # sem minus the best sem among the candidates (<= 0)
    "lex",  # IDF-weighted share of the question's terms in the sentence
    "lex_gap",  # lex minus the best lex among the candidates
    "lex_context",  # lex of the sentence with its article's title (the subject a sentence often only implies)
    "type_match",  # a typed question, and the sentence holds a span of the wanted type not in the question
    "type_missing",  # a typed question, and the sentence holds none
    "near",  # how close the best typed span sits to the question's words in the sentence (0..1)
    "lead",  # the article's first sentence
    "position",  # 1 / (1 + ordinal in the article)
    "prior",  # the passage's rank, gently: 1 / (1 + 0.25 (rank - 1))
    "p_dense",  # the passage's dense cosine (0 when only lexical search found it)
    "p_lexical",  # the passage's BM25 score over the best passage's (0..1)
    "neighbour_lex",  # lex of the sentences just before and after (the context)
    "title_cov",  # lex of the article's title
    "echo",  # share of the sentence's own terms that are the question's (a restatement scores high)
    "log_words",  # log of the sentence's length in words
    "reason",  # a why-question and the sentence gives a reason ("because", "in the hope of", …)
    "passage_uncovered",  # IDF-weighted share of the question's terms missing from sentence and passage
    "uncovered_max",  # the rarest such missing term's IDF over the question's highest (0..1)
    "in_passage",  # inside a retrieved passage (not just beside one)
    "no_stop",  # does not end with terminal punctuation: a caption, heading or list item
    "q_typed",  # the question is typed (constant per question: lets the threshold differ by kind)
    "q_any",  # the question is yes/no or open
)


@dataclass
class Candidate:
    """One sentence of an article, with the passage it was found through. Offsets into the article."""

    passage: Passage
    row: SentenceRow
    text: str
    spans: list[SpanRow]  # typed spans inside the sentence
    in_passage: bool
    vector: np.ndarray | None = None
    typed: list[SpanRow] = field(default_factory=list)  # spans of the wanted type, best first
    x: dict[str, float | None] = field(default_factory=dict)  # FEATURES -> value (None: not measured)
    prob: float = 0.0  # the fitted scorer's probability that this sentence answers the question
    echoes: list[Candidate] = field(default_factory=list)  # the same sentence in other articles
    _tokens: list[set[str]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def token_terms(self) -> list[set[str]]:
        """The stemmed content terms of each token of the sentence (`index.scripts.tokens`: whitespace
        tokens, each Han character a token of its own), computed once."""
        if self._tokens is None:
            self._tokens = [set(content_terms(w)) for w in tokens(self.text)]
        return self._tokens

    @property
    def start(self) -> int:
        return self.row.start

    @property
    def end(self) -> int:
        return self.row.end


@dataclass(frozen=True)
class Question:
    """What the features need to know of the question."""

    text: str
    wanted: AnswerType
    weights: dict[str, float]  # stemmed term -> IDF weight
    vector: np.ndarray  # the query embedding, unit norm
    rankers: frozenset[str] = frozenset({"dense", "lexical", "sentences"})  # which retrieval ran


def gather(reader: IndexReader, passages: Sequence[Passage]) -> list[Candidate]:
    """The sentences of the top passages and their neighbours, each once, with vectors and spans."""
    top = list(passages[:MAX_PASSAGES])
    articles = reader.db.articles(p.article_id for p in top)
    found: dict[int, Candidate] = {}
    for p in top:
        article = articles.get(p.article_id)
        if article is None:
            continue
        inside = reader.db.sentences_in(p.article_id, p.start, p.end)
        if not inside:
            continue
        around = reader.db.sentences_by_ordinal(p.article_id, [inside[0].ordinal - 1, inside[-1].ordinal + 1])
        rows = sorted([*inside, *around], key=lambda r: r.start)
        spans = reader.db.spans_in(p.article_id, rows[0].start, rows[-1].end)
        for row in rows:
            if row.id in found or row.flag is not None:  # a flagged sentence is never quoted
                continue
            text = article.text[row.start : row.end]
            mine = [s for s in spans if row.start <= s.start and s.end <= row.end]
            found[row.id] = Candidate(p, row, text, mine, in_passage=row in inside)
    out = list(found.values())
    if out:
        vecs = reader.search.sentence_vectors([c.row.id for c in out])
        for c, v in zip(out, vecs, strict=True):
            c.vector = v
    return out


def outlet(c: Candidate) -> str:
    """Who a candidate's citation would name: its outlet, else its article id (case-folded)."""
    return (c.passage.source or c.passage.article_id).casefold()


def _value(c: Candidate, name: str) -> float:
    value = c.x[name]
    return 0.0 if value is None else value


def relevance(c: Candidate) -> float:
    """How strongly a sentence is about the question at all: 0.6 cosine + 0.3 IDF coverage (of the
    sentence with its title) + 0.1 passage prior (newsrag's earlier evidence score). Across question
    sets it separates questions the articles never discuss better than the fitted probability does,
    so abstention uses both (rag/scorer.py)."""
    return 0.6 * _value(c, "sem") + 0.3 * _value(c, "lex_context") + 0.1 * _value(c, "prior")


def eligible(candidates: list[Candidate], q: Question) -> list[Candidate]:
    """The candidates that can be the answer: for a typed question ("how many", "who", "when", …)
    only sentences holding a span of a wanted type (the classical answer-type filter); all otherwise."""
    if q.wanted in TYPED:
        return [c for c in candidates if c.typed]
    return candidates


def coverage(weights: dict[str, float], text: str) -> float:
    """The IDF-weighted share of the question's terms found in `text` (stemmed): rare words count
    most, and a word the index has never seen (the question's subject is not covered) weighs heaviest."""
    total = sum(weights.values())
    if not total:
        return 0.0
    terms = set(content_terms(text))
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


_YEAR = re.compile(r"\b(?:1[0-9]|20)[0-9]{2}\b(?!-)")
_NAMES_WITH_YEARS = frozenset({"LAW", "EVENT", "WORK_OF_ART", "ORG", "FAC", "PRODUCT"})


def embedded_years(c: Candidate) -> list[SpanRow]:
    """A year inside a span of another label, as a DATE of its own: the NER labels "the 1997 Treaty of
    Amsterdam" a LAW and "the 2004 Olympics" an EVENT, and a "what year" question must still see 1997."""
    dates = [s for s in c.spans if s.label in ("DATE", "TIME")]
    out: list[SpanRow] = []
    for s in c.spans:
        if s.label not in _NAMES_WITH_YEARS:  # not "2000 dollars", "1500 tonnes", "the 1500-seat hall"
            continue
        for m in _YEAR.finditer(c.text, s.start - c.start, s.end - c.start):
            start, end = c.start + m.start(), c.start + m.end()
            if not any(d.start <= start and end <= d.end for d in [*dates, *out]):
                out.append(SpanRow(start, end, "DATE"))
    return out


def typed_spans(c: Candidate, q: Question) -> list[SpanRow]:
    """Spans of the sentence that can answer `q`, best first: of a wanted label, not the question's
    own words ("Mexico" does not answer "Why are migrants leaving Mexico?"), and not a noun phrase of
    function words only ("it", "one", "some"): a pronoun names nothing a reader could use."""
    asked = set(q.weights)
    out = []
    years = embedded_years(c) if q.wanted is AnswerType.DATE else []
    for s in [*c.spans, *years]:
        text = c.text[s.start - c.start : s.end - c.start]
        rank = label_rank(q.wanted, s.label, text)
        if rank is None:
            continue
        terms = content_terms(text)
        pronoun = s.label == NOUN_PHRASE and all(w in STOPWORDS for w in words(text))  # "it", "some"
        if (terms and all(t in asked for t in terms)) or pronoun:
            continue
        out.append((rank, s))
    return [s for _, s in sorted(out, key=lambda pair: pair[0])]


def nearness(c: Candidate, span: SpanRow, q: Question) -> float:
    """1 / (1 + d/3), d the distance in words from `span` to the nearest question term in the sentence."""
    asked = set(q.weights)
    offset = c.start
    positions = [i for i, terms in enumerate(c.token_terms) if asked & terms]
    if not positions:
        return 0.0
    before = len(tokens(c.text[: span.start - offset]))
    after = before + max(1, len(tokens(c.text[span.start - offset : span.end - offset])))
    d = min(0 if before <= p < after else min(abs(p - before), abs(p - (after - 1))) for p in positions)
    return 1.0 / (1.0 + d / 3.0)


def features(candidates: list[Candidate], q: Question) -> None:
    """Fill `x` (FEATURES) and `typed` of every candidate, in place."""
    if not candidates:
        return
    vecs = np.stack([c.vector if c.vector is not None else np.zeros_like(q.vector) for c in candidates])
    sems = vecs @ q.vector.astype(np.float32)
    lexes = [coverage(q.weights, c.text) for c in candidates]
    top_lexical = max((c.passage.lexical or 0.0) for c in candidates) or 1.0
    # a mode without a ranker measures nothing there: None, which the scorer reads as the training mean
    dense_ran, lexical_ran = "dense" in q.rankers, "lexical" in q.rankers
    by_place = {(c.passage.article_id, c.row.ordinal): c for c in candidates}
    passage_terms: dict[int, set[str]] = {}
    asked = set(q.weights)
    total = sum(q.weights.values()) or 1.0
    top_weight = max(q.weights.values(), default=0.0) or 1.0
    typed_q = q.wanted in TYPED
    for c, sem, lex in zip(candidates, sems, lexes, strict=True):
        c.typed = typed_spans(c, q) if q.wanted in LABELS else []
        pid = c.passage.chunk_id
        if pid not in passage_terms:
            passage_terms[pid] = set(content_terms(usable(c.passage)))
        have = passage_terms[pid] | set(content_terms(c.text))
        neighbours = [by_place.get((c.passage.article_id, c.row.ordinal + d)) for d in (-1, 1)]
        own = content_terms(c.text)
        c.x = {
            "sem": float(sem),
            "sem_gap": float(sem - sems.max()),
            "lex": lex,
            "lex_gap": lex - max(lexes),
            "lex_context": coverage(q.weights, f"{c.passage.title}\n{c.text}"),
            "type_match": float(typed_q and bool(c.typed)),
            "type_missing": float(typed_q and not c.typed),
            "near": nearness(c, c.typed[0], q) if c.typed else 0.0,
            "lead": float(c.row.ordinal == 0),
            "position": 1.0 / (1.0 + c.row.ordinal),
            "prior": 1.0 / (1.0 + 0.25 * (c.passage.rank - 1)),
            "p_dense": float(c.passage.dense or 0.0) if dense_ran else None,
            "p_lexical": float(c.passage.lexical or 0.0) / top_lexical if lexical_ran else None,
            "neighbour_lex": max((coverage(q.weights, n.text) for n in neighbours if n), default=0.0),
            "title_cov": coverage(q.weights, c.passage.title),
            "echo": sum(1 for t in own if t in asked) / len(own) if own else 1.0,
            "log_words": math.log1p(word_count(c.text)),  # Han characters count as words
            "reason": float(q.wanted is AnswerType.REASON and has_reason_cue(c.text)),
            "passage_uncovered": sum(w for t, w in q.weights.items() if t not in have) / total,
            "uncovered_max": max((w for t, w in q.weights.items() if t not in have), default=0.0)
            / top_weight,
            "in_passage": float(c.in_passage),
            "no_stop": float(not c.text.rstrip().endswith(_STOPS)),
            "q_typed": float(typed_q),
            "q_any": float(q.wanted is AnswerType.ANY),
        }
