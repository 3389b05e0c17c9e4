"""Conservative cleaning of article bodies: whitespace, and web boilerplate lines.

Only whole lines are ever removed, and only when they are known boilerplate (`index.boilerplate`:
"2 Min Read", "Share This Article", "Subscribe to continue reading.", cookie notices, ...), or the
headlines listed under a "Related articles" heading. A line is kept unless every sentence of it is
boilerplate, so a sentence of the article itself is never dropped.
"""

from __future__ import annotations

import logging
import re

from index.boilerplate import MAX_PHRASE_WORDS, is_boilerplate, is_headline, is_list_heading

__all__ = ["MAX_BOILERPLATE_WORDS", "clean_text", "is_boilerplate"]

MAX_BOILERPLATE_WORDS = MAX_PHRASE_WORDS

logger = logging.getLogger(__name__)

# Share buttons and the like: removed only in the trailing block, where nothing of the body follows.
_TAIL_ONLY_LINE = re.compile(
    r"^(?:facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|e-?mail|print|copy link"
    r"|share|tweet|comments?|\d+ shares?)[\s.:|]*$"
    r"|^[*•·|–—-]+(?:\s+[*•·|–—-]+)*$",  # leftover bullets of a removed link list
    re.IGNORECASE,
)

_HORIZONTAL_SPACE = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Only the byte-order mark: zero-width joiners are meaningful in Indic scripts and emoji.
_BYTE_ORDER_MARK = "\ufeff"
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Return `text` with normalised whitespace and without boilerplate lines.

    Paragraph breaks become exactly "\\n\\n", single line breaks are kept, runs of spaces collapse to
    one, and the result is stripped. Idempotent: `clean_text(clean_text(t)) == clean_text(t)`.
    """
    lines = [_normalise_line(line) for line in text.replace(_BYTE_ORDER_MARK, "").splitlines()]
    kept = _without_link_lists([line for line in lines if not is_boilerplate(line) or is_list_heading(line)])
    while kept and (not kept[-1] or is_boilerplate(kept[-1]) or _TAIL_ONLY_LINE.match(kept[-1])):
        kept.pop()
    return _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()


def _without_link_lists(lines: list[str]) -> list[str]:
    """Drop each list heading ("Related articles") and the headline-like lines right after it."""
    kept: list[str] = []
    in_list = False
    for line in lines:
        if is_list_heading(line):
            in_list = True
        elif not line:
            kept.append(line)  # a paragraph break, whether or not a list goes on
        elif in_list and is_headline(line):
            continue
        else:
            in_list = False
            kept.append(line)
    return kept


def _normalise_line(line: str) -> str:
    return _HORIZONTAL_SPACE.sub(" ", line).strip()
