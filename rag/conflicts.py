"""Conflicting reports: when the evidence gives different values for the asked fact, show them all.

News changes from one report to the next (a death toll rises; outlets disagree on a figure or a
name). A typed question ("how many …", "who …", "when …") has a slot that the short answer fills, so
reports are comparable: a rival is a sentence of another dated article, nearly as probable as the
best one (RIVAL_SHARE of its probability), about the same thing (both sentences cover most of the
question's IDF-weighted terms: reports of one fact are often worded quite differently; or they are one
sentence re-run with another value, as a wire story's update is), whose short answer has a different
value. Then the answer quotes each report with its outlet and date, newest first, instead of silently
choosing one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer_types import AnswerType
from rag.candidates import Candidate, Question, coverage
from rag.quoting import display
from rag.text import content_terms
from rag.timeframe import human
from rag.types import Citation, Report, ShortAnswer

RIVAL_SHARE = 0.6  # a rival's probability relative to the best sentence's
SAME_WORDING = 0.6  # word overlap (Jaccard) of two wordings of one sentence (values aside)
SAME_FACT = 0.6  # share of the question's IDF-weighted terms both sentences must cover (candidates.coverage)
MAX_REPORTS = 3
SLOTS = frozenset(
    {
        AnswerType.NUMBER,
        AnswerType.MEASURE,
        AnswerType.DURATION,
        AnswerType.MONEY,
        AnswerType.PERCENT,
        AnswerType.DATE,
        AnswerType.PERSON,
        AnswerType.PLACE,
        AnswerType.ORGANIZATION,
    }
)
_NUMERIC = frozenset({AnswerType.NUMBER, AnswerType.MEASURE, AnswerType.MONEY, AnswerType.PERCENT})
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def value_key(text: str, wanted: AnswerType) -> str:
    """What two short answers are compared by: the digits of a number ("1,200 people" -> "1200"),
    else the lower-cased words."""
    if wanted in _NUMERIC:
        digits = _DIGITS.search(text)
        if digits:
            return digits.group().replace(",", "")
    return " ".join(re.findall(r"\w+", text.lower()))


def _agree(a: str, b: str) -> bool:
    """The same value, or one names part of the other ("Smith" / "John Smith")."""
    return a == b or (bool(a) and bool(b) and (f" {a} " in f" {b} " or f" {b} " in f" {a} "))


def _same_fact(c: Candidate, best: Candidate, q: Question) -> bool:
    """Both sentences cover most of the question, or one is the other re-run with another value (a
    wire story's update: "At least 12 people died …" -> "At least 31 people died …")."""
    if coverage(q.weights, c.text) >= SAME_FACT and coverage(q.weights, best.text) >= SAME_FACT:
        return True
    x, y = set(content_terms(c.text)), set(content_terms(best.text))
    return len(x & y) >= SAME_WORDING * len(x | y) > 0


def rivals(
    best: Candidate, short: ShortAnswer | None, ranked: Sequence[Candidate], q: Question, short_of
) -> list[tuple[Candidate, ShortAnswer]]:
    """Other reports of the best sentence's fact with a different value, most probable first.

    `ranked`: eligible candidates, most probable first; `short_of(candidate)` gives a candidate's
    short answer (the span model's). Only dated articles other than the best one's count.
    """
    if q.wanted not in SLOTS or short is None or not best.passage.date:
        return []
    keys = [value_key(short.text, q.wanted)]
    found: list[tuple[Candidate, ShortAnswer]] = []
    articles = {best.passage.article_id}
    for c in ranked:
        if c.prob < RIVAL_SHARE * best.prob or len(found) >= MAX_REPORTS - 1:
            break
        if c.passage.article_id in articles or not c.passage.date or not _same_fact(c, best, q):
            continue
        other = short_of(c)
        if other is None:
            continue
        key = value_key(other.text, q.wanted)
        if any(_agree(key, k) for k in keys):
            continue
        keys.append(key)
        articles.add(c.passage.article_id)
        found.append((c, other))
    return found


def newest_first(reports: Sequence[tuple[Candidate, ShortAnswer]]) -> list[tuple[Candidate, ShortAnswer]]:
    """Reports ordered by their article's date, newest first (then by probability)."""
    return sorted(reports, key=lambda r: (r[0].passage.date or "", r[0].prob), reverse=True)


def cite_reports(
    reports: Sequence[tuple[Candidate, ShortAnswer]],
) -> tuple[str, list[Citation], list[Report], ShortAnswer]:
    """The answer text for disputed reports, their citations, the Reports, and the newest's short answer.

    Text: "Reports differ (newest first): <quote> [1] (Outlet, 5 January 2019) <quote> [2] (…)".
    """
    parts = ["Reports differ (newest first):"]
    citations: list[Citation] = []
    found: list[Report] = []
    for n, (c, short) in enumerate(reports, start=1):
        p = c.passage
        quote = (c.text, c.start, c.end, round(c.prob, 4))
        citations.append(Citation(n, p.article_id, p.title, p.source, p.date, p.url, *quote))
        found.append(Report(short.text, n, p.source, p.date))
        who = ", ".join(x for x in (p.source, human(p.date) if p.date else None) if x)
        # display(): an article's own "[3]" never reads as a citation marker (the quote stays exact)
        parts.append(f"{display(c.text)} [{n}]" + (f" ({who})" if who else ""))
    first = reports[0][1]
    return " ".join(parts), citations, found, ShortAnswer(first.text, first.start, first.end, first.label, 1)
