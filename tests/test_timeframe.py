"""Time in a question (rag/timeframe.py): as-of dates, windows from time words, recency cues."""

from __future__ import annotations

from datetime import date

import pytest

from index.store import Filters
from rag.timeframe import BadAsOf, TimeWindow, human, infer_window, resolve_as_of

AS_OF = "2019-06-12"  # a Wednesday


@pytest.mark.parametrize(
    ("question", "since", "until"),
    [
        ("What happened in Sudan this week?", "2019-06-06", "2019-06-12"),
        ("Who resigned yesterday?", "2019-06-11", "2019-06-11"),
        ("What did the court decide today?", "2019-06-12", "2019-06-12"),
        ("What was announced last week?", "2019-06-03", "2019-06-09"),  # the calendar week before
        ("What did the minister say last month?", "2019-05-01", "2019-05-31"),
        ("How many people died last year?", "2018-01-01", "2018-12-31"),
        ("How many cases so far this year?", "2019-01-01", "2019-06-12"),
        ("How many died in March 2019?", "2019-03-01", "2019-03-31"),
        ("How many died in March?", "2019-03-01", "2019-03-31"),
        ("Who won in December?", "2018-12-01", "2018-12-31"),  # a month not yet reached: the last one
        ("What happened on 4 May?", "2019-05-04", "2019-05-04"),
        ("What happened on May 4th, 2018?", "2018-05-04", "2018-05-04"),
        ("What was decided on 2019-02-03?", "2019-02-03", "2019-02-03"),
        ("What has changed since January?", "2019-01-01", "2019-06-12"),
        ("What has changed after 2017?", "2018-01-01", "2019-06-12"),
        ("How many were there before June 2019?", None, "2019-05-31"),
        ("What was agreed until 2018?", None, "2018-12-31"),
        ("What happened in the past three days?", "2019-06-10", "2019-06-12"),
        ("Who spoke over the last week?", "2019-06-06", "2019-06-12"),
        ("What happened 2 weeks ago?", "2019-05-27", "2019-06-02"),
        ("What happened in 2018?", "2018-01-01", "2018-12-31"),
        # a weekday: the last one up to the as-of date, and what was reported since
        ("What did the court rule on Monday?", "2019-06-10", "2019-06-12"),
        ("What did the minister say Tuesday?", "2019-06-11", "2019-06-12"),
        ("What was announced last Friday?", "2019-06-07", "2019-06-12"),
        ("What happened on Wednesday?", "2019-06-12", "2019-06-12"),  # the as-of day is one
        ("What happened on Monday, June 3?", "2019-06-03", "2019-06-03"),  # the date decides
        ("What happened on 3 march 2019?", "2019-03-03", "2019-03-03"),  # lower case, but with a day
    ],
)
def test_time_words_make_a_window_relative_to_the_as_of_date(question: str, since: str, until: str) -> None:
    window = infer_window(question, AS_OF)
    assert (window.since, window.until) == (since, until)
    assert window.narrowed and not window.recency and window.expression


@pytest.mark.parametrize(
    "question",
    [
        "What is the latest on Brexit?",
        "Who is currently leading the race?",
        "What is the most recent death toll?",
        "What is the situation in Sudan right now?",
        "Any news on the strike?",
    ],
)
def test_recency_words_make_a_preference_not_a_filter(question: str) -> None:
    window = infer_window(question, AS_OF)
    assert window.recency and not window.narrowed
    assert window.filters(Filters()) == Filters(as_of=AS_OF)


@pytest.mark.parametrize(
    "question",
    [
        "Why are migrants leaving?",
        "Who won the 2019 election?",  # a year naming the event, not the time asked about
        "What did May say about the deal?",  # a name, not the month
        "What happened after 2020?",  # entirely after the as-of date: no question is about its future
        "How many march participants were there?",
        "Who is the founder now facing trial for fraud?",  # "now", "recently", "still" mostly describe
        "Which club, recently discussed by three outlets, changed its manager?",
        "What did the 'Business Today' report say about inflation?",  # a name in quotes
        "What did USA Today report about the storm?",  # a capitalised relative word inside: a name
        "Who won Super Tuesday?",  # a day that names an event
        "What sold best on Black Friday?",
        "What is the Monday Club?",  # a bare day before a capitalised word: a name
        "Who celebrated Fat Tuesday?",
        "Will the protesters on Tuesday march to the capitol?",  # "march", the verb: not a date
    ],
)
def test_no_time_words_no_window(question: str) -> None:
    window = infer_window(question, AS_OF)
    assert not window.narrowed and not window.recency


def test_window_filters_intersect_the_users_and_keep_undated_articles_for_the_as_of_cap() -> None:
    window = TimeWindow(AS_OF, since="2019-06-06", until="2019-06-12", expression="this week")
    base = Filters(sources=("Wire",), since="2019-06-08")
    narrowed = window.filters(base)
    assert narrowed == Filters(("Wire",), (), "2019-06-08", None, as_of=AS_OF)
    assert window.filters(base, narrow=False) == Filters(("Wire",), (), "2019-06-08", None, as_of=AS_OF)
    sql, params = Filters(as_of=AS_OF).where()
    assert "a.date IS NULL OR" in sql and params == [AS_OF]


def test_as_of_values() -> None:
    today = date(2026, 11, 29)
    assert resolve_as_of(None, today=today) == "2026-11-29"
    assert resolve_as_of("today", today=today) == "2026-11-29"
    assert resolve_as_of("newest", newest="2020-03-05T10:00:00", today=today) == "2020-03-05"
    assert resolve_as_of("newest", newest=None, today=today) == "2026-11-29"  # no dated article
    assert resolve_as_of("2019-06-01") == "2019-06-01"
    for bad in ("yesterday", "2019-13-01", "June 2019", ""):
        with pytest.raises(BadAsOf):
            resolve_as_of(bad or " x")


def test_describe_in_plain_words() -> None:
    assert TimeWindow(AS_OF, "2019-06-06", "2019-06-12").describe() == "from 6 June 2019 to 12 June 2019"
    assert TimeWindow(AS_OF, "2019-06-11", "2019-06-11").describe() == "on 11 June 2019"
    assert TimeWindow(AS_OF, None, "2019-05-31").describe() == "until 31 May 2019"
    assert human("2019-03-01T12:00:00Z") == "1 March 2019"


def test_several_expressions_make_one_window_spanning_them() -> None:
    question = "Between the report published on September 28, 2018 and the one on October 7, 2018, who …?"
    window = infer_window(question, AS_OF)
    assert (window.since, window.until) == ("2018-09-28", "2018-10-07")
    assert window.expression == "on September 28, 2018; on October 7, 2018"
    question = "Between the report before 5 December 2018 and the one on 12 October 2018"
    open_ended = infer_window(question, AS_OF)
    assert (open_ended.since, open_ended.until) == (None, "2018-12-04")


def test_last_monday_asked_on_a_monday_is_a_week_ago() -> None:
    monday = "2019-06-10"
    assert (
        infer_window("What happened last Monday?", monday).since,
        infer_window("on Monday", monday).since,
    ) == (
        "2019-06-03",
        "2019-06-10",
    )
