"""The index's data model: articles and the chunks cut from them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """A cleaned news article. `text` is the body every offset refers to."""

    id: str
    title: str
    text: str
    date: str | None = None  # ISO date (YYYY-MM-DD) or datetime; None when the source gives none
    url: str | None = None
    source: str | None = None  # the outlet
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", article_hash(self))


def article_hash(article: Article) -> str:
    """Hash of everything that ends up in the index (metadata included: the title is embedded)."""
    payload = json.dumps(
        [article.title, article.text, article.date, article.url, article.source],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `article.text[start:end] == text`."""

    id: int  # stable within an index; 0 until stored
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    tokens: int


@dataclass(frozen=True)
class Span:
    """A character span of a text, used for sentences and chunk pieces."""

    start: int
    end: int


@dataclass(frozen=True)
class SentenceRow:
    """A sentence of an article as the index stores it: `article.text[start:end]` is the sentence."""

    id: int  # keys its vector in the generation's sentence store
    article_id: str
    ordinal: int  # 0-based position in the article
    start: int
    end: int
    # why the sentence addresses the assistant or the reader (index/instructions.py), else None: a
    # flagged sentence is never quoted, packed for an LLM or counted as support
    flag: str | None = None


@dataclass(frozen=True)
class SpanRow:
    """A typed span (named entity or noun phrase) inside an article: offsets into `article.text`."""

    start: int
    end: int
    label: str
