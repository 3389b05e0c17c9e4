"""The write operations behind `rag build / add / remove` and the HTTP API: files in, a report out."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.annotate import Annotator
from index.chunking import ChunkingParams
from index.diskfull import reporting_disk_full
from index.embedding import Embedder
from index.errors import BadArticle, IndexNotFound
from index.generations import current_name, current_path
from index.limits import DEFAULT_LIMITS, ReadLimits
from index.manifest import read_manifest
from index.search_backends import StoreConfig
from index.sources import ReadFailure, read_paths
from index.types import Article
from index.writer import IndexWriter, Progress, WriteStats


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    failed: list[ReadFailure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    generation: str | None = None
    articles: int = 0
    chunks: int = 0
    seconds: float = 0.0
    # the delta of writes in place outgrew its share of the index: compact (index/writer.py COMPACT_SHARE)
    compaction_due: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "chunks_embedded": self.chunks_embedded,
            "sentences_embedded": self.sentences_embedded,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "missing": self.missing,
            "generation": self.generation,
            "articles": self.articles,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }


def _report(stats: WriteStats, writer: IndexWriter, failed: list[ReadFailure], t0: float) -> IngestReport:
    """Publish the writer's generation — or, when nothing changed, none — and report."""
    if not writer.changed and current_name(writer.index_dir) is not None:
        writer.abort()
        folder = current_path(writer.index_dir)
        manifest = read_manifest(folder, verify=False) if folder else None
        return IngestReport(
            unchanged=len(stats.unchanged),
            failed=failed,
            missing=stats.missing,
            generation=manifest.generation if manifest else None,
            articles=manifest.articles if manifest else 0,
            chunks=manifest.chunks if manifest else 0,
            seconds=time.perf_counter() - t0,
        )
    manifest = writer.commit()
    return IngestReport(
        added=len(stats.added),
        updated=len(stats.updated),
        unchanged=len(stats.unchanged),
        removed=len(stats.removed),
        chunks_embedded=stats.chunks_embedded,
        sentences_embedded=stats.sentences_embedded,
        failed=failed,
        missing=stats.missing,
        generation=manifest.generation,
        articles=manifest.articles,
        chunks=manifest.chunks,
        seconds=time.perf_counter() - t0,
        compaction_due=writer.compaction_due,
    )


def _write(
    index_dir: Path,
    articles: Sequence[Article],
    failed: list[ReadFailure],
    embedder: Embedder,
    params: ChunkingParams,
    progress: Progress | None,
    fresh: bool,
    annotator: Annotator | None = None,
    store: StoreConfig | None = None,
) -> IngestReport:
    t0 = time.perf_counter()
    with reporting_disk_full(index_dir):
        writer = IndexWriter(index_dir, embedder, params, fresh=fresh, annotator=annotator, store=store)
        try:
            stats = writer.upsert(articles, progress)
        except BaseException:
            writer.abort()
            raise
        return _report(stats, writer, failed, t0)


def build(
    index_dir: Path,
    paths: Sequence[str | Path],
    embedder: Embedder,
    params: ChunkingParams | None = None,
    progress: Progress | None = None,
    annotator: Annotator | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    store: StoreConfig | None = None,
) -> IngestReport:
    """Full rebuild into a new generation, switched to only when complete. Bad files are reported.

    `annotator` finds the typed spans (default: spaCy, index/annotate.py); `store` where the vectors
    go (default: index/search_backends.py `default_store`, the local store)."""
    result = read_paths(paths, limits, progress)
    if not result.articles:
        raise BadArticle(
            "no article could be read from "
            + ", ".join(map(str, paths))
            + "; the index was left as it was"
            + "".join(f"\n  {f.path}: {f.error}" for f in result.failures)
        )
    return _write(
        index_dir,
        result.articles,
        result.failures,
        embedder,
        params or ChunkingParams(),
        progress,
        fresh=True,
        annotator=annotator,
        store=store,
    )


def add(
    index_dir: Path,
    paths: Sequence[str | Path],
    embedder: Embedder,
    params: ChunkingParams | None = None,
    progress: Progress | None = None,
    annotator: Annotator | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    store: StoreConfig | None = None,
) -> IngestReport:
    """Upsert the articles read from `paths` by id: unchanged ones cost nothing, changed ones are replaced."""
    result = read_paths(paths, limits, progress)
    return add_articles(
        index_dir,
        result.articles,
        embedder,
        params,
        progress,
        failed=result.failures,
        annotator=annotator,
        store=store,
    )


def add_articles(
    index_dir: Path,
    articles: Sequence[Article],
    embedder: Embedder,
    params: ChunkingParams | None = None,
    progress: Progress | None = None,
    failed: list[ReadFailure] | None = None,
    annotator: Annotator | None = None,
    store: StoreConfig | None = None,
) -> IngestReport:
    """Upsert articles by id, in place (index/writer.py): only new or changed ones are embedded."""
    params = params or ChunkingParams()
    return _write(
        index_dir, articles, list(failed or []), embedder, params, progress, False, annotator, store
    )


def remove(
    index_dir: Path, ids: Sequence[str], embedder: Embedder, store: StoreConfig | None = None
) -> IngestReport:
    """Remove articles (and their chunks and vectors) by id; unknown ids are reported as missing."""
    t0 = time.perf_counter()
    if current_name(index_dir) is None:
        raise IndexNotFound(f"no index in {index_dir}: nothing to remove")
    with reporting_disk_full(index_dir):
        writer = IndexWriter(index_dir, embedder, ChunkingParams(), fresh=False, store=store)
        try:
            stats = writer.remove(ids)
        except BaseException:
            writer.abort()
            raise
        return _report(stats, writer, [], t0)


def compact(index_dir: Path, embedder: Embedder, store: StoreConfig | None = None) -> IngestReport:
    """Fold the incremental writes into a new generation (fresh FAISS files, no delta), published by
    the atomic switch like a build. Writes do this by themselves once the delta outgrows a share of the
    index (index/writer.py COMPACT_SHARE); this is the same on demand (`rag compact`)."""
    t0 = time.perf_counter()
    if current_name(index_dir) is None:
        raise IndexNotFound(f"no index in {index_dir}: nothing to compact")
    with reporting_disk_full(index_dir):
        writer = IndexWriter(index_dir, embedder, ChunkingParams(), fresh=False, compact=True, store=store)
        try:
            manifest = writer.commit()
        except BaseException:
            writer.abort()
            raise
    return IngestReport(
        generation=manifest.generation,
        articles=manifest.articles,
        chunks=manifest.chunks,
        seconds=time.perf_counter() - t0,
    )
