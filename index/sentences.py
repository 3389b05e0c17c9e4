"""Sentence splitting with exact character offsets, for text in any script.

Candidate boundaries come from ICU's sentence break iterator (UAX #29: every script's full stops,
`。！？` with no space after them, Devanagari `।`, Arabic `؟` and `۔`, Ethiopic `።`, Armenian `։`, …,
and closing quotes or brackets after a stop), from `.`/`!`/`?`/`…` before whitespace, from every line
break, and from a space between two Thai or Lao letters (those scripts end a sentence with a space).
newsrag's rules then veto the candidates ICU cannot judge: a period after an abbreviation, an initial or
a dotted acronym ("U.S.", "Mr.", "J. K."), a sentence that would start with a lower-case letter, and a
Latin stop with no space after it. `bench/segmenters.py` measured this against ICU alone, pysbd,
blingfire and sentencex on a multilingual sample (README "Languages and scripts").

It favours not splitting when a period is ambiguous ("to the U.S. He said" stays one sentence): a
missed split only makes a sentence longer, while a wrong split cuts a citation in half.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from index.scripts import sentence_boundaries
from index.types import Span

# A sentence ends after terminal punctuation, optionally followed by closing quotes or brackets, when
# whitespace follows. Whether the next character opens a sentence is checked in code (Python's `re`
# has no \p{Lu}).
_TERMINAL = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
# Every line break ends a sentence: news text puts paragraphs on their own lines ("\n\n"), and a line
# that ends without punctuation is a heading, a byline or a list item.
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029\x85]")
_WHITESPACE = re.compile(r"\s*")
_OPENERS = frozenset("\"'“‘«([¿¡")
# Thai and Lao put a space, not a full stop, between sentences.
_SPACE_STOP = re.compile(r"(?<=[\u0e00-\u0eff])[^\S\n\r\u2028\u2029\x85]+(?=[\u0e00-\u0eff])")
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
    Splits where ICU (UAX #29) or `.`/`!`/`?`/`…` before whitespace end a sentence, unless the rules
    of `_ends_sentence` veto it; at every line break; and at spaces between Thai or Lao letters.
    """
    cuts = {0, len(text)}
    cuts.update(match.start() for match in _LINE_BREAK.finditer(text))
    cuts.update(match.end() for match in _SPACE_STOP.finditer(text))
    cuts.update(nxt for nxt in _candidates(text) if _ends_sentence(text, nxt))

    spans: list[Span] = []
    for lo, hi in itertools.pairwise(sorted(cuts)):
        segment = text[lo:hi]
        stripped = segment.strip()
        if stripped:
            start = lo + len(segment) - len(segment.lstrip())
            spans.append(Span(start, start + len(stripped)))
    return spans


def _candidates(text: str) -> set[int]:
    """Offsets where a sentence may start: ICU's sentence boundaries, moved before an opening bracket or
    quote ICU gave to the sentence before ("。（" — UAX #29 counts openers as Close), and the first
    non-space after `.`/`!`/`?`/`…` (ICU does not treat `…` as a stop)."""
    out: set[int] = set()
    for cut in sentence_boundaries(text):
        while cut > 0 and _opening(text[cut - 1]):
            cut -= 1
        if 0 < cut < len(text):
            out.add(cut)
    for match in _TERMINAL.finditer(text):
        after = _WHITESPACE.match(text, match.end())
        assert after is not None  # `\s*` always matches
        if after.end() < len(text):
            out.add(after.end())
    return out


def _opening(ch: str) -> bool:
    return ch in _OPENERS or unicodedata.category(ch) in ("Ps", "Pi")


def _closing(ch: str) -> bool:
    """A quote or closing bracket after a stop (any quote: German closes with “, which opens in English)."""
    return ch in "\"'" or unicodedata.category(ch) in ("Pe", "Pf", "Pi")


def _opens_sentence(head: str) -> bool:
    """Whether a sentence may start with `head`: not a lower-case letter (a caseless letter may)."""
    if head.isupper() or head.istitle() or head.isdigit() or _opening(head):
        return True
    return unicodedata.category(head) == "Lo"  # CJK, Arabic, Hebrew, Devanagari, Thai, Ethiopic, …


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _ends_sentence(text: str, nxt: int) -> bool:
    """Whether a sentence ending before `nxt` (0 < nxt < len(text), after any whitespace) really ends
    there: terminal punctuation (plus closing quotes or brackets) precedes, a space follows it unless
    the stop or the next character is East Asian wide ("。" needs none), the next character may open
    a sentence, and a lone period does not end an abbreviation, an initial or a dotted acronym."""
    end = nxt
    while end > 0 and text[end - 1].isspace():
        end -= 1
    stop = end
    while stop > 0 and _closing(text[stop - 1]):
        stop -= 1
    start = stop
    while start > 0 and unicodedata.category(text[start - 1]) == "Po" and not _closing(text[start - 1]):
        start -= 1
    head = text[nxt]
    if start == stop or not _opens_sentence(head):
        return False
    if end == nxt and not (_wide(text[stop - 1]) or _wide(head)):
        return False  # "Yahoo!News", "3.5": a Latin stop needs a space after it
    if text[start:end] != ".":
        return True  # "!", "?", "...", "。", "।", or a period followed by a closing quote: no abbreviation
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
