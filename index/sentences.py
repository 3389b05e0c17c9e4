"""Rule-based sentence splitting with exact character offsets.

Fast enough to run on every retrieved passage at query time. It favours not splitting when a period is
ambiguous ("to the U.S. He said" stays one sentence): a missed split only makes a sentence longer,
while a wrong split cuts a citation in half.
"""

from __future__ import annotations

import itertools
import re

from index.types import Span

# A sentence ends after terminal punctuation, optionally followed by closing quotes or brackets, when
# whitespace follows. Whether the next character opens a sentence is checked in code (Python's `re`
# has no \p{Lu}).
_TERMINAL = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
# Every line break ends a sentence: news text puts paragraphs on their own lines ("\n\n"), and a line
# that ends without punctuation is a heading, a byline or a list item.
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029\x85]")
_WHITESPACE = re.compile(r"\s*")
_OPENERS = frozenset("\"'“‘«([")
# Dotted acronyms and abbreviations: U.S, U.K, e.g, i.e, a.m, p.m, J.K (the final period excluded).
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")

# Lower-cased, without the final period; compared with the word that ends in the period. Titles,
# company suffixes and months count only when capitalised, so that "He sat." or "the co." still end.
_TITLE_CASE_WORDS = """
    mr mrs ms messrs dr prof st jr sr gen sen rep reps gov lt col sgt capt cmdr adm maj brig cpl pvt
    rev hon pres supt insp det atty mt ft fig figs dept univ assn bros inc ltd co corp plc llc
    jan feb mar apr jun jul aug sep sept oct nov dec ave blvd rd hwy
"""
_TITLE_CASE_ABBREVIATIONS = frozenset(_TITLE_CASE_WORDS.split())
_ANY_CASE_ABBREVIATIONS = frozenset({"vs", "approx", "al", "cf", "viz"})
# Only abbreviations before a number ("No. 10 Downing Street"); case-sensitive, as "said no. 5 more"
# ends a sentence.
_BEFORE_NUMBER = frozenset({"No", "Nos", "Vol", "vol", "Art", "art", "p", "pp"})
# Abbreviations that often end a clause: they end the sentence when a typical sentence opener follows
# ("until 4 a.m. The governor said"), and not otherwise ("at 10 a.m. Tuesday", "etc. Nothing else").
_CLAUSE_FINAL = frozenset({"a.m", "p.m", "etc"})
_OPENER_TEXT = (
    "The It He She They We I This That These Those There But And In On At A An His Her Their Its Our Then"
)
_OPENER_WORDS = frozenset(_OPENER_TEXT.split())
_NEXT_WORD = re.compile(r"[A-Za-z]+\b")
_MAX_WORD = 24  # longest run of characters examined before a period when looking for an abbreviation


def split_sentences(text: str) -> list[Span]:
    """Split `text` into sentences, returned as spans into `text` in order.

    Each span is non-empty, starts and ends on a non-whitespace character, spans never overlap, and
    together they cover every non-whitespace character of `text` (whitespace-only text gives []).
    Splits after `.`/`!`/`?`/`…` (plus closing quotes/brackets) followed by whitespace and an upper-case
    letter, digit or opening quote/bracket, unless the period ends a known abbreviation, an initial or
    a dotted acronym; and at every line break.
    """
    cuts = [0]
    for match in _LINE_BREAK.finditer(text):
        cuts.append(match.start())
    for match in _TERMINAL.finditer(text):
        if _ends_sentence(text, match.start(), match.end()):
            cuts.append(match.end())
    cuts.append(len(text))
    cuts.sort()

    spans: list[Span] = []
    for lo, hi in itertools.pairwise(cuts):
        segment = text[lo:hi]
        stripped = segment.strip()
        if stripped:
            start = lo + len(segment) - len(segment.lstrip())
            spans.append(Span(start, start + len(stripped)))
    return spans


def _ends_sentence(text: str, start: int, end: int) -> bool:
    """Whether the terminal punctuation `text[start:end]` (followed by whitespace) ends a sentence."""
    after = _WHITESPACE.match(text, end)
    assert after is not None  # `\s*` always matches
    nxt = after.end()
    if nxt >= len(text):
        return True  # trailing punctuation: nothing left to split off
    head = text[nxt]
    if not (head.isupper() or head.istitle() or head.isdigit() or head in _OPENERS):
        return False
    if text[start:end] != ".":
        return True  # "!", "?", "...", or a period followed by a closing quote: never an abbreviation
    word = _word_before(text, start)
    if not word:
        return True
    if word.lower() in _CLAUSE_FINAL:
        opener = _NEXT_WORD.match(text, nxt)
        return opener is not None and opener.group() in _OPENER_WORDS
    if _DOTTED.fullmatch(word) or (len(word) == 1 and word.isupper()):
        return False  # "U.S." or an initial ("J. K. Rowling"): ambiguous, so keep together
    lowered = word.lower()
    if lowered in _ANY_CASE_ABBREVIATIONS or (word[0].isupper() and lowered in _TITLE_CASE_ABBREVIATIONS):
        return False
    return not (word in _BEFORE_NUMBER and head.isdigit())


def _word_before(text: str, pos: int) -> str:
    """The run of non-whitespace characters ending at `pos`, without leading quotes or brackets."""
    lo = pos
    limit = max(0, pos - _MAX_WORD)
    while lo > limit and not text[lo - 1].isspace():
        lo -= 1
    if lo == limit and lo > 0 and not text[lo - 1].isspace():
        return ""  # longer than any abbreviation
    return text[lo:pos].lstrip("\"'“‘«([")
