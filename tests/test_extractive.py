"""Sentence candidates, scoring, selection and citation offsets (pure, fake embedder)."""

from __future__ import annotations

import numpy as np
import pytest

from index.embedding import FakeEmbedder
from rag.answer_types import AnswerType, answer_type, has_answer_type
from rag.extractive import SentenceVectors, candidates, cite, idf_weights, score_sentences, select
from rag.types import Passage

ARTICLE = (
    "Storm Ida closes the port.\n\nThe port of Dunmore closed on Monday after Storm Ida brought winds of "
    "120 km/h. Ferries were cancelled because the harbour wall was damaged. The mayor, Ana Ruiz, said "
    "repairs would take weeks. Fishermen stayed home."
)


def passage(start: int, end: int, rank: int = 1, article_id: str = "a1") -> Passage:
    return Passage(
        chunk_id=rank,
        article_id=article_id,
        ordinal=0,
        text=ARTICLE[start:end],
        start=start,
        end=end,
        tokens=0,
        title="Storm",
        source="Wire",
        date="2024-01-02",
        url="https://e.x/1",
        rank=rank,
        fused=1 / rank,
    )


def scored_for(question: str, passages: list[Passage]):  # type: ignore[no-untyped-def]
    emb = FakeEmbedder()
    pool = candidates(passages)
    weights = idf_weights(question, lambda ws: {w: 1 for w in ws}, 10)
    return pool, score_sentences(question, weights, emb.embed_query(question), pool, emb, SentenceVectors())


def test_candidates_carry_article_offsets_and_skip_short_headings() -> None:
    start = ARTICLE.index("The port")
    pool = candidates([passage(start, len(ARTICLE)), passage(0, len(ARTICLE), rank=2)])
    assert [s.text[:12] for s in pool][:2] == ["The port of ", "Ferries were"]
    assert all(ARTICLE[s.start : s.end] == s.text for s in pool)
    assert len({(s.passage.article_id, s.start) for s in pool}) == len(pool)  # overlap counted once
    short = candidates([passage(0, 0), passage(ARTICLE.index("Fishermen"), len(ARTICLE))])
    assert short == []  # "Fishermen stayed home." is under MIN_WORDS: not an answer


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("How many people died?", AnswerType.NUMBER),
        ("When did the port close?", AnswerType.DATE),
        ("Who is the mayor?", AnswerType.PERSON),
        ("Why were ferries cancelled?", AnswerType.REASON),
        ("What closed the port?", AnswerType.ANY),
    ],
)
def test_answer_type_of_questions(question: str, wanted: AnswerType) -> None:
    assert answer_type(question) is wanted


def test_answer_type_detection_in_sentences() -> None:
    assert has_answer_type("winds of 120 km/h", AnswerType.NUMBER)
    assert not has_answer_type("Fishermen stayed home.", AnswerType.NUMBER)
    assert has_answer_type("It closed on Monday.", AnswerType.DATE)
    assert has_answer_type("The mayor, Ana Ruiz, said so.", AnswerType.PERSON)
    assert not has_answer_type("the mayor said so.", AnswerType.PERSON)


def test_best_sentence_answers_and_citation_quotes_exactly() -> None:
    pool, scored = scored_for("Why were ferries cancelled?", [passage(0, len(ARTICLE))])
    extract = select(scored, "Why were ferries cancelled?", 3, pool)
    assert extract.best is not None and extract.best.text.startswith("Ferries were cancelled because")
    assert extract.best in extract.sentences
    text, citations = cite(extract.sentences)
    assert text.endswith(f"[{len(citations)}]")
    for c in citations:
        assert ARTICLE[c.start : c.end] == c.quote and f"{c.quote} [{c.n}]" in text
        assert (c.title, c.source, c.date, c.url) == ("Storm", "Wire", "2024-01-02", "https://e.x/1")


def test_typed_question_without_a_typed_sentence_selects_nothing() -> None:
    question = "How many fishermen stayed home?"
    pool, scored = scored_for(question, [passage(ARTICLE.index("The mayor"), len(ARTICLE))])
    assert select(scored, question, 3, pool).sentences == []


def test_redundant_runner_up_is_not_repeated() -> None:
    text = "Ferries were cancelled at the harbour. Ferries were cancelled at the harbour today."
    p = Passage(1, "b", 0, text, 0, len(text), 0, "T", None, None, None, 1, 1.0)
    pool, scored = scored_for("Were ferries cancelled at the harbour?", [p])
    assert len(select(scored, "Were ferries cancelled at the harbour?", 3, pool).sentences) == 1


def test_idf_weights_favour_rare_and_unseen_words() -> None:
    df = {"ferries": 9, "harbour": 1, "kraken": 0}
    weights = idf_weights("ferries harbour kraken", lambda ws: {w: df[w] for w in ws}, 10)
    assert weights["kraken"] > weights["harbour"] > weights["ferry"] > 0


def test_sentence_vectors_are_cached_per_span() -> None:
    emb = FakeEmbedder()
    pool = candidates([passage(0, len(ARTICLE))])
    cache = SentenceVectors()
    first = cache.get(emb, pool)
    calls = emb.calls
    again = cache.get(emb, pool)
    assert emb.calls == calls and np.array_equal(first, again)
