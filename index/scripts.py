"""Text in any script: ICU's break iterators, and the matching form lexical search and answers compare.

Stored text and its offsets are never changed here. What changes is only the form that is compared:

- `matching_form`: NFKC (composed and decomposed accents, NBSP and full-width forms become one form)
  without format characters (category Cf: soft hyphen U+00AD, zero-width space/joiner/non-joiner,
  a BOM inside text, bidi marks), so that they neither split nor hide a word.
- `search_form`: the matching form with a space between the characters of Han, Hiragana and Katakana
  (scripts written without spaces between words: each character becomes a token, as in unigram CJK
  indexing) and between Hangul syllables (Korean attaches particles to words), and Thai, Lao, Khmer
  and Myanmar cut into words by ICU's dictionary-based word break iterator. FTS5's unicode61
  tokenizer, which splits at spaces and punctuation, then finds a Chinese word inside a sentence as
  a phrase of its characters.

ICU (International Components for Unicode, via PyICU) implements UAX #29 text segmentation with
the Unicode Character Database's sentence-terminal and word-break properties for every script.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import icu

# Scripts written without spaces between words. Han (with the CJK punctuation-free ranges, the
# compatibility ideographs and extension A–H in the supplementary planes), Hiragana, Katakana: one
# token per character. Thai, Lao, Myanmar, Khmer: ICU's dictionary word break.
_CJK = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_SOUTHEAST_ASIAN = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff"
# Korean puts spaces between words, but particles and endings attach to them ("서울에서", in Seoul):
# for search, its syllables are tokens too, so that "서울" is found inside "서울에서" as a phrase.
_HANGUL = "\uac00-\ud7a3"
CJK_CHAR = re.compile(f"[{_CJK}]")
SPACED_CHAR = re.compile(f"[{_CJK}{_HANGUL}]")  # a token of its own in the search form
_NO_SPACE_RUN = re.compile(f"[{_CJK}]+|[{_SOUTHEAST_ASIAN}]+")  # words without spaces (word_count)
_SPACED_RUN = re.compile(f"[{_CJK}{_HANGUL}]+|[{_SOUTHEAST_ASIAN}]+")

_local = threading.local()  # ICU break iterators are not thread-safe: one of each kind per thread


def _iterator(kind: str) -> icu.BreakIterator:
    it = getattr(_local, kind, None)
    if it is None:
        root = icu.Locale.getRoot()
        factory = icu.BreakIterator
        it = factory.createSentenceInstance(root) if kind == "sentence" else factory.createWordInstance(root)
        setattr(_local, kind, it)
    return it


def _boundaries(kind: str, text: str) -> list[int]:
    """ICU's boundaries of `kind` ("sentence" or "word") in `text`, as Python (code point) offsets,
    without 0; the last one is len(text) for non-empty text."""
    if not text:
        return []
    it = _iterator(kind)
    ustr = icu.UnicodeString(text)
    it.setText(ustr)
    cuts = list(it)  # UTF-16 offsets
    if len(ustr) == len(text):  # no character outside the BMP: UTF-16 and code point offsets agree
        return cuts
    to_cp: dict[int, int] = {}
    units = 0
    for i, ch in enumerate(text):
        to_cp[units] = i
        units += 2 if ord(ch) > 0xFFFF else 1
    to_cp[units] = len(text)
    return [to_cp[c] for c in cuts if c in to_cp]


def sentence_boundaries(text: str) -> list[int]:
    """UAX #29 sentence boundaries of `text` by ICU (root locale): offsets where a sentence starts
    (after the previous one's trailing spaces), without 0, ending with len(text). ICU knows every
    script's full stops (`。！？`, `।`, `؟`, `۔`, `።`, `։`, …) but no abbreviations; callers veto."""
    return _boundaries("sentence", text)


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def matching_form(text: str) -> str:
    """`text` in NFKC without format characters (category Cf): what is compared, never stored."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", _without_format(text))


def _without_format(text: str) -> str:
    return "".join(ch for ch in text if not _is_format(ch))


def _spaced(run: str) -> str:
    if SPACED_CHAR.match(run):
        return " " + " ".join(run) + " "
    cuts = _boundaries("word", run)
    return " " + " ".join(run[a:b] for a, b in zip([0, *cuts], cuts, strict=False)) + " "


def search_form(text: str) -> str:
    """The matching form with its words separated by spaces in every script (see the module doc):
    what the FTS5 index holds and what a query is tokenized from. Words are cut before NFKC, which
    decomposes Thai and Lao vowels (SARA AM) that ICU's dictionary knows only composed."""
    if text.isascii():
        return text
    spaced = _SPACED_RUN.sub(
        lambda m: _spaced(m.group()), unicodedata.normalize("NFC", _without_format(text))
    )
    return unicodedata.normalize("NFKC", spaced)


def tokens(text: str) -> list[str]:
    """The whitespace tokens of `text`'s search form: `text.split()` for ASCII text, and a token per
    Han/Kana character or Thai-like ICU word where words have no spaces (punctuation stays attached)."""
    return text.split() if text.isascii() else search_form(text).split()


def unspaced_words(token: str) -> int:
    """How many words a whitespace-free `token` holds: 1 for a token of spaced scripts; its CJK
    characters and ICU words of Thai-like scripts counted one by one otherwise."""
    if token.isascii() or not _NO_SPACE_RUN.search(token):
        return 1
    return max(1, sum(1 for w in search_form(token).split() if any(ch.isalnum() for ch in w)))


def word_count(text: str) -> int:
    """Words in `text`: whitespace-separated words, where a run of a script written without spaces
    counts its characters (Han, Kana) or its ICU words (Thai, Lao, Khmer, Myanmar). For text in
    spaced scripts this is `len(text.split())`."""
    return sum(unspaced_words(t) for t in text.split())
