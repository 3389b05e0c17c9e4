"""Writing a generation: copy-on-write staging, incremental upserts, verified atomic publish."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from index import generations as gens
from index.annotate import Annotator, load_annotator
from index.chunking import Chunker, ChunkingParams
from index.clusters import DuplicateClusters
from index.embedding import TITLE_BUDGET, Embedder, document_text
from index.errors import IndexCorrupt
from index.fallback import newest_good
from index.instructions import flag_sentences
from index.lock import WriterLock
from index.manifest import Manifest, ModelInfo, check_model, read_manifest, sha256_file, write_manifest
from index.memory import release_free_memory
from index.near_duplicates import NearDuplicateParams
from index.sentences import split_sentences
from index.store import DATABASE, Database
from index.types import Article, Chunk, SentenceRow
from index.vectors import SENTENCE_VECTORS, VECTORS, FaissStore

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Told how far a write has got: `(done, total, phase)`, phase one of `PHASES`.

    reading: files read of files found · chunking: articles cut into chunks and sentences ·
    annotating: articles whose named entities are found · embedding: texts (chunks + sentences)
    embedded. Each phase starts with `(0, total)`, so a display has a count from its first second.
    """

    def __call__(self, done: int, total: int, phase: str = "embedding") -> None: ...


PHASES = ("reading", "chunking", "annotating", "embedding")
EMBED_BATCH = 64
ANNOTATE_BATCH = 8  # articles per annotator call: spaCy batches within it
CHUNK, SENTENCE = 0, 1  # which store a pending vector goes to


