"""The short answer: which typed span of the chosen sentence answers the question.

Candidates are the sentence's named entities and noun phrases (found at index time) that can answer the
question's type and are not the question's own words (`candidates.typed_spans`). Each gets the
features below and the fitted span model's probability (`rag/scorer.py`, the "span" part of
rag/data/answerer.json, fitted by bench/fit_answerer.py on the spans of gold answer sentences, label:
token F1 with a gold answer >= 0.5). The most probable span is the short answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from index.annotate import NOUN_PHRASE, PROPER_NAME
from index.scripts import tokens
from index.types import SpanRow
from rag.answer_types import AnswerType, label_rank
from rag.candidates import Candidate, Question, nearness, outlet
from rag.text import content_terms, words

_NUMBERS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"})
_PLACES = frozenset({"GPE", "LOC", "FAC"})

SPAN_FEATURES = (
    "label_rank",  # 1 / (1 + rank of the span's label among those the question's type accepts)
    "noun_phrase",  # a noun phrase, not a named entity
    "person",
    "date",
    "number",
    "place",
    "org",
    "near",  # closeness to the question's words in the sentence (0..1)
    "after_question_words",  # starts after the first question word found in the sentence
    "q_overlap",  # share of the span's terms that are the question's
    "log_words",  # log of the span's length in words
    "sentence_start",  # begins the sentence (the subject)
    "thing_q",  # the question asks "what/which …" (no entity type): noun phrases compete with entities
    "window",  # share of the question's terms within WINDOW words either side of the span
    "wh_noun",  # the span holds the noun after the question word ("What church …" -> "… Church")
    "after_q_word",  # one of the three words just before the span is the question's
    "after_comma",  # an apposition: "its major tributary, the river Aare"
    "in_brackets",  # "(>500 Da)"
    "between",  # question words on both sides of the span in the sentence
    "left_only",  # question words only before the span
    "right_only",  # question words only after it
    "object_q",  # "what did X name …": the answer is the object, after the question's words
    "object_after",  # object_q and the span after the question's words
    "spans",  # how many candidate spans the sentence holds (competition)
    "same_preposition",  # the span follows a preposition the question uses ("come from" -> "from X")
    "wh_adjacent",  # the question's wh-noun stands right beside the span ("the Astra 2A satellite")
    "redundancy",  # share of the other outlets whose candidate sentences also name the span
    "after_naming",  # right after a naming cue: "called", "named", "known as", "such as", "including"
)
_NAMING = re.compile(
    r"\b(?:called|named|known as|branded|dubbed|titled|entitled|termed|nicknamed|such as|including|"
    r"namely|i\.e\.)\s*[\"'“‘(]?\s*$",
    re.I,
)
_PREPOSITIONS = frozenset(
    [
        "from",
        "to",
        "towards",
        "toward",
        "in",
        "at",
        "on",
        "by",
        "with",
        "for",
        "into",
        "onto",
        "during",
        "since",
        "until",
        "after",
        "before",
        "against",
    ]
)
# "What did BSkyB name …", "Which route was …": an auxiliary after the question word asks for an object
_OBJECT_Q = re.compile(
    r"\b(what|which)\b(\s+\w+)?\s+(did|does|do|will|would|can|could|should|has|have|had|is|was|are|were)\s+"
    r"(?!\w+ed\b)",
    re.I,
)
WINDOW = 6
_WH_NOUN = re.compile(r"\b(?:what|which)\s+((?:[\w-]+\s+){0,2}?[\w-]+)\b", re.I)


def wh_noun(question: str) -> str | None:
    """The stemmed noun the question word asks about: "What church in Virginia …" -> "church"."""
    m = _WH_NOUN.search(question)
    if not m:
        return None
    terms = content_terms(m.group(1))
    return terms[-1] if terms else None


def span_text(c: Candidate, span: SpanRow) -> str:
    return c.text[span.start - c.start : span.end - c.start]


_TRAILING = re.compile(r"(?:['’]s?|[,;:])$")  # "Osama bin Laden's", "Naples'", "Paris,"
_ABBREVIATION = re.compile(  # "Acme Inc.", "St.", "Corp." keep their period
    r"(?:^|\s)(?:Inc|Ltd|Co|Corp|Bros|Jr|Sr|St|Mt|Ft|Dr|Mr|Mrs|Ms|Gen|Gov|Sen|Rep|Ave|Rd|No|Nos|Vol)\.$"
)
_CITATION_MARK = re.compile(r"\[(?:\d{1,3}|[a-z][a-z ]*)\]?\s*$")  # "Netherlands.[citation", "1914[3]"


def trimmed(text: str) -> tuple[int, int]:
    """(start, end) of `text` without what spaCy's span may carry past the answer: a citation mark, a
    possessive ending, trailing punctuation (a final period only when the span holds no other and does
    not end in a common abbreviation, so "U.S." and "Acme Inc." keep theirs). Whitespace at either end
    goes too; never empty. A brand's own "'s" goes too ("McDonald's" -> "McDonald"): spans carry no
    sign of it."""
    mark = _CITATION_MARK.search(text)
    end = mark.start() if mark and mark.start() > 0 else len(text)
    while True:
        body = text[:end].rstrip()
        m = _TRAILING.search(body)
        quoted = m is not None and m.group() in ("'", "’") and any(q in body[:-1] for q in "'‘’")
        if m and m.start() > 0 and not quoted:  # "'Seabus'" keeps its closing quote, "Naples'" not
            end = m.start()
        elif body.endswith(".") and body.count(".") == 1 and not _ABBREVIATION.search(body):
            end = len(body) - 1
        else:
            end = len(body)
            break
    start = len(text) - len(text.lstrip())
    return (start, end) if end > start else (0, len(text))


Sources = Sequence[tuple[str, str]]  # (outlet, case-folded text) of each candidate sentence of a question


def sources(candidates: Iterable[Candidate]) -> list[tuple[str, str]]:
    """What `redundancy` reads of a question's candidate sentences, made once per question (not once
    per span): each sentence's outlet and its case-folded text."""
    return [(outlet(o), o.text.casefold()) for o in candidates]


