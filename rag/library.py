"""The index as the front ends change and browse it: add, remove, rebuild, whole articles.

`rag build / add / remove / info / show` and the HTTP write endpoints call these; none of them
assembles (index dir, embedder, chunking) by hand. In-process writes queue on one lock; a writer in
another process holds the index's file lock and makes a write here fail with IndexLocked (409).
`Assistant` (rag/service.py) is a Library that also answers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from index import ingest
from index.chunking import ChunkingParams
from index.embedding import Embedder, load_embedder
from index.errors import ArticleNotFound, RagError
from index.ingest import IngestReport
from index.live import IndexReader, LiveIndex
from index.lock import WriterLock
from index.manifest import Manifest
from index.sources import articles_from_records
from index.types import Article, Chunk
from index.writer import Progress
from rag.jobs import Job, Jobs
from rag.settings import Settings


def chunking_of(settings: Settings) -> ChunkingParams:
    """Chunking for a new index (an existing index keeps the chunking it was built with)."""
    i = settings.index
    return ChunkingParams(target_tokens=i.chunk_tokens, overlap_sentences=i.chunk_overlap)


class ArticlesPathMissing(RagError):
    code = "articles_path_missing"


@dataclass(frozen=True)
class ArticleView:
    """An article as the index holds it: cleaned text, its chunks, and the generation read."""

    article: Article
    chunks: list[Chunk]
    generation: str

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self.article), "generation": self.generation, "chunks": [vars(c) for c in self.chunks]}


class Library:
    """Writes and whole-article reads of `settings.index.dir`. The embedder loads on first need."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        self.jobs = Jobs()
        self._write_lock = threading.Lock()

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings.index.model)

    @cached_property
    def index(self) -> LiveIndex:
        return LiveIndex(self.settings.index.dir, self.embedder)

    def reader(self) -> IndexReader:
        """The served generation (checked against the embedder; opened once, followed as it changes)."""
        return self.index.get()

    def _snapshot(self) -> IndexReader:
        # a one-shot command (rag info / show) reads without loading a model; a server reuses its reader
        if "embedder" in self.__dict__:
            return self.reader()
        return IndexReader.open(self.settings.index.dir)

    # -- reads of the index itself ---------------------------------------------------------------------
    def manifest(self) -> Manifest:
        return self._snapshot().manifest

    def article(self, article_id: str) -> ArticleView:
        """The article with its chunks; ArticleNotFound when the index does not hold it."""
        reader = self._snapshot()
        article = reader.db.article(article_id)
        if article is None:
            raise ArticleNotFound(f"no article with id {article_id!r} in {self.settings.index.dir}")
        return ArticleView(article, reader.db.chunks_of(article_id), reader.generation)

    def suggested_question(self) -> str:
        """A question that fits the served articles (about the newest one), for a start-up hint."""
        title = self._snapshot().db.newest_title()
        if not title:
            return "What happened?"
        return f'What do the articles say about "{title.rstrip(".?! ")}"?'

    # -- writes --------------------------------------------------------------------------------------
    def build(self, paths: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """A full rebuild from `paths` into a new generation, switched to only when complete."""
        return ingest.build(
            self.settings.index.dir, paths, self.embedder, chunking_of(self.settings), progress
        )

    def add(self, paths: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """Add or update the articles read from files and folders (by id; unchanged ones cost nothing)."""
        with self._write_lock:
            return ingest.add(
                self.settings.index.dir, paths, self.embedder, chunking_of(self.settings), progress
            )

    def upsert(
        self, records: Sequence[Mapping[str, Any]], origin: str = "body"
    ) -> tuple[IngestReport, list[str]]:
        """Add or replace articles given as records (id, title, text, …); the report and their ids."""
        articles = articles_from_records(records, origin)
        with self._write_lock:
            report = ingest.add_articles(
                self.settings.index.dir, articles, self.embedder, chunking_of(self.settings)
            )
        return report, [a.id for a in articles]

    def remove(self, ids: Sequence[str]) -> IngestReport:
        """Remove articles with their chunks and vectors; unknown ids are reported as missing."""
        with self._write_lock:
            return ingest.remove(self.settings.index.dir, ids, self.embedder)

    def start_rebuild(self) -> Job:
        """Rebuild from `settings.index.articles_path` in a background job (see `jobs.snapshot()`).

        ArticlesPathMissing or IndexLocked now rather than a job that fails at once."""
        source = self.settings.index.articles_path
        if not source.exists():
            raise ArticlesPathMissing(f"articles path {source} does not exist (set RAG_ARTICLES_PATH)")
        with WriterLock(self.settings.index.dir):  # `rag build` in another process may hold it
            pass
        return self.jobs.start(lambda progress: self.build([source], progress))
