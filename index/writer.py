"""Writing a generation: copy-on-write staging, incremental upserts, verified atomic publish."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index import generations as gens
from index.chunking import Chunker, ChunkingParams
from index.embedding import TITLE_BUDGET, Embedder, document_text
from index.errors import IndexCorrupt
from index.lock import WriterLock
from index.manifest import Manifest, ModelInfo, check_model, read_manifest, sha256_file, write_manifest
from index.store import DATABASE, Database
from index.types import Article, Chunk
from index.vectors import VECTORS, FaissStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)
EMBED_BATCH = 64


@dataclass
class WriteStats:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ids asked to be removed that were not there
    chunks_embedded: int = 0


def clip_title(title: str, embedder: Embedder) -> str:
    """The title as embedded: cut at a word so that it fits the budget reserved beside each chunk."""
    words = title.split()
    while words and embedder.count_tokens(" ".join(words)) > TITLE_BUDGET:
        words.pop()
    return " ".join(words)


class IndexWriter:
    """Holds the writer lock and a staging generation until `commit` publishes it (or `abort`).

    fresh=True starts from an empty generation (a full rebuild); otherwise the current generation
    is copied and changed, so readers of the current one never see a half-applied change.
    """

    def __init__(self, index_dir: Path, embedder: Embedder, params: ChunkingParams, *, fresh: bool) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.fingerprint = embedder.fingerprint()
        self._lock = WriterLock(index_dir)
        self._lock.acquire()
        try:
            gens.collect_garbage(index_dir)
            current = gens.current_path(index_dir)
            if not fresh and current is not None:
                manifest = read_manifest(current)
                check_model(manifest, embedder.name, embedder.dim, self.fingerprint)
                params = ChunkingParams(**manifest.chunking)  # an index keeps the chunking it was built with
            self.params = params
            self.name = gens.next_name(index_dir)
            self.staging = gens.staging_dir(index_dir, self.name)
            if not fresh and current is not None:
                shutil.copyfile(current / DATABASE, self.staging / DATABASE)
                self.vectors = FaissStore.load(current)
            else:
                self.vectors = FaissStore(embedder.dim)
            self.db = Database(self.staging / DATABASE, readonly=False)
        except BaseException:
            self._lock.release()
            raise
        max_tokens = min(params.max_tokens, embedder.max_tokens - TITLE_BUDGET - 1)
        self.chunker = Chunker(replace(params, max_tokens=max_tokens), measure=embedder.count_tokens)
        self.stats = WriteStats()
        self._stale: list[int] = []  # chunk ids whose vectors go, in one pass (each removal copies the index)
        self._next_id = self.db.next_chunk_id()
        self.db.begin()

    # -- changes -------------------------------------------------------------------------------------
    def upsert(self, articles: Iterable[Article], progress: Progress | None = None) -> WriteStats:
        """Insert new articles, replace changed ones (same id, other content hash), skip unchanged ones.

        Only chunks of new or changed articles are embedded. Chunking (fast) runs first, so the
        progress callback knows the total before embedding (slow) starts.
        """
        hashes = self.db.content_hashes()
        pending: list[tuple[int, str]] = []  # (chunk id, text to embed)
        for article in articles:
            old = hashes.get(article.id)
            if old == article.content_hash:
                self.stats.unchanged.append(article.id)
                continue
            if old is not None:
                self._stale += self.db.delete_article(article.id)
                self.stats.updated.append(article.id)
            else:
                self.stats.added.append(article.id)
            hashes[article.id] = article.content_hash
            self.db.put_article(article)
            title = clip_title(article.title, self.embedder)
            chunks = [
                Chunk(self._next_id + i, c.article_id, c.ordinal, c.text, c.start, c.end, c.tokens)
                for i, c in enumerate(self.chunker.chunk(article.id, article.text))
            ]
            self._next_id += len(chunks)
            self.db.put_chunks(chunks, article.title)
            pending += [(c.id, document_text(title, c.text)) for c in chunks]
        self._embed(pending, progress)
        return self.stats

    def _embed(self, pending: list[tuple[int, str]], progress: Progress | None) -> None:
        total = len(pending)
        for i in range(0, total, EMBED_BATCH):
            batch = pending[i : i + EMBED_BATCH]
            vecs = self.embedder.embed_documents([text for _, text in batch])
            self.vectors.add(np.array([cid for cid, _ in batch], dtype=np.int64), vecs)
            self.stats.chunks_embedded += len(batch)
            gens.crashpoint("mid-embedding")
            if progress:
                progress(i + len(batch), total)

    def remove(self, ids: Sequence[str]) -> WriteStats:
        known = self.db.content_hashes()
        for article_id in ids:
            if article_id in known:
                self._stale += self.db.delete_article(article_id)
                self.stats.removed.append(article_id)
            else:
                self.stats.missing.append(article_id)
        return self.stats

    # -- publish ---------------------------------------------------------------------------------------
    def commit(self) -> Manifest:
        """Verify the staging generation, write its manifest, fsync, and switch CURRENT to it."""
        try:
            self.vectors.remove(self._stale)
            self.db.set_next_chunk_id(self._next_id)
            self.db.commit()
            articles, chunks = self.db.counts()
            if chunks != len(self.vectors):
                raise IndexCorrupt(f"staging generation has {chunks} chunks but {len(self.vectors)} vectors")
            self.db.close()
            self.vectors.save(self.staging)
            checksums = {}
            for name in (DATABASE, VECTORS):
                gens.fsync_file(self.staging / name)
                checksums[name] = sha256_file(self.staging / name)
            manifest = Manifest(
                generation=self.name,
                model=ModelInfo(self.embedder.name, self.embedder.dim, self.fingerprint),
                chunking=self.params.as_dict(),
                articles=articles,
                chunks=chunks,
                checksums=checksums,
            )
            write_manifest(self.staging, manifest)
            gens.fsync_dir(self.staging)
            read_manifest(self.staging)  # verify what was written before anyone can see it
            gens.crashpoint("before-publish")
            gens.publish(self.index_dir, self.staging, self.name)
            gens.collect_garbage(self.index_dir)
            return manifest
        finally:
            self._lock.release()

    @property
    def changed(self) -> bool:
        return bool(self.stats.added or self.stats.updated or self.stats.removed)

    def abort(self) -> None:
        try:
            self.db.close()
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.release()
