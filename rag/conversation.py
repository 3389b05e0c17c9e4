"""Conversations: a follow-up ("and who is visiting?", "why?") becomes a standalone retrieval query."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from index.embedding import Embedder
from index.live import IndexReader
from rag.ask import AskOptions, abstention, ask
from rag.reasons import Reason
from rag.text import content_terms, words
from rag.types import Answer

_FOLLOW_UP_START = re.compile(r"^\s*(and|but|so|also|what about|how about|then|why|how come|really)\b", re.I)
_PRONOUNS = frozenset(
    [
        "he",
        "she",
        "they",
        "it",
        "this",
        "that",
        "these",
        "those",
        "there",
        "them",
        "his",
        "her",
        "their",
        "its",
        "him",
    ]
)
_SELF_CONTAINED_TERMS = 3  # a question with this many content words of its own stands alone


def is_follow_up(question: str) -> bool:
    terms = content_terms(question)
    if len(terms) >= _SELF_CONTAINED_TERMS and not _FOLLOW_UP_START.match(question):
        return False
    return bool(_FOLLOW_UP_START.match(question)) or len(terms) < 2 or bool(_PRONOUNS & set(words(question)))


def standalone_query(messages: Sequence[Mapping[str, str]]) -> str:
    """The last user message, completed with the words of earlier user turns when it is a follow-up.

    Deterministic and cheap; earlier turns' words are appended (not the assistant's answers, which
    would drag retrieval towards what was already found).
    """
    users = [m.get("content", "").strip() for m in messages if m.get("role") == "user"]
    users = [u for u in users if u]
    if not users:
        return ""
    question = users[-1]
    if len(users) == 1 or not is_follow_up(question):
        return question
    have = set(content_terms(question))
    context: list[str] = []
    for earlier in reversed(users[:-1]):
        for word in words(earlier):
            terms = content_terms(word)
            if terms and terms[0] not in have:
                have.add(terms[0])
                context.append(word)
        if len(context) >= 3:
            break
    return f"{question} ({' '.join(context)})" if context else question


def chat(
    reader: IndexReader,
    embedder: Embedder,
    messages: Sequence[Mapping[str, str]],
    options: AskOptions | None = None,
    condense: Callable[[Sequence[Mapping[str, str]]], str | None] | None = None,
) -> Answer:
    """Messages in (OpenAI-style role/content), Answer out; `Answer.query` is the query actually asked.

    `condense` (an LLM's rewrite of a follow-up into a standalone question) replaces the built-in
    rule when given and when it returns a query.
    """
    query = standalone_query(messages)
    if not query:
        return abstention(Reason.EMPTY_QUESTION, {"total": 0.0}, "")
    if condense is not None and sum(1 for m in messages if m.get("role") == "user") > 1:
        query = condense(messages) or query
    last = _last_user(messages)
    return ask(reader, embedder, query, options, focus=last if last != query else None)


def _last_user(messages: Sequence[Mapping[str, str]]) -> str:
    return next((m.get("content", "").strip() for m in reversed(messages) if m.get("role") == "user"), "")