def redundancy(c: Candidate, text: str, said: Sources) -> float:
    """The share of the other outlets in `said` (`sources`) with a sentence naming `text` (case-folded,
    as whole words): an answer that independent sources repeat is more likely right (the redundancy of
    Brill et al. 2002, "An Analysis of the AskMSR Question-Answering System"). Outlets, not articles:
    paragraphs of one source do not corroborate each other."""
    mine = outlet(c)
    outlets = {o for o, _ in said} - {mine}
    a, b = trimmed(text)
    if not outlets or a == b:
        return 0.0
    needle = re.compile(r"(?<!\w)" + re.escape(text[a:b].casefold()) + r"(?!\w)")
    return len({o for o, folded in said if o != mine and needle.search(folded)}) / len(outlets)


def span_features(c: Candidate, span: SpanRow, q: Question, said: Sources = ()) -> dict[str, float]:
    """SPAN_FEATURES -> value for one typed span of candidate sentence `c`; `said` is `sources` of the
    question's candidate sentences (for `redundancy`)."""
    text = span_text(c, span)
    asked = set(q.weights)
    terms = content_terms(text)
    rank = label_rank(q.wanted, span.label, text)
    lowered = c.token_terms
    first_hit = next((i for i, ts in enumerate(lowered) if ts & asked), None)
    position = len(tokens(c.text[: span.start - c.start]))  # in tokens, as `c.token_terms`
    length = max(1, len(tokens(text)))
    around = (
        lowered[max(0, position - WINDOW) : position]
        + lowered[position + length : position + length + WINDOW]
    )
    near_terms = set().union(*around) & asked if around else set()
    noun = wh_noun(q.text)
    left = any(ts & asked for ts in lowered[:position])
    right = any(ts & asked for ts in lowered[position + length :])
    before = c.text[: span.start - c.start].rstrip()
    object_q = bool(_OBJECT_Q.search(q.text))
    asked_preps = _PREPOSITIONS & set(words(q.text))
    preceding = words(before)[-2:]  # "from Central America", "from the United States"
    beside = lowered[max(0, position - 2) : position] + lowered[position + length : position + length + 2]
    return {
        "label_rank": 1.0 / (1.0 + rank) if rank is not None else 0.0,
        "noun_phrase": float(span.label == NOUN_PHRASE),
        "person": float(span.label in ("PERSON", PROPER_NAME)),
        "date": float(span.label in ("DATE", "TIME")),
        "number": float(span.label in _NUMBERS),
        "place": float(span.label in _PLACES),
        "org": float(span.label in ("ORG", "NORP")),
        "near": nearness(c, span, q),
        "after_question_words": float(first_hit is not None and position > first_hit),
        "q_overlap": sum(1 for t in terms if t in asked) / len(terms) if terms else 0.0,
        "log_words": math.log1p(len(words(text))),
        "sentence_start": float(span.start == c.start),
        "thing_q": float(q.wanted is AnswerType.THING),
        "window": len(near_terms) / len(asked) if asked else 0.0,
        "wh_noun": float(noun is not None and noun in terms),
        "after_q_word": float(any(ts & asked for ts in lowered[max(0, position - 3) : position])),
        "after_comma": float(before.endswith(",")),
        "in_brackets": float(before.endswith("(")),
        "between": float(left and right),
        "left_only": float(left and not right),
        "right_only": float(right and not left),
        "object_q": float(object_q),
        "object_after": float(object_q and left and not right),
        "spans": float(len(c.typed)),
        "same_preposition": float(bool(asked_preps & set(preceding))),
        "wh_adjacent": float(noun is not None and any(noun in ts for ts in beside)),
        "redundancy": redundancy(c, text, said),
        "after_naming": float(bool(_NAMING.search(before))),
    }
