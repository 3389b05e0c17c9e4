"""Text in every script: the matching form, words where there are no spaces, typed numbers in Chinese
and Japanese, answer types of Chinese and Japanese questions, and answer matching."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.cjk_numbers import cjk_number_spans, is_span_of_time
from index.scripts import matching_form, search_form, sentence_boundaries, tokens, word_count
from index.search_backends import fts_query
from rag.answer_types import AnswerType, answer_type
from rag.evaluation.metrics import exact_match, normalize_answer
from rag.retrieval import query_words
from rag.text import WORD, content_terms, words

# (text with an invisible or equivalent character, the same text as a reader sees it)
INVISIBLE = [
    ("news\u00adpaper", "newspaper"),  # soft hyphen
    ("news\u200bpaper", "newspaper"),  # zero-width space
    ("co\u200dop\u200cerative", "cooperative"),  # zero-width joiner, non-joiner
    ("\ufeffstrike", "strike"),  # a BOM inside text
    ("strike\u00a0committee", "strike committee"),  # NBSP
    ("cafe\u0301", "caf\u00e9"),  # decomposed vs composed accent
    ("Saint-E\u0301tienne", "Saint-\u00c9tienne"),
    ("\uff21\uff22\uff23 \uff11\uff12", "ABC 12"),  # full-width forms
]


@pytest.mark.parametrize(("hidden", "seen"), INVISIBLE)
def test_invisible_and_equivalent_characters_neither_split_nor_hide_a_word(hidden: str, seen: str) -> None:
    assert words(hidden) == words(seen)
    assert content_terms(hidden) == content_terms(seen)
    assert search_form(hidden) == search_form(seen)
    assert normalize_answer(hidden) == normalize_answer(seen)


def test_ascii_text_is_its_own_matching_form() -> None:
    text = 'He said "We will win." Then he left (at 9 a.m.).'
    assert matching_form(text) == text and search_form(text) == text
    assert normalize_answer("The Eiffel Tower!") == "eiffel tower"  # SQuAD's normalisation, unchanged


def test_han_and_kana_characters_are_words_and_thai_is_cut_by_icu() -> None:
    assert words("新桥有多长？") == ["新", "桥", "有", "多", "长"]
    assert words("東京の駅") == ["東", "京", "の", "駅"]
    thai = ["ถนน", "หลาย", "สาย", "มี", "น้ำ", "ท่วม"]  # words are compared in NFKC (SARA AM decomposes)
    assert words("ถนนหลายสายมีน้ำท่วม") == [unicodedata.normalize("NFKC", w) for w in thai]
    # combining marks stay inside the word (Devanagari vowel signs, Hebrew points)
    assert words("अधिकारियों ने हाँ कहा") == ["अधिकारियों", "ने", "हाँ", "कहा"]
    assert content_terms("这座桥长三百米") == ["座", "桥", "长", "三", "百", "米"]  # 这 is a stopword


def test_chinese_question_searches_bigram_phrases_then_characters() -> None:
    terms = query_words("新桥有多长？")
    assert terms[:4] == ["新桥", "桥有", "有多", "多长"] and "桥" in terms and "有" not in terms
    assert fts_query(["新桥", "ferry"]) == '"新 桥" OR "ferry"'


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("The bridge is three hundred metres long.", 7),
        ("这座桥长三百米，连接了东西两岸的村庄。", 17),
        ("東京で新しい駅が開業した。", 12),
        ("ถนนหลายสายมีน้ำท่วม", 6),
        ("Ferry 渡轮 strike", 4),
    ],
)
def test_word_count_counts_characters_or_icu_words_where_words_have_no_spaces(text: str, count: int) -> None:
    assert word_count(text) == count


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_word_count_is_whitespace_words_for_text_without_cjk_or_thai(text: str) -> None:
    if not any(unicodedata.east_asian_width(c) in "WF" or "\u0e00" <= c <= "\u109f" for c in text):
        assert word_count(text) == len(text.split())


def test_icu_boundaries_are_code_point_offsets_even_beyond_the_bmp() -> None:
    text = "𠀀𠀁是汉字。😀下一句。"
    assert sentence_boundaries(text) == [text.index("😀"), len(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这座桥长三百米，连接了东西两岸的村庄。", [("三百米", "QUANTITY")]),
        ("镇长说，新桥的建设共花费了两年时间。", [("两年", "DATE")]),
        ("河谷镇的新桥于周二正式开通。", [("周二", "DATE")]),
        (
            "2024年价格上涨了百分之五，达到500元。",
            [("2024年", "DATE"), ("百分之五", "PERCENT"), ("500元", "MONEY")],
        ),
        ("利用者は一日十万人を見込む。", [("一日", "DATE"), ("十万人", "CARDINAL")]),
        ("连接了东西两岸，一起统一。", []),  # a lone numeral inside a word is no number
        ("It rose 5% to 500 euros.", []),  # numbers outside Chinese and Japanese are spaCy's
    ],
)
def test_numbers_with_units_in_chinese_and_japanese_are_typed(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(text[a:b], label) for a, b, label in cjk_number_spans(text)] == expected


def test_a_span_of_time_is_told_from_a_point_in_time() -> None:
    assert is_span_of_time("两年") and is_span_of_time("三个月") and is_span_of_time("10天")
    assert not is_span_of_time("2024年") and not is_span_of_time("周二")


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("新桥有多长？", AnswerType.MEASURE),
        ("新桥的建设花了多长时间？", AnswerType.DURATION),
        ("建设用了多久？", AnswerType.DURATION),
        ("居民要绕行多少公里？", AnswerType.NUMBER),
        ("门票多少钱？", AnswerType.MONEY),
        ("新桥什么时候开通？", AnswerType.DATE),
        ("谁是镇长？", AnswerType.ANY),  # no Chinese names in the index: untyped, not refused
        ("新桥在哪里？", AnswerType.ANY),
        ("为什么要建新桥？", AnswerType.REASON),
        ("駅はいつ開業しましたか？", AnswerType.DATE),
        ("駅はどこにありますか？", AnswerType.ANY),
        ("How long is the bridge?", AnswerType.DURATION),  # English unchanged
    ],
)
def test_chinese_and_japanese_question_words_give_the_answer_type(question: str, wanted: AnswerType) -> None:
    assert answer_type(question) is wanted


def test_chinese_answers_are_scored_by_character() -> None:
    assert exact_match("三百米", ["三百米"]) == 1.0
    assert normalize_answer("三百米") == "三 百 米"


def test_tokens_are_whitespace_tokens_or_single_han_characters() -> None:
    assert tokens("The bridge, three hundred metres.") == ["The", "bridge,", "three", "hundred", "metres."]
    assert tokens("这座桥长三百米，") == [
        "这",
        "座",
        "桥",
        "长",
        "三",
        "百",
        "米",
        ",",
    ]  # NFKC: full-width comma


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_fast_path_finds_the_same_words_as_the_unicode_pattern(text: str) -> None:
    assert words(text) == [w.lower() for w in WORD.findall(text)]
