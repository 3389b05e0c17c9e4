"""The assistant as every front end uses it: one index, one embedder, one sentence cache, settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from index.embedding import Embedder, load_embedder
from index.reader import IndexReader, LiveIndex
from index.store import Filters
from rag.ask import AskOptions
from rag.conversation import chat
from rag.extractive import SentenceVectors
from rag.retrieval import Mode, SearchResult, search
from rag.settings import Settings
from rag.types import Answer


class Assistant:
    """Follows the index directory (a rebuild by any process is picked up on the next call)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or load_embedder(settings.model)
        self.index = LiveIndex(settings.index_dir, self.embedder)
        self.cache = SentenceVectors()

    def reader(self) -> IndexReader:
        return self.index.get()

    def options(self, **overrides: object) -> AskOptions:
        s = self.settings
        base = AskOptions(
            k=s.k,
            mode=s.mode,
            per_article=s.per_article,
            rrf_k=s.rrf_k,
            max_sentences=s.max_sentences,
            abstain_threshold=s.abstain_threshold,
        )
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(base, **given)  # type: ignore[arg-type]

    def chat(self, messages: Sequence[Mapping[str, str]], **overrides: object) -> Answer:
        """Messages (role/content) in, Answer out. Overrides: k, mode, per_article, filters, …"""
        return chat(self.reader(), self.embedder, messages, self.options(**overrides), self.cache)

    def ask(self, question: str, **overrides: object) -> Answer:
        return self.chat([{"role": "user", "content": question}], **overrides)

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        mode: Mode | None = None,
        filters: Filters | None = None,
        per_article: int | None = None,
    ) -> SearchResult:
        s = self.settings
        return search(
            self.reader(),
            self.embedder,
            query,
            k=k or s.k,
            mode=mode or s.mode,
            filters=filters,
            per_article=per_article or s.per_article,
            rrf_k=s.rrf_k,
            for_answer=False,
        )
