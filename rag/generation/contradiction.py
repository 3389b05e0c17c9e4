"""Whether a quote says the opposite of a claim: a negation, an antonym, another number or day.

Support (rag/generation/verify.py) is embedding similarity plus word overlap, which cannot tell "The
footbridge is closed" from "The footbridge reopened": the two are close in MiniLM's space and share
their subject. No NLI model installs offline here (DESIGN.md), so this is a small, conservative lexical
check in the spirit of the contradiction features of early RTE systems (de Marneffe, Rafferty and
Manning 2008, "Finding Contradictions in Text": negation, antonymy, numeric and date mismatch). It
only ever takes support away: a claim its best quote contradicts is not supported by that quote.

- **Negation**: a content word the claim negates ("has not reopened") that the quote states without
  negation, or the reverse. Negators: not, never, cannot, no longer, any "n't"; the negated word is
  the first content word within three words after the negator.
- **Antonyms**: `ANTONYMS`, a short list of word forms in opposite pairs (open/closed, rise/fall,
  win/lose, approve/reject, allow/ban, confirm/deny, guilty/acquitted, resume/suspend,
  higher/lower). A negated form counts as its opposite ("not closed" is open).
- **Numbers and days**: both state numbers and share none, or both name a weekday (or a month) and
  share none.

"no" alone is not a negator ("had no money" and "ran out of money" agree). Quote and claim may speak
of different subjects ("Labour lost" against "The Greens won"): such a quote does not state the claim
either, so taking its support away is right.
"""

from __future__ import annotations

import re

from rag.text import STOPWORDS, stem, words

_PAIRS = (
    (
        "open opens opened opening reopen reopens reopened reopening",
        "close closes closed closing closure shut shuts",
    ),
    (
        "rise rises rose risen rising increase increases increased increasing grow grows grew growing",
        "fall falls fell fallen falling decrease decreases decreased decreasing drop drops dropped "
        "dropping decline declines declined declining",
    ),
    ("win wins won winning", "lose loses lost losing"),
    ("accept accepts accepted approve approves approved", "reject rejects rejected refuse refuses refused"),
    (
        "allow allows allowed permit permits permitted legal lifted",
        "ban bans banned forbid forbidden prohibited illegal",
    ),
    ("confirm confirms confirmed", "deny denies denied"),
    ("guilty convicted", "innocent acquitted"),
    ("resume resumes resumed restarted", "suspend suspends suspended halted"),
    ("higher", "lower"),
)
# word form -> (pair index, side 0 or 1)
ANTONYMS: dict[str, tuple[int, int]] = {
    form: (i, side)
    for i, pair in enumerate(_PAIRS)
    for side, forms in enumerate(pair)
    for form in forms.split()
}
_NEGATORS = frozenset({"not", "never", "cannot"})
_SKIP = frozenset({"yet", "ever", "longer", "always", "even", "still", "be", "been", "being"})
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
_MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_WORD = re.compile(r"[^\W\d_]+")


def _is_negator(tokens: list[str], i: int) -> bool:
    w = tokens[i]
    return (
        w in _NEGATORS
        or w.endswith(("n't", "n’t"))
        or (w == "no" and i + 1 < len(tokens) and tokens[i + 1] == "longer")
    )


def _read(text: str) -> tuple[set[str], set[str], set[tuple[int, int]]]:
    """(plain content stems, negated content stems, antonym sides stated) of `text`."""
    tokens = words(text)
    negated_at: set[int] = set()
    for i in range(len(tokens)):
        if _is_negator(tokens, i):
            for j in range(i + 1, min(len(tokens), i + 4)):
                if tokens[j] not in STOPWORDS and tokens[j] not in _SKIP and not _is_negator(tokens, j):
                    negated_at.add(j)
                    break
    plain: set[str] = set()
    negated: set[str] = set()
    sides: set[tuple[int, int]] = set()
    for i, w in enumerate(tokens):
        if w in ANTONYMS:
            pair, side = ANTONYMS[w]
            sides.add((pair, 1 - side if i in negated_at else side))
        elif w not in STOPWORDS and len(w) > 1 and not _is_negator(tokens, i):
            (negated if i in negated_at else plain).add(stem(w))
    return plain, negated, sides


def _disjoint(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and not a & b


def contradicts(claim: str, quote: str) -> bool:
    """Whether `quote` says the opposite of `claim` (both plain text, markers removed)."""
    c_plain, c_neg, c_sides = _read(claim)
    q_plain, q_neg, q_sides = _read(quote)
    if (c_neg & q_plain) - q_neg or (q_neg & c_plain) - c_neg:
        return True
    for pair, side in c_sides:
        if (pair, 1 - side) in q_sides and (pair, side) not in q_sides and (pair, 1 - side) not in c_sides:
            return True
    c_numbers = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(claim)}
    q_numbers = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(quote)}
    if _disjoint(c_numbers, q_numbers):
        return True
    return any(_disjoint(_named(claim, names), _named(quote, names)) for names in (_WEEKDAYS, _MONTHS))


def _named(text: str, names: frozenset[str]) -> set[str]:
    """The capitalised words of `text` in `names` ("May" the month, not "may" the verb)."""
    return {w.lower() for w in _WORD.findall(text) if w[0].isupper() and w.lower() in names}
