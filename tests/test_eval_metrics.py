"""Every evaluation metric against hand-computed examples, edge cases included."""

from __future__ import annotations

import math

import pytest

from rag.evaluation.metrics import (
    Outcome,
    aggregate,
    answer_contains,
    breakdown,
    citation_precision,
    counts,
    exact_match,
    hit_at,
    latency_by_stage,
    locate_quotes,
    mrr_at,
    ndcg_at,
    normalize_answer,
    percentile,
    quote_overlap,
    ranked_articles,
    recall_at,
    retrieval_metrics,
    score_question,
    strip_markers,
    token_f1,
)


# -- normalisation and answer scores -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The Sky Active", "sky active"),
        ("sky active", "sky active"),
        ("  A  cat, an   apple; THE end!", "cat apple end"),
        ("Theatre then", "theatre then"),  # articles only as whole words
        ("U.S.-Mexico", "usmexico"),  # SQuAD deletes punctuation, it does not split on it
        ("", ""),
    ],
)
def test_normalize_answer_follows_squad(text: str, normalised: str) -> None:
    assert normalize_answer(text) == normalised


def test_exact_match_is_best_over_gold_answers() -> None:
    assert exact_match("The Sky Active.", ["Open", "sky active"]) == 1.0
    assert exact_match("Sky Active service", ["Open", "Sky Active"]) == 0.0


def test_token_f1_hand_computed() -> None:
    # pred: [sky, active, service]  gold: [sky, active] -> P = 2/3, R = 1, F1 = 0.8
    assert token_f1("Sky Active service", ["Sky Active"]) == pytest.approx(0.8)
    # best over golds: "Open" scores 0
    assert token_f1("Sky Active service", ["Open", "Sky Active"]) == pytest.approx(0.8)
    # repeated tokens count once per occurrence: pred [blinken, blinken] gold [antony, blinken]
    # common 1 -> P = 1/2, R = 1/2, F1 = 1/2
    assert token_f1("Blinken Blinken", ["Antony Blinken"]) == pytest.approx(0.5)
    assert token_f1("nothing shared", ["Sky Active"]) == 0.0


def test_token_f1_of_empty_answers() -> None:
    assert token_f1("", ["Blinken"]) == 0.0
    assert token_f1("the", ["a"]) == 1.0  # both normalise to no tokens, as in SQuAD


def test_answer_contains_matches_whole_tokens() -> None:
    answer = "U.S. Secretary of State Antony Blinken is scheduled to visit."
    assert answer_contains(answer, ["Antony Blinken"]) == 1.0
    assert answer_contains(answer, ["Mexico", "the Blinken"]) == 1.0  # "the" is dropped by normalisation
    assert answer_contains("It is not known.", ["no"]) == 0.0  # "no" is not inside "not"
    assert answer_contains("No, it does not.", ["no"]) == 1.0
    assert answer_contains("anything", ["the"]) == 0.0  # a gold answer that normalises to nothing


def test_answer_scores_are_undefined_without_gold_answers() -> None:
    assert exact_match("x", []) is None
    assert token_f1("x", []) is None
    assert answer_contains("x", []) is None


def test_strip_markers() -> None:
    assert strip_markers("Blinken visits. [1] He talks. [2][3]") == "Blinken visits. He talks."


