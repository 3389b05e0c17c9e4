"""Answers that answer, with the real model and NER: the right sentence, the exact short answer, and
the field cases that once went wrong (tests/data/answers/, rewritten from ../shared/bugcases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import ingest
from rag.service import Assistant
from rag.settings import Settings

pytestmark = pytest.mark.real_model

DATA = Path(__file__).parent / "data" / "answers"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Assistant:
    index_dir = tmp_path_factory.mktemp("answers") / "idx"
    ingest.build(index_dir, [DATA / "mayors.jsonl", DATA / "towns.jsonl"], real_embedder)  # type: ignore[arg-type]
    return Assistant(Settings(index_dir=index_dir), real_embedder)  # type: ignore[arg-type]


def _check_offsets(assistant: Assistant, answer: object) -> None:
    """Every quote and the short answer are exact substrings of their article at their offsets."""
    db = assistant.reader().db
    for c in answer.citations:  # type: ignore[attr-defined]
        article = db.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote
    short = answer.short  # type: ignore[attr-defined]
    if short is not None:
        first = answer.citations[short.citation - 1]  # type: ignore[attr-defined]
        article = db.article(first.article_id)
        assert article is not None and article.text[short.start : short.end] == short.text
        assert first.start <= short.start and short.end <= first.end


@pytest.mark.parametrize(
    ("town", "article_id", "name"),
    [
        ("Westmont", "m3", "Émile Lévêque"),
        ("Eastvik", "m2", "Ólafur Þórsson"),
        ("Southgrad", "m4", "Дмитрий Орлов"),
        ("Midfield", "m5", "Łukasz Żak"),
        ("Porthaven", "m6", "Γιώργος Παπαδόπουλος"),
        ("Northby", "m1", "Oliver Grant"),
        # scripts without capitals, and non-ASCII names in capitals: no PROPN, still names
        ("Greenhill", "m7", "ნინო ბერიძე"),
        ("Kingsford", "m8", "محمد العلي"),
        ("Oakmoor", "m9", "राहुल शर्मा"),
        ("Pinewick", "m10", "ÉMILE LÉVÊQUE"),
        ("Ashvale", "m11", "ÆLFRED ØSTERGÅRD"),
    ],
)
def test_who_question_names_the_person_of_the_right_article_in_any_script(
    assistant: Assistant, town: str, article_id: str, name: str
) -> None:
    answer = assistant.ask(f"Who was chosen as mayor of {town}?")
    assert not answer.abstained, answer.reason
    assert answer.citations[0].article_id == article_id
    assert answer.short is not None and answer.short.text == name and answer.short.label in ("PERSON", "NAME")
    _check_offsets(assistant, answer)


@pytest.mark.parametrize(
    ("question", "quote", "short"),
    [
        ("How much does entry to the Oakridge swimming pool cost?", "Entry costs three euros", "three euros"),
        ("How long is the Rivervale footbridge?", "three hundred metres long", "three hundred metres"),
        ("How many lanes does the Oakridge swimming pool have?", "six lanes", "six"),
        ("How many books does the Hillcrest library hold?", "forty thousand books", "forty thousand"),
        # a number the NER does not type in a short sentence: typed from its noun phrase
        ("How many traders does the Maplewood farmers market expect?", "around sixty traders", "sixty"),
    ],
)
def test_typed_answer_is_not_crowded_out_by_the_lead_sentence(
    assistant: Assistant, question: str, quote: str, short: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained, answer.reason
    assert quote in answer.citations[0].quote
    assert answer.short is not None and answer.short.text == short
    _check_offsets(assistant, answer)


def test_why_answer_gives_the_reason_and_nothing_from_unrelated_articles(assistant: Assistant) -> None:
    answer = assistant.ask("Why were the ferries at Kelby cancelled?")
    assert not answer.abstained, answer.reason
    assert "waves reached six metres" in answer.citations[0].quote
    assert {c.article_id for c in answer.citations} == {"harbour"}
    assert answer.short is None  # a reason is a sentence, not a span


def test_question_the_articles_never_touch_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("What is the capital of Australia?")
    assert answer.abstained and answer.reason in {"weak_evidence", "answer_type_missing", "no_passages"}
    assert answer.citations == [] and answer.short is None
