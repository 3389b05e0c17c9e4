"""Words, stopwords and light stemming shared by lexical search, sentence scoring and evaluation.

Words are taken from `index.scripts.search_form`: NFKC without format characters (a soft hyphen, a
zero-width space or a decomposed accent neither splits nor hides a word), each Han/Kana character and
Hangul syllable a word of its own, Thai-like scripts cut by ICU's word break iterator. The same form is
what FTS5 indexes, so a word found here is a word lexical search can find.
"""

from __future__ import annotations

import itertools
import re

import regex

from index.scripts import SPACED_CHAR, search_form

# Letters and digits with their combining marks (Devanagari vowel signs, Thai tone marks, Hebrew points
# are category M: `\w` alone would cut a Hindi word at every vowel sign).
WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")  # the same on ASCII text, twice as fast

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "said",
        "says",
        "say",
        "according",
        "many",
        "much",
        "one",
        "ones",
        "article",
        "articles",
        "news",
        "report",
        "reports",
        "reported",
        "tell",
        "told",
        "describe",
        "describes",
        "whether",
        # Chinese function characters (each Han character is a word here)
        "的",
        "了",
        "是",
        "在",
        "有",
        "和",
        "吗",
        "呢",
        "吧",
        "么",
        "什",
        "多",
        "少",
        "哪",
        "谁",
        "这",
        "那",
        "个",
        "之",
    ]
)


def words(text: str) -> list[str]:
    """The lower-cased words of `text` in its matching form (see the module doc), in order."""
    form = search_form(text)
    return [w.lower() for w in (_ASCII_WORD if form.isascii() else WORD).findall(form)]


def cjk_bigrams(text: str) -> list[str]:
    """Adjacent pairs of Han/Kana characters or Hangul syllables ("新桥" of "新桥有多长"): phrases for
    lexical search, where single characters alone match too widely."""
    chars = [w if SPACED_CHAR.fullmatch(w) else "" for w in words(text)]
    return [a + b for a, b in itertools.pairwise(chars) if a and b]


def stem(word: str) -> str:
    """A deliberately light suffix stripper: plural and common verb endings only."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed non-stopwords, in order, without repeats."""
    return list(
        dict.fromkeys(
            stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or SPACED_CHAR.match(w))
        )
    )
