"""Answers in other scripts, with the real model and NER: the field case cjk-sentences (rewritten into
tests/data/scripts/bridge/) and its kind — Chinese and Japanese questions answered by an exact quote."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import ingest
from rag.service import Assistant
from rag.settings import Settings

pytestmark = pytest.mark.real_model

DATA = Path(__file__).parent / "data" / "scripts" / "bridge"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Assistant:
    # every script of the folder goes through spaCy's English pipeline: it must not crash on any
    index_dir = tmp_path_factory.mktemp("scripts-answers") / "idx"
    report = ingest.build(index_dir, [DATA], real_embedder)  # type: ignore[arg-type]
    assert not report.failed
    return Assistant(Settings(index_dir=index_dir), real_embedder)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "article_id", "quote", "start", "short"),
    [
        ("新桥有多长？", "zh", "这座桥长三百米，连接了东西两岸的村庄。", 14, "三百米"),
        ("新桥的建设花了多长时间？", "zh", "镇长说，新桥的建设共花费了两年时间。", 53, "两年"),
        ("居民过去要绕行多少公里？", "zh", "当地居民表示，过去过河需要绕行二十公里。", 33, "二十公里"),
        ("駅の建設には何年かかりましたか？", "ja", "駅の建設には三年かかった。", 21, "三年"),
        ("How long is the Rivervale footbridge?", "en", None, None, "three hundred metres"),
    ],
)
def test_question_in_a_script_without_spaces_is_answered_by_its_exact_sentence(
    assistant: Assistant, question: str, article_id: str, quote: str | None, start: int | None, short: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained, answer.reason
    first = answer.citations[0]
    assert first.article_id == article_id
    if quote is not None:
        assert (first.quote, first.start, first.end) == (quote, start, start + len(quote))  # type: ignore[operator]
    article = assistant.reader().db.article(first.article_id)
    assert article is not None and article.text[first.start : first.end] == first.quote
    assert answer.short is not None and answer.short.text == short
    assert article.text[answer.short.start : answer.short.end] == short
