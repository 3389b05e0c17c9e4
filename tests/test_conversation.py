from __future__ import annotations

import pytest

from rag.conversation import is_follow_up, standalone_query


def test_a_single_question_stands_alone() -> None:
    assert (
        standalone_query([{"role": "user", "content": "Why are migrants leaving?"}])
        == "Why are migrants leaving?"
    )


@pytest.mark.parametrize(
    "question", ["and who is visiting?", "why?", "What about the mayor?", "Did he agree?"]
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize("question", ["Who is about to visit Mexico?", "What are Mexican authorities doing?"])
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question)


def test_follow_up_borrows_the_earlier_question_words_not_the_answer() -> None:
    messages = [
        {"role": "user", "content": "Why are migrants leaving Mexico?"},
        {"role": "assistant", "content": "Violence and poverty [1]."},
        {"role": "user", "content": "and who is visiting?"},
    ]
    query = standalone_query(messages)
    assert query.startswith("and who is visiting?")
    assert "migrants" in query and "mexico" in query.lower() and "violence" not in query.lower()


def test_no_user_message_gives_an_empty_query() -> None:
    assert standalone_query([{"role": "system", "content": "be nice"}]) == ""
