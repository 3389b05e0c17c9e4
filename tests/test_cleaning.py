"""clean_text: whitespace normalisation and conservative removal of web boilerplate lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.cleaning import clean_text, is_boilerplate

BODY = "Thousands of migrants have joined a growing caravan in Mexico, raising concerns in the region."


@pytest.mark.parametrize(
    "line",
    [
        "2 Min Read",
        "5 min read",
        "10 minute read",
        "Share This Article",
        "Share this:",
        "Leave a comment",
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked *",
        "Your email address will not be published. Required fields are marked *",
        "Click to share on Twitter (Opens in new window)",
        "Subscribe to our newsletter",
        "Advertisement",
        "ADVERTISEMENT - SCROLL TO CONTINUE",
        "Read more: Caravan reaches the border town",
        "Related news",
        "Share This Article | Leave a comment",
        "© 2024 Harbour Daily. All rights reserved.",
    ],
)
def test_known_boilerplate_line_is_removed(line: str) -> None:
    text = f"{BODY}\n\n{line}\n\nThe surge comes days before a planned visit."
    assert clean_text(text) == f"{BODY}\n\nThe surge comes days before a planned visit."


@pytest.mark.parametrize(
    "line",
    [
        "Share prices fell sharply on Monday.",
        "Advertisement revenue at the paper fell by a third.",
        "Leave a comment below and tell us what you think about the new plan for the harbour district.",
        "Read more: the council published the report, which runs to 300 pages and covers each district.",
        "Critics said readers should read more than the headline before judging the plan.",
        "Copyright law changes were approved by parliament.",
        "Email",
        "* * *",
    ],
)
def test_article_line_that_resembles_boilerplate_is_kept(line: str) -> None:
    text = f"{BODY}\n\n{line}\n\nThe surge comes days before a planned visit."
    assert line in clean_text(text)


def test_long_line_is_never_boilerplate_unless_made_of_known_phrases() -> None:
    assert not is_boilerplate("Read more: " + "word " * 12)
    assert is_boilerplate("Your email address will not be published. Required fields are marked *")


def test_trailing_block_of_share_buttons_is_dropped() -> None:
    text = f"{BODY}\n\nShare This Article\nFacebook\nTwitter\nEmail\n\n* * *\n\nLeave a Reply"
    assert clean_text(text) == BODY


def test_share_button_words_mid_body_are_kept() -> None:
    text = f"{BODY}\n\nTwitter\n\nThe company said the change would take effect next week."
    assert "\nTwitter\n" in clean_text(text)


def test_paragraph_breaks_become_one_blank_line() -> None:
    assert clean_text("First paragraph.\r\n\r\n\r\n\r\nSecond paragraph.") == (
        "First paragraph.\n\nSecond paragraph."
    )


def test_runs_of_spaces_tabs_and_nbsp_collapse_and_lines_are_stripped() -> None:
    assert clean_text("  The  caravan\t\tleft\u00a0on Monday.   \n") == "The caravan left on Monday."


def test_single_line_breaks_are_kept() -> None:
    assert clean_text("Line one\nLine two") == "Line one\nLine two"


def test_byte_order_mark_is_removed_but_zero_width_joiner_is_kept() -> None:
    assert clean_text("\ufeffNamaste \u0915\u094d\u200d\u0937") == "Namaste \u0915\u094d\u200d\u0937"


def test_text_made_only_of_boilerplate_cleans_to_empty() -> None:
    assert clean_text("2 Min Read\n\nShare This Article\nLeave a comment\n") == ""


_PIECES = [*"ab .:*\n\t\u00a0\r-©\ufeff", "Share this", "2 min read", "Twitter", "Read more: x", "\n\n"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