@dataclass
class WriteStats:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ids asked to be removed that were not there
    chunks_embedded: int = 0
    sentences_embedded: int = 0


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

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        params: ChunkingParams,
        *,
        fresh: bool,
        annotator: Annotator | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self._annotator = annotator  # loaded when first needed: a removal annotates nothing
        self.annotator_name = annotator.name if annotator else "spacy"
        self.fingerprint = embedder.fingerprint()
        duplicates = NearDuplicateParams()
        self._lock = WriterLock(index_dir)
        self._lock.acquire()
        staging: Path | None = None
        try:
            gens.collect_garbage(index_dir)
            current = gens.current_path(index_dir)
            if not fresh and current is not None:
                # a damaged current generation: build on the newest good one (index/fallback.py)
                current, manifest, _ = newest_good(index_dir)
                check_model(manifest, embedder.name, embedder.dim, self.fingerprint)
                params = ChunkingParams(**manifest.chunking)  # an index keeps the chunking it was built with
                duplicates = NearDuplicateParams.from_dict(manifest.near_duplicates)  # and its copy test
                if annotator is None:  # and its annotator, unless told otherwise
                    self.annotator_name = manifest.annotator
            self.params = params
            self.name = gens.next_name(index_dir)
            self.staging = staging = gens.staging_dir(index_dir, self.name)
            if not fresh and current is not None:
                shutil.copyfile(current / DATABASE, self.staging / DATABASE)
                self.vectors = FaissStore.load(current)
                self.sentence_vectors = FaissStore.load(current, SENTENCE_VECTORS)
            else:
                self.vectors = FaissStore(embedder.dim)
                self.sentence_vectors = FaissStore(embedder.dim, half=True)
            self.db = Database(self.staging / DATABASE, readonly=False)
            self.duplicates = DuplicateClusters(self.db.conn, duplicates)
        except BaseException:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            self._lock.release()
            raise
        max_tokens = min(params.max_tokens, embedder.max_tokens - TITLE_BUDGET - 1)
        self.chunker = Chunker(replace(params, max_tokens=max_tokens), measure=embedder.count_tokens)
        self.stats = WriteStats()
        # ids whose vectors go, in one pass per store (each removal copies the index)
        self._stale: list[int] = []
        self._stale_sentences: list[int] = []
        self._next_id = self.db.next_id("chunks")
        self._next_sentence_id = self.db.next_id("sentences")
        self.db.begin()

    # -- changes -------------------------------------------------------------------------------------
    def upsert(self, articles: Iterable[Article], progress: Progress | None = None) -> WriteStats:
        """Insert new articles, replace changed ones (same id, other content hash), skip unchanged ones.

        Only chunks of new or changed articles are embedded. Chunking (fast) runs first, so the
        progress callback knows the total before embedding (slow) starts.
        """
        hashes = self.db.content_hashes()
        pending: list[tuple[int, int, str]] = []  # (store, chunk or sentence id, text to embed)
        changed: list[Article] = []
        articles = list(articles)
        for count, article in enumerate(articles):
            if progress:
                progress(count, len(articles), "chunking")
            old = hashes.get(article.id)
            if old == article.content_hash:
                self.stats.unchanged.append(article.id)
                continue
            if old is not None:
                self._delete(article.id)
                self.stats.updated.append(article.id)
            else:
                self.stats.added.append(article.id)
            hashes[article.id] = article.content_hash
            self.db.put_article(article)
            self.duplicates.add(article)
            title = clip_title(article.title, self.embedder)
            chunks = [
                Chunk(self._next_id + i, c.article_id, c.ordinal, c.text, c.start, c.end, c.tokens)
                for i, c in enumerate(self.chunker.chunk(article.id, article.text))
            ]
            self._next_id += len(chunks)
            self.db.put_chunks(chunks, article.title)
            pending += [(CHUNK, c.id, document_text(title, c.text)) for c in chunks]
            pending += [(SENTENCE, r.id, text) for r, text in self._sentences(article)]
            changed.append(article)
        if progress:
            progress(len(articles), len(articles), "chunking")
        self._annotate(changed, progress)
        self._embed(pending, progress)
        return self.stats

    def _sentences(self, article: Article) -> list[tuple[SentenceRow, str]]:
        """Store every sentence of the article; returns them with the text to embed (the sentence
        alone: its passage's score already carries the article's topic, see README "Answers")."""
        spans = split_sentences(article.text)
        flags = flag_sentences(article.text, spans)  # addresses the assistant or the reader: not evidence
        rows = [
            SentenceRow(self._next_sentence_id + i, article.id, i, span.start, span.end, flag)
            for i, (span, flag) in enumerate(zip(spans, flags, strict=True))
        ]
        self._next_sentence_id += len(rows)
        self.db.put_sentences(rows)
        return [(r, article.text[r.start : r.end]) for r in rows]

    def _annotate(self, articles: Sequence[Article], progress: Progress | None = None) -> None:
        """Store each article's typed spans, in batches so that progress moves (spaCy: ~0.3 s an article)."""
        if not articles:
            return
        if self._annotator is None:
            self._annotator = load_annotator(self.annotator_name.split(":")[0])
            self.annotator_name = self._annotator.name
        for start in range(0, len(articles), ANNOTATE_BATCH):
            if progress:
                progress(start, len(articles), "annotating")
            batch = articles[start : start + ANNOTATE_BATCH]
            found = self._annotator.annotate(a.text for a in batch)
            for article, spans in zip(batch, found, strict=True):
                self.db.put_spans(article.id, ((a.start, a.end, a.label) for a in spans))
        if progress:
            progress(len(articles), len(articles), "annotating")

    def _embed(self, pending: list[tuple[int, int, str]], progress: Progress | None) -> None:
        """Embed chunks and sentences in batches; the progress callback counts both."""
        total = len(pending)
        if progress:
            progress(0, total, "embedding")
        for i in range(0, total, EMBED_BATCH):
            batch = pending[i : i + EMBED_BATCH]
            vecs = self.embedder.embed_documents([text for _, _, text in batch])
            for store, target in ((CHUNK, self.vectors), (SENTENCE, self.sentence_vectors)):
                rows = [j for j, item in enumerate(batch) if item[0] == store]
                if rows:
                    target.add(np.array([batch[j][1] for j in rows], dtype=np.int64), vecs[rows])
            embedded = sum(1 for item in batch if item[0] == CHUNK)
            self.stats.chunks_embedded += embedded
            self.stats.sentences_embedded += len(batch) - embedded
            gens.crashpoint("mid-embedding")
            if progress:
                progress(i + len(batch), total, "embedding")

    def _delete(self, article_id: str) -> None:
        self.duplicates.remove(article_id)  # first: it re-clusters the article's copies
        chunk_ids, sentence_ids = self.db.delete_article(article_id)
        self._stale += chunk_ids
        self._stale_sentences += sentence_ids

    def remove(self, ids: Sequence[str]) -> WriteStats:
        known = self.db.content_hashes()
        for article_id in ids:
            if article_id in known:
                self._delete(article_id)
                self.stats.removed.append(article_id)
            else:
                self.stats.missing.append(article_id)
        return self.stats

    # -- publish ---------------------------------------------------------------------------------------
    def commit(self) -> Manifest:
        """Verify the staging generation, write its manifest, fsync, and switch CURRENT to it.

        On any failure before the switch (a full disk, say) nothing of the attempt stays on disk."""
        try:
            manifest = self._seal()
            gens.crashpoint("before-publish")
            gens.publish(self.index_dir, self.staging, self.name)
            gens.collect_garbage(self.index_dir)
            return manifest
        except BaseException:
            self._discard()
            raise
        finally:
            self._lock.release()
            self.vectors.release()  # the staging copy is on disk now (or discarded): free it,
            self.sentence_vectors.release()
            release_free_memory()  # and hand the pages back (index/memory.py)

    def _seal(self) -> Manifest:
        """Finish the staging generation: vectors removed, database committed, files written and
        fsynced, the manifest written and read back."""
        self.vectors.remove(self._stale)
        self.sentence_vectors.remove(self._stale_sentences)
        self.db.set_next_id("chunks", self._next_id)
        self.db.set_next_id("sentences", self._next_sentence_id)
        self.db.commit()
        articles, chunks = self.db.counts()
        sentences = self.db.sentence_count()
        if chunks != len(self.vectors):
            raise IndexCorrupt(f"staging generation has {chunks} chunks but {len(self.vectors)} vectors")
        if sentences != len(self.sentence_vectors):
            raise IndexCorrupt(
                f"staging generation has {sentences} sentences but {len(self.sentence_vectors)} vectors"
            )
        self.db.close()
        self.vectors.save(self.staging)
        self.sentence_vectors.save(self.staging, SENTENCE_VECTORS)
        checksums = {}
        for name in (DATABASE, VECTORS, SENTENCE_VECTORS):
            gens.fsync_file(self.staging / name)
            checksums[name] = sha256_file(self.staging / name)
        manifest = Manifest(
            generation=self.name,
            model=ModelInfo(self.embedder.name, self.embedder.dim, self.fingerprint),
            chunking=self.params.as_dict(),
            articles=articles,
            chunks=chunks,
            checksums=checksums,
            sentences=sentences,
            annotator=self.annotator_name,
            near_duplicates=self.duplicates.params.as_dict(),
        )
        write_manifest(self.staging, manifest)
        gens.fsync_dir(self.staging)
        read_manifest(self.staging)  # verify what was written before anyone can see it
        return manifest

    def _discard(self) -> None:
        """Remove what a failed commit left: the staging folder, or the generation it was renamed to
        and the pointer's temporary file when CURRENT was not switched to it."""
        self.db.close()
        shutil.rmtree(self.staging, ignore_errors=True)
        if gens.current_name(self.index_dir) != self.name:
            shutil.rmtree(self.index_dir / gens.GENERATIONS / self.name, ignore_errors=True)
            (self.index_dir / f".{gens.POINTER}.tmp").unlink(missing_ok=True)

    @property
    def changed(self) -> bool:
        return bool(self.stats.added or self.stats.updated or self.stats.removed)

    def abort(self) -> None:
        try:
            self.db.close()
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.release()
