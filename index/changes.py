"""One write's changes to the index: articles chunked, split into sentences, annotated and embedded,
or removed. `IndexWriter` (index/writer.py) holds the open database and commits them; this base class
is what a write does to the rows, whichever way it is then committed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from index import generations as gens
from index.annotate import Annotator, load_annotator
from index.chunking import Chunker
from index.clusters import DuplicateClusters
from index.delta import CHUNK, SENTENCE
from index.embedding import TITLE_BUDGET, Embedder, document_text
from index.instructions import flag_sentences
from index.milvus_writes import MilvusWrites
from index.sentences import split_sentences
from index.store import Database
from index.types import Article, Chunk, SentenceRow


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


class Changes:
    """Applies upserts and removals to `db` (in its open transaction) and collects what the vectors
    gain (`_added`: (kind, ids, vectors)) and lose (`_stale`: kind -> ids), for the commit."""

    db: Database
    embedder: Embedder
    chunker: Chunker
    duplicates: DuplicateClusters
    remote: MilvusWrites | None
    stats: WriteStats
    annotator_name: str
    _annotator: Annotator | None
    _stale: dict[int, list[int]]
    _added: list[tuple[int, np.ndarray, np.ndarray]]
    _next_id: int
    _next_sentence_id: int
    _count_change: list[int]  # articles, chunks, sentences gained (negative: lost) by this write

    # -- changes -------------------------------------------------------------------------------------
    def upsert(self, articles: Iterable[Article], progress: Progress | None = None) -> WriteStats:
        """Insert new articles, replace changed ones (same id, other content hash), skip unchanged ones.

        Only chunks of new or changed articles are embedded. Chunking (fast) runs first, so the
        progress callback knows the total before embedding (slow) starts.
        """
        hashes: dict[str, str] = {}  # this batch's articles (a batch may hold one id twice)
        pending: list[tuple[int, int, str]] = []  # (store, chunk or sentence id, text to embed)
        changed: list[Article] = []
        articles = list(articles)
        for count, article in enumerate(articles):
            if progress:
                progress(count, len(articles), "chunking")
            old = hashes[article.id] if article.id in hashes else self.db.content_hash(article.id)
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
            sentences = self._sentences(article)
            pending += [(SENTENCE, r.id, text) for r, text in sentences]
            if self.remote is not None:
                self.remote.remember(article, chunks, (r for r, _ in sentences))
            self._counted(1, len(chunks), len(sentences))
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
            for kind in (CHUNK, SENTENCE):
                rows = [j for j, item in enumerate(batch) if item[0] == kind]
                if rows:
                    ids = np.array([batch[j][1] for j in rows], dtype=np.int64)
                    self._take(kind, ids, np.asarray(vecs[rows], dtype=np.float32))
            embedded = sum(1 for item in batch if item[0] == CHUNK)
            self.stats.chunks_embedded += embedded
            self.stats.sentences_embedded += len(batch) - embedded
            gens.crashpoint("mid-embedding")
            if progress:
                progress(i + len(batch), total, "embedding")

    def _take(self, kind: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Keep embedded vectors for the commit (the writer adds them to a store it builds at once)."""
        self._added.append((kind, ids, vectors))

    def _delete(self, article_id: str) -> None:
        self.duplicates.remove(article_id)  # first: it re-clusters the article's copies
        chunk_ids, sentence_ids = self.db.delete_article(article_id)
        self._stale[CHUNK] += chunk_ids
        self._stale[SENTENCE] += sentence_ids
        self._counted(-1, -len(chunk_ids), -len(sentence_ids))

    def _counted(self, articles: int, chunks: int, sentences: int) -> None:
        for i, n in enumerate((articles, chunks, sentences)):
            self._count_change[i] += n

    def remove(self, ids: Sequence[str]) -> WriteStats:
        for article_id in dict.fromkeys(ids):
            if self.db.content_hash(article_id) is not None:
                self._delete(article_id)
                self.stats.removed.append(article_id)
            else:
                self.stats.missing.append(article_id)
        return self.stats
