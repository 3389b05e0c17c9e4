"""What of an article's text may serve as evidence, and how quoted text is shown in an answer.

Two kinds of article text must never act on the answer (README "Text that addresses the assistant"):
- sentences flagged at ingest as addressing the assistant or the reader (index/instructions.py): a
  passage carries their offsets in `Passage.withheld`, and `evidence_text` blanks them out;
- bracketed numbers such as Wikipedia-style footnotes (`map[3]`) or editorial years (`[2019]`): in an
  answer they would read as citation markers, which the chat page turns into links and an OpenAI
  client takes for sources. Citation quotes stay exact (`article.text[start:end]`); only the answer's
  prose (`display`) and what an LLM is shown (`evidence_text`) are defused.

`evidence_text` keeps the length of the text, so every offset computed on it is an offset into the
stored article text, which is never modified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.types import Passage

# what a reader (the chat page's MARKER, an LLM, a person) takes for a citation marker: [3], [1, 2], [4-6]
BRACKETED_NUMBER = re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]")
_GLUED = re.compile(r"(?<=[^\s(\[])" + BRACKETED_NUMBER.pattern)  # "map[3]": a footnote reference
_SPACES = re.compile(r"[ \t]{2,}")


def evidence_text(text: str, offset: int = 0, withheld: Sequence[tuple[int, int]] = ()) -> str:
    """`text` (which starts at article offset `offset`) as evidence, same length: the `withheld`
    article spans blanked with spaces, footnote references blanked, other bracketed numbers given
    parentheses ("[2019]" -> "(2019)")."""
    chars = list(_defused(text, keep_length=True))
    for start, end in withheld:
        lo, hi = max(0, start - offset), min(len(chars), end - offset)
        if lo < hi:
            chars[lo:hi] = " " * (hi - lo)
    return "".join(chars)


def usable(passage: Passage) -> str:
    """The passage's text as evidence (`evidence_text`): same offsets, withheld sentences blank."""
    return evidence_text(passage.text, passage.start, passage.withheld)


def display(text: str) -> str:
    """Quoted article text as answer prose: footnote references removed, other bracketed numbers in
    parentheses, so that no `[n]` in an answer comes from an article."""
    return _defused(text, keep_length=False)


def squeeze(text: str) -> str:
    """Runs of spaces (left by blanking) as one, for what a model reads."""
    return _SPACES.sub(" ", text)


def _defused(text: str, keep_length: bool) -> str:
    def glued(m: re.Match[str]) -> str:
        return " " * len(m.group()) if keep_length else ""

    def bracketed(m: re.Match[str]) -> str:
        return "(" + m.group()[1:-1] + ")"

    return BRACKETED_NUMBER.sub(bracketed, _GLUED.sub(glued, text))