# -- retrieval ---------------------------------------------------------------------------------------
def test_ranked_articles_keeps_first_occurrence() -> None:
    assert ranked_articles(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


RANKED = ["x", "g1", "y", "g2"]  # gold g1 at rank 2, g2 at rank 4; g3 never retrieved


def test_hit_recall_mrr_hand_computed() -> None:
    gold = ["g1", "g2", "g3"]
    assert hit_at(RANKED, gold, 1) == 0.0
    assert hit_at(RANKED, gold, 5) == 1.0
    assert recall_at(RANKED, gold) == pytest.approx(2 / 3)
    assert recall_at(RANKED, gold, 2) == pytest.approx(1 / 3)
    assert mrr_at(RANKED, gold) == 0.5
    assert mrr_at(RANKED, gold, 1) == 0.0


def test_ndcg_binary_hand_computed() -> None:
    gold = ["g1", "g2", "g3"]
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(RANKED, gold) == pytest.approx(dcg / ideal)
    assert ndcg_at(["g1"], ["g1"]) == 1.0
    # the ideal ordering is cut at k too: 3 gold articles, k = 1, the first is gold -> 1.0
    assert ndcg_at(["g2", "x"], gold, 1) == 1.0


def test_duplicates_in_retrieved_passages_count_once() -> None:
    passages = ["x", "x", "x", "g"]  # passages of article x fill ranks 1-3; g is the 2nd article
    scores = retrieval_metrics(ranked_articles(passages), ["g"])
    assert scores["hit@1"] == 0.0
    assert scores["mrr@10"] == 0.5
    assert scores["hit@5"] == 1.0


def test_retrieval_is_undefined_without_gold_articles() -> None:
    assert set(retrieval_metrics(["a"], []).values()) == {None}


def test_nothing_retrieved_scores_zero() -> None:
    scores = retrieval_metrics([], ["g"])
    assert scores == {
        "hit@1": 0.0,
        "hit@5": 0.0,
        "hit@10": 0.0,
        "recall@10": 0.0,
        "mrr@10": 0.0,
        "ndcg@10": 0.0,
    }


def test_beyond_ten_is_a_miss() -> None:
    ranked = [f"x{i}" for i in range(10)] + ["g"]
    assert hit_at(ranked, ["g"], 10) == 0.0
    assert mrr_at(ranked, ["g"]) == 0.0


# -- citations ---------------------------------------------------------------------------------------
def test_citation_precision() -> None:
    assert citation_precision(["g", "x", "g", "y"], ["g"]) == 0.5
    assert citation_precision([], ["g"]) is None  # no citations: undefined, not 0 or 1
    assert citation_precision(["x"], []) == 0.0


TEXT = "Alpha beta. The caravan heads north. Gamma delta."


def test_locate_quotes_with_str_find() -> None:
    spans = locate_quotes(["The caravan heads north.", "not there"], {"a": TEXT, "b": "no"})
    assert spans == [("a", 12, 36)]
    assert TEXT[12:36] == "The caravan heads north."


@pytest.mark.parametrize(
    ("cited", "expected"),
    [
        ([("a", 12, 36)], 1.0),  # the same sentence
        ([("a", 30, 45)], 1.0),  # partial overlap
        ([("a", 0, 12)], 0.0),  # ends where the quote starts: half-open ranges do not touch
        ([("a", 36, 50)], 0.0),  # starts where the quote ends
        ([("b", 12, 36)], 0.0),  # same offsets, other article
        ([("a", 0, 5), ("a", 20, 25)], 1.0),  # any citation will do
        ([], 0.0),
    ],
)
def test_quote_overlap(cited: list[tuple[str, int, int]], expected: float) -> None:
    assert quote_overlap(cited, [("a", 12, 36)]) == expected


def test_quote_overlap_is_undefined_without_located_quotes() -> None:
    assert quote_overlap([("a", 0, 5)], []) is None


# -- latency -----------------------------------------------------------------------------------------
def test_percentile_is_nearest_rank() -> None:
    values = [15, 20, 35, 40, 50]
    assert percentile(values, 50) == 35
    assert percentile(values, 95) == 50
    assert percentile(values, 30) == 20  # ceil(0.3 * 5) = 2nd value
    assert percentile(values, 0) == 15
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    assert percentile(list(range(1, 101)), 95) == 95


# -- per question and aggregates ----------------------------------------------------------------------
def outcome(**changes: object) -> Outcome:
    base: dict[str, object] = {
        "answers": ["Sky Active"],
        "gold_articles": ["g"],
        "gold_spans": [("g", 10, 20)],
        "text": "It was called Sky Active. [1]",
        "abstained": False,
        "retrieved": ["x", "g", "g"],
        "cited": [("g", 12, 18)],
    }
    return Outcome(**{**base, **changes})  # type: ignore[arg-type]


def test_score_answered_question() -> None:
    s = score_question(outcome())
    assert s["hit@1"] == 0.0 and s["hit@5"] == 1.0 and s["mrr@10"] == 0.5
    assert s["em"] == 0.0
    # the marker is stripped: pred [it, was, called, sky, active] vs [sky, active] -> P 2/5, R 1
    assert s["f1"] == pytest.approx(2 * 0.4 / 1.4)
    assert s["contains"] == 1.0
    assert s["citation_precision"] == 1.0 and s["quote_overlap"] == 1.0
    assert s["false_abstain"] == 0.0 and s["abstain"] is None


def test_short_answer_is_scored_where_given_and_the_text_otherwise() -> None:
    s = score_question(outcome(short="Sky Active"))
    assert s["short_em"] == 1.0 and s["short_f1"] == 1.0 and s["em"] == 0.0
    no_short = score_question(outcome())
    assert no_short["short_em"] == no_short["em"] and no_short["short_f1"] == no_short["f1"]
    abstained = score_question(outcome(short="Sky Active", abstained=True))
    assert abstained["short_em"] == 0.0 and abstained["short_f1"] == 0.0


def test_abstention_on_answerable_scores_zero() -> None:
    s = score_question(outcome(text="The articles don't say: Sky Active", abstained=True, cited=[]))
    assert s["em"] == 0.0 and s["f1"] == 0.0 and s["contains"] == 0.0
    assert s["quote_overlap"] == 0.0
    assert s["citation_precision"] is None
    assert s["false_abstain"] == 1.0
    assert s["hit@5"] == 1.0  # retrieval is still scored on what was retrieved


def test_unanswerable_question_only_scores_abstention() -> None:
    answered = score_question(outcome(answers=[], gold_articles=[], gold_spans=[]))
    assert answered["abstain"] == 0.0
    assert all(v is None for k, v in answered.items() if k != "abstain")
    assert score_question(outcome(answers=[], abstained=True))["abstain"] == 1.0


def test_answerable_without_gold_articles_has_no_retrieval_or_citation_precision() -> None:
    s = score_question(outcome(gold_articles=[], gold_spans=[]))
    assert s["hit@10"] is None and s["citation_precision"] is None and s["quote_overlap"] is None
    assert s["f1"] is not None


def test_aggregate_averages_over_the_questions_each_metric_applies_to() -> None:
    scores = [
        score_question(outcome()),  # answered: hit@10 1, false_abstain 0
        score_question(outcome(abstained=True, cited=[], retrieved=[])),  # hit@10 0, false_abstain 1
        score_question(outcome(answers=[], abstained=True)),  # abstain 1
        score_question(outcome(answers=[], abstained=False)),  # abstain 0
    ]
    timings = [{"total": 10.0}, {"total": 20.0}, {"total": 30.0}, {"total": 40.0, "embed": 5.0}]
    m = aggregate(scores, timings)
    assert m["hit@10"] == 0.5 and m["false_abstain"] == 0.5 and m["abstain"] == 0.5
    assert m["contains"] == 0.5 and m["em"] == 0.0
    assert m["citation_precision"] == 1.0  # only the answer that cites anything
    assert m["latency_p50"] == 20.0 and m["latency_p95"] == 40.0
    n = counts(scores)
    assert n["hit@10"] == 2 and n["abstain"] == 2 and n["citation_precision"] == 1
    stages = latency_by_stage(timings)
    assert stages["embed"] == {"p50": 5.0, "p95": 5.0, "mean": 5.0}
    assert stages["search"] == {"p50": None, "p95": None, "mean": None}


def test_aggregate_of_nothing_is_undefined() -> None:
    m = aggregate([], [])
    assert set(m.values()) == {None}


def test_breakdown_by_type() -> None:
    scores = [score_question(outcome()), score_question(outcome(answers=[], abstained=True))]
    timings = [{"total": 1.0}, {"total": 2.0}]
    groups = breakdown(["comparison", None], scores, timings)
    assert list(groups) == ["comparison"]
    assert groups["comparison"]["n"] == 1
    assert breakdown([None, None], scores, timings) == {}
