"""The index as the front ends change and browse it: add, remove, rebuild, whole articles.

`rag build / add / remove / info / show` and the HTTP write endpoints call these; none of them
assembles (index dir, embedder, chunking) by hand. In-process writes queue on one lock; a writer in
another process holds the index's file lock and makes a write here fail with IndexLocked (409).
`Assistant` (rag/service.py) is a Library that also answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from index import ingest
from index.chunking import ChunkingParams
from index.embedding import Embedder, load_embedder
from index.errors import ArticleNotFound, IndexLocked, RagError
from index.fallback import Fallback
from index.ingest import IngestReport
from index.limits import ReadLimits, check_text
from index.live import IndexReader, LiveIndex
from index.lock import WriterLock
from index.manifest import Manifest
from index.search_backends import StoreConfig
from index.sources import articles_from_records
from index.types import Article, Chunk
from index.writer import Progress
from rag.jobs import Job, Jobs
from rag.settings import Settings

log = logging.getLogger(__name__)


def limits_of(settings: Settings) -> ReadLimits:
    """What one input file may cost (index/limits.py), from the index settings."""
    i = settings.index
    return ReadLimits(i.max_file_bytes, i.max_article_chars, i.max_records, i.max_failures_listed)


def store_of(settings: Settings) -> StoreConfig:
    """Where the vectors live (index/search_backends.py), from the index settings."""
    i = settings.index
    if i.store == "local":
        return StoreConfig()
    token = i.milvus_token.get_secret_value() if i.milvus_token else None
    return StoreConfig("milvus", i.milvus_uri or str(i.dir.resolve() / "milvus.db"), token, i.milvus_prefix)


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
        # a server compacts in a background job (a write's request returns at once); a command inline
        self.compact_in_background = False
        self._compacting = False

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings.index.model)

    @cached_property
    def index(self) -> LiveIndex:
        return LiveIndex(self.settings.index.dir, self.embedder, store_of(self.settings))

    def reader(self) -> IndexReader:
        """The served generation (checked against the embedder; opened once, followed as it changes).

        Without a lease: another thread's switch may close it. Threads use `lease()`."""
        return self.index.get()

    @contextmanager
    def lease(self) -> Iterator[IndexReader]:
        """The served generation, kept open for the block (one request's consistent view)."""
        with self.index.lease() as reader:
            yield reader

    @contextmanager
    def _snapshot(self) -> Iterator[IndexReader]:
        # a one-shot command (rag info / show) reads without loading a model; a server leases its reader
        if "embedder" in self.__dict__:
            with self.lease() as reader:
                yield reader
            return
        reader = IndexReader.open(self.settings.index.dir, store=store_of(self.settings))
        try:
            yield reader
        finally:
            reader.close()

    def _published(self, report: IngestReport) -> IngestReport:
        """Read-your-writes: a write returns only once this process serves what it published. A write
        whose delta is due for a compaction then compacts: inline (called with the write lock held), or
        in a background job when `compact_in_background` (a server)."""
        if "index" in self.__dict__ and report.generation is not None:
            self.index.refresh()
        if report.compaction_due:
            if self.compact_in_background:
                self._start_compaction()
            else:
                self._refreshed(
                    ingest.compact(self.settings.index.dir, self.embedder, store_of(self.settings))
                )
        return report

    def _refreshed(self, report: IngestReport) -> IngestReport:
        if "index" in self.__dict__ and report.generation is not None:
            self.index.refresh()
        return report

    def _start_compaction(self) -> None:
        """A background compaction job (its state in GET /index); writes meanwhile are IndexLocked."""

        def work(progress: Progress) -> IngestReport:
            try:
                with self._write_lock:
                    report = ingest.compact(self.settings.index.dir, self.embedder, store_of(self.settings))
                    return self._refreshed(report)
            finally:
                self._compacting = False

        if self._compacting:  # one already started (a write that passed `_writing` before it did)
            return
        self._compacting = True
        try:
            self.jobs.start(work)
        except RagError:  # a rebuild is running: it makes a new generation anyway
            self._compacting = False

    def _writing(self) -> None:
        """IndexLocked (409, Retry-After) while a background compaction runs: a write would wait for it."""
        if self._compacting:
            raise IndexLocked("the index is being compacted (see GET /index); retry in a minute")

    # -- reads of the index itself ---------------------------------------------------------------------
    def manifest(self) -> Manifest:
        with self._snapshot() as reader:
            return reader.manifest

    def status(self) -> tuple[Manifest, Fallback | None]:
        """The served generation's manifest, and why an older one is served when the current is damaged."""
        with self._snapshot() as reader:
            return reader.manifest, reader.fallback

    def overview(self) -> tuple[Manifest, Fallback | None, dict[str, int]]:
        """`status()` and the served snapshot's writes since its generation was made, with the delta a
        compaction would fold (index/delta.py): {"version", "delta_vectors", "tombstones"}; one open."""
        with self._snapshot() as reader:
            added, removed = reader.delta_sizes()
            writes = {"version": reader.version, "delta_vectors": added, "tombstones": removed}
            return reader.manifest, reader.fallback, writes

    def article(self, article_id: str) -> ArticleView:
        """The article with its chunks; ArticleNotFound when the index does not hold it."""
        with self._snapshot() as reader:
            article = reader.db.article(article_id)
            if article is None:
                raise ArticleNotFound(f"no article with id {article_id!r} in {self.settings.index.dir}")
            return ArticleView(article, reader.db.chunks_of(article_id), reader.generation)

    def suggested_question(self) -> str:
        """A question that fits the served articles (about the newest one), for a start-up hint."""
        with self._snapshot() as reader:
            title = reader.db.newest_title()
        if not title:
            return "What happened?"
        return f'What do the articles say about "{title.rstrip(".?! ")}"?'

    # -- writes --------------------------------------------------------------------------------------
    def build(self, paths: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """A full rebuild from `paths` into a new generation, switched to only when complete."""
        s = self.settings
        limits = limits_of(s)
        report = ingest.build(
            s.index.dir, paths, self.embedder, chunking_of(s), progress, limits=limits, store=store_of(s)
        )
        return self._published(report)

    def add(self, paths: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """Add or update the articles read from files and folders (by id; unchanged ones cost nothing)."""
        self._writing()
        with self._write_lock:
            s = self.settings
            limits = limits_of(s)
            report = ingest.add(
                s.index.dir, paths, self.embedder, chunking_of(s), progress, limits=limits, store=store_of(s)
            )
            return self._published(report)

    def upsert(
        self, records: Sequence[Mapping[str, Any]], origin: str = "body"
    ) -> tuple[IngestReport, list[str]]:
        """Add or replace articles given as records (id, title, text, …); the report and their ids.
        BadArticle for a text over RAG_MAX_ARTICLE_CHARS, as when reading files."""
        limits = limits_of(self.settings)
        for record in records:
            check_text(record, limits)
        articles = articles_from_records(records, origin)
        self._writing()
        with self._write_lock:
            report = self._published(
                ingest.add_articles(
                    self.settings.index.dir,
                    articles,
                    self.embedder,
                    chunking_of(self.settings),
                    store=store_of(self.settings),
                )
            )
        return report, [a.id for a in articles]

    def remove(self, ids: Sequence[str]) -> IngestReport:
        """Remove articles with their chunks and vectors; unknown ids are reported as missing."""
        self._writing()
        with self._write_lock:
            report = ingest.remove(self.settings.index.dir, ids, self.embedder, store_of(self.settings))
            return self._published(report)

    def compact(self) -> IngestReport:
        """Fold the incremental writes into a new generation (index/ingest.py `compact`)."""
        self._writing()
        with self._write_lock:
            report = ingest.compact(self.settings.index.dir, self.embedder, store_of(self.settings))
            return self._refreshed(report)

    def start_rebuild(self) -> Job:
        """Rebuild from `settings.index.articles_path` in a background job (see `jobs.snapshot()`).

        ArticlesPathMissing or IndexLocked now rather than a job that fails at once."""
        source = self.settings.index.articles_path
        if not source.exists():
            raise ArticlesPathMissing(f"articles path {source} does not exist (set RAG_ARTICLES_PATH)")
        with WriterLock(self.settings.index.dir):  # `rag build` in another process may hold it
            pass
        return self.jobs.start(lambda progress: self.build([source], progress))
