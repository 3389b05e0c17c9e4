"""Sentence splitting: exact offsets, news abbreviations, quotes and paragraph breaks, in every script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "U.S. Secretary of State Antony Blinken is scheduled to visit Kyiv. He will meet officials.",
            ["U.S. Secretary of State Antony Blinken is scheduled to visit Kyiv.", "He will meet officials."],
        ),
        (
            "Mr. Smith met Dr. Jones at St. Mary's. They talked.",
            ["Mr. Smith met Dr. Jones at St. Mary's.", "They talked."],
        ),
        ("J. K. Rowling wrote it. Fans agree.", ["J. K. Rowling wrote it.", "Fans agree."]),
        ("Apples, pears, etc. Nothing else was sold.", ["Apples, pears, etc. Nothing else was sold."]),
        (
            "Gen. Milley and Sen. Warren spoke on Jan. 5 in Washington.",
            ["Gen. Milley and Sen. Warren spoke on Jan. 5 in Washington."],
        ),
        ("Acme Inc. Chief Executive Jane Doe resigned.", ["Acme Inc. Chief Executive Jane Doe resigned."]),
        ("The U.K. and the U.N. agreed.", ["The U.K. and the U.N. agreed."]),
        ("Use a tool, e.g. A hammer, i.e. This one.", ["Use a tool, e.g. A hammer, i.e. This one."]),
        ("He lives at No. 10 Downing Street.", ["He lives at No. 10 Downing Street."]),
    ],
)
def test_abbreviations_initials_and_acronyms_do_not_end_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_ambiguous_acronym_before_capital_prefers_not_splitting() -> None:
    assert sentences("He flew to the U.S. He said it went well.") == [
        "He flew to the U.S. He said it went well."
    ]


def test_ordinary_words_that_look_like_abbreviations_still_end_sentences() -> None:
    assert sentences("He sat. Then he left. She said no. 5 people stayed.") == [
        "He sat.",
        "Then he left.",
        "She said no.",
        "5 people stayed.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "We will win." Then he left.', ['He said "We will win."', "Then he left."]),
        (
            "“It is over,” she said. “We lost.” The vote was 5-4.",
            ["“It is over,” she said.", "“We lost.”", "The vote was 5-4."],
        ),
        ("Really? Yes! (It was.) Fine.", ["Really?", "Yes!", "(It was.)", "Fine."]),
        ("Wait... What happened?! Nobody knows.", ["Wait...", "What happened?!", "Nobody knows."]),
        ('"Why?" he asked. It was late.', ['"Why?" he asked.', "It was late."]),
    ],
)
def test_terminal_punctuation_with_closing_quotes_ends_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_starting_with_digit_or_opening_quote_is_split() -> None:
    assert sentences('It ended in 2019. 2020 was worse. "Never again," he said.') == [
        "It ended in 2019.",
        "2020 was worse.",
        '"Never again," he said.',
    ]


def test_lowercase_after_period_and_decimals_do_not_split() -> None:
    assert sentences("Growth was 3.5 percent vs. 2.1 in the U.S. economy. ok fine.") == [
        "Growth was 3.5 percent vs. 2.1 in the U.S. economy. ok fine."
    ]


def test_paragraph_breaks_and_line_ends_split_even_without_punctuation() -> None:
    text = "Headline without period\n\nFirst paragraph. Second sentence\n\n  Third paragraph\nByline"
    assert sentences(text) == [
        "Headline without period",
        "First paragraph.",
        "Second sentence",
        "Third paragraph",
        "Byline",
    ]


def test_offsets_are_exact_and_whitespace_is_trimmed() -> None:
    text = "  \n First one.   Second one!\r\n\tThird  "
    spans = split_sentences(text)
    assert [(s.start, s.end) for s in spans] == [(4, 14), (17, 28), (31, 36)]
    assert [text[s.start : s.end] for s in spans] == ["First one.", "Second one!", "Third"]


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n "])
def test_empty_or_whitespace_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def test_text_without_punctuation_or_whitespace_is_one_sentence() -> None:
    assert sentences("x" * 5000) == ["x" * 5000]
    assert sentences("no punctuation at all here") == ["no punctuation at all here"]


# Text made of the pieces the splitter reacts to, so that its rules fire far more often than in st.text():
# stops of every script, quotes and brackets, letters of caseless scripts, format characters, and
# characters beyond the BMP (ICU counts UTF-16 units; offsets here are code points).
_NEWSY = st.lists(
    st.one_of(
        st.sampled_from([*".!?\"'”’()[]…é字9"]),
        st.sampled_from([*"。！？｡।॥؟۔።։「」『』（）“”‘’«»¿¡"]),
        st.sampled_from([*"新桥ทยاלनム", "\u00ad", "\u200b", "\u200d", "\ufeff", "😀", "𠀀"]),
        st.sampled_from(["word", "Capital", " ", "  ", "\n", "\n\n", "\r", "\t", "\u00a0", "\u2028"]),
        st.sampled_from(["U.S.", "Mr.", "No.", "J.", "etc.", "a.m. The", "Sr.", "ฯ "]),
    ),
    max_size=120,
).map("".join)


def assert_exact_partition(text: str) -> None:
    spans = split_sentences(text)
    covered: set[int] = set()
    previous_end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert piece, "empty sentence"
        assert piece == piece.strip(), "sentence not stripped"
        assert span.start >= previous_end, "sentences overlap or are out of order"
        previous_end = span.end
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _NEWSY))
def test_spans_are_exact_ordered_disjoint_and_cover_all_non_whitespace(text: str) -> None:
    assert_exact_partition(text)


def test_clause_final_abbreviation_ends_a_sentence_only_before_a_typical_opener() -> None:
    text = "A curfew runs from 10 p.m. to 4 a.m. The governor said so. It starts at 9 a.m. Tuesday."
    assert sentences(text) == [
        "A curfew runs from 10 p.m. to 4 a.m.",
        "The governor said so.",
        "It starts at 9 a.m. Tuesday.",
    ]


# The multilingual sample bench/segmenters.py measures with: gold sentences per script, joined by a
# space, or by nothing where the script puts no space after a full stop.
SAMPLE = json.loads(
    (Path(__file__).parent / "data" / "scripts" / "sentences.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("item", SAMPLE, ids=[f"{i['script']}-{i['lang']}-{n}" for n, i in enumerate(SAMPLE)])
def test_every_script_is_split_into_its_sentences(item: dict[str, object]) -> None:
    gold = item["sentences"]
    assert isinstance(gold, list)
    text = str(item.get("sep", " ")).join(gold)
    assert sentences(text) == gold


def test_chinese_paragraph_without_spaces_is_four_sentences_with_exact_offsets() -> None:
    # tests/data/scripts/bridge/zh.txt (the field case cjk-sentences): 。 and no space after it
    text = (Path(__file__).parent / "data" / "scripts" / "bridge" / "zh.txt").read_text(encoding="utf-8")
    body = text.split("\n\n", 1)[1].strip()
    spans = split_sentences(body)
    assert len(spans) == 4
    assert (spans[1].start, spans[1].end) == (14, 33)
    assert body[14:33] == "这座桥长三百米，连接了东西两岸的村庄。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # opening brackets and quotes after a CJK stop open the next sentence (ICU gives them to the last)
        (
            "他离开了。（会议在周三举行。）结果尚未公布。",
            ["他离开了。", "（会议在周三举行。）", "结果尚未公布。"],
        ),
        ("他离开了。“我们会赢！”她说：“好。”", ["他离开了。", "“我们会赢！”", "她说：“好。”"]),
        # a Latin stop needs a space after it; a full-width one does not
        ("Yahoo!News rose 3.5%. Shares fell.", ["Yahoo!News rose 3.5%.", "Shares fell."]),
        ("价格上涨了3.5%。股价下跌！", ["价格上涨了3.5%。", "股价下跌！"]),
        # Spanish openers, and a lower-case word after "?" continues the sentence
        ("Llegó a las 10. ¿Por qué? ¡Nadie sabe!", ["Llegó a las 10.", "¿Por qué?", "¡Nadie sabe!"]),
        ('"¿Por qué?" preguntó él.', ['"¿Por qué?" preguntó él.']),
        # Thai: a space between Thai letters ends a sentence; around Latin words and numbers it does not
        ("ราคา 500 บาท วันนี้ฝนตก", ["ราคา 500 บาท", "วันนี้ฝนตก"]),
    ],
)
def test_stops_quotes_and_brackets_in_every_script(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_offsets_count_code_points_beyond_the_bmp() -> None:
    text = "😀 Emoji first. 𠀀是汉字。下一句。"
    assert sentences(text) == ["😀 Emoji first.", "𠀀是汉字。", "下一句。"]
