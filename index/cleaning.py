"""Conservative cleaning of article bodies: whitespace, and web boilerplate lines.

Only whole lines are ever removed, and only when they match a known boilerplate phrase ("2 Min Read",
"Share This Article", "Leave a Reply", ...). A line of more than `MAX_BOILERPLATE_WORDS` words is kept
unless it consists of known phrases only, so a sentence of the article itself is never dropped.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

MAX_BOILERPLATE_WORDS = 12

# Whole phrases, matched case-insensitively against a complete line. A line made of several of them
# ("Your email address will not be published. Required fields are marked *") is boilerplate too.
_PHRASES = [
    r"\d+\s*(?:-\s*)?(?:min|mins|minute|minutes)\s+read",
    r"reading time\s*:?\s*\d+\s*(?:min|mins|minute|minutes)",
    r"share (?:this|the) (?:article|story|post|page)",
    r"share this",
    r"share on (?:facebook|twitter|x|linkedin|whatsapp|reddit|email|telegram|pinterest)",
    r"click to (?:share|email|print) (?:on|this|a link)[^()]{0,40}(?:\(opens in new window\))?",
    r"like this",
    r"like loading\s*(?:\.\.\.|…)?",
    r"leave a (?:comment|reply)",
    r"cancel reply",
    r"(?:no|\d+) comments?(?: yet)?",
    r"be the first to comment",
    r"view (?:all )?comments",
    r"your email address will not be published",
    r"required fields are marked\s*\*?",
    r"save my name, email, and website in this browser for the next time i comment",
    r"post comment",
    r"subscribe to (?:our|the) newsletter",
    r"sign up (?:for|to) (?:our|the) newsletter",
    r"advertisement(?:\s*[-–—]\s*scroll to continue)?",
    r"sponsored content",
    r"read more",
    r"continue reading",
    r"related (?:articles|stories|posts|content|news)",
    r"more stories",
    r"you (?:may|might) also like",
    r"recommended for you",
    r"skip to (?:main )?content",
    r"back to top",
    r"post navigation",
    r"(?:previous|next) (?:article|post|story)",
    r"follow us on (?:facebook|twitter|x|instagram|linkedin|social media)",
    r"all rights reserved",
]
_SEPARATORS = r"[\s.:;,|*•·–—-]*"
_PHRASE_LINE = re.compile(rf"^(?:(?:{'|'.join(_PHRASES)}){_SEPARATORS})+$", re.IGNORECASE)

# A label followed by free text ("Read more: Caravan reaches border"): boilerplate only when short.
_LABELLED_LINE = re.compile(
    r"^(?:read more|read also|also read|see also|related|more|tags|topics|filed under|posted in)\s*:\s*\S"
    r"|^(?:©|copyright\s+(?:©\s*)?\d{4})",
    re.IGNORECASE,
)

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
    kept = [line for line in lines if not is_boilerplate(line)]
    while kept and (not kept[-1] or is_boilerplate(kept[-1]) or _TAIL_ONLY_LINE.match(kept[-1])):
        kept.pop()
    return _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()


def is_boilerplate(line: str) -> bool:
    """True when a whole (stripped) line is known web boilerplate rather than article text."""
    line = line.strip()
    if not line:
        return False
    if _PHRASE_LINE.match(line):
        return True
    return len(line.split()) <= MAX_BOILERPLATE_WORDS and bool(_LABELLED_LINE.match(line))


def _normalise_line(line: str) -> str:
    return _HORIZONTAL_SPACE.sub(" ", line).strip()
