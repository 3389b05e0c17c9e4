"""The Milvus side of one write (RAG_STORE=milvus): rows to upsert and ids to delete in a generation's
collections, and the switch of the aliases when a new generation is published.

Milvus and the generation's SQLite database cannot commit together, so the order makes a crash
harmless (tests/test_store_milvus.py):
- added rows go to Milvus BEFORE the SQLite commit: ids nobody's database holds yet (ids are never
  reused), which retrieval drops, so a crash in between leaves only invisible rows;
- removed rows are deleted AFTER the SQLite commit: until then the old state is complete.
A new generation's collections are filled before CURRENT is switched to it; the aliases
(`{prefix}_chunks`, `{prefix}_sentences`) follow right after, and readers use the collections their
manifest names, so they never see a half-built pair.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index import generations as gens
from index.delta import CHUNK
from index.errors import IndexCorrupt
from index.search_backends import StoreConfig, milvus_client
from index.types import Article, Chunk, SentenceRow


def kept_generations(index_dir: Path) -> set[str]:
    """The generations whose collections stay: those on disk, and the one before the oldest of them —
    a reader in another process may still lease a generation whose folder garbage collection removed
    (its open files stay readable; its collections must too, for one more generation)."""
    numbers = [gens.generation_number(p.name) for p in (index_dir / gens.GENERATIONS).iterdir()]
    numbers = [n for n in numbers if n >= 0]
    if not numbers:
        return set()
    return {f"gen-{n:06d}" for n in [*numbers, min(numbers) - 1] if n > 0}


class MilvusWrites:
    """Buffers one write's rows for Milvus and applies them in the order above."""

    def __init__(self, config: StoreConfig, generation: str, dim: int, *, create: bool) -> None:
        from index.milvus_store import MilvusCollections

        self.config = config
        self.client = milvus_client(config)
        self.generation = generation
        if create:
            self.collections = MilvusCollections.create(self.client, config.prefix, generation, dim)
        else:
            self.collections = MilvusCollections.open(self.client, config.prefix, generation)
        self.created = create
        self.articles: dict[str, Article] = {}
        self.chunks: dict[int, Chunk] = {}
        self.sentences: dict[int, SentenceRow] = {}

    def remember(self, article: Article, chunks: Iterable[Chunk], sentences: Iterable[SentenceRow]) -> None:
        """The rows whose vectors `add` will get, with their article (Milvus rows carry its metadata)."""
        self.articles[article.id] = article
        self.chunks.update((c.id, c) for c in chunks)
        self.sentences.update((s.id, s) for s in sentences)

    def add(self, added: Sequence[tuple[int, np.ndarray, np.ndarray]]) -> None:
        """Upsert the (kind, ids, vectors) batches of this write."""
        for kind, ids, vecs in added:
            if kind == CHUNK:
                self.collections.add_chunks([self.chunks[int(i)] for i in ids], self.articles, vecs)
            else:
                self.collections.add_sentences([self.sentences[int(i)] for i in ids], self.articles, vecs)

    def remove(self, stale: dict[int, list[int]]) -> None:
        for kind, ids in stale.items():
            if ids:
                self.collections.remove("chunks" if kind == CHUNK else "sentences", ids)

    def reconcile(self, db_ids: dict[str, np.ndarray]) -> int:
        """Delete the rows no database names (left by a write killed between Milvus and its commit, or a
        delete that failed after it); returns how many. `db_ids`: kind ("chunks"/"sentences") -> ids the
        generation's database holds. O(rows): `rag compact` on Milvus runs it."""
        removed = 0
        for kind, held in db_ids.items():
            orphans = np.setdiff1d(self.collections.ids(kind), held)
            if len(orphans):
                self.collections.remove(kind, [int(i) for i in orphans])
                removed += len(orphans)
        self.collections.flush()
        return removed

    def seal(self, chunks: int, sentences: int) -> None:
        """Flush, and check that a new generation's collections hold every row of its database."""
        self.collections.flush()
        held = self.collections.count("chunks"), self.collections.count("sentences")
        if held != (chunks, sentences):
            raise IndexCorrupt(
                f"Milvus holds {held[0]} chunks and {held[1]} sentences for generation {self.generation}, "
                f"its database {chunks} and {sentences}"
            )

    def publish(self, index_dir: Path) -> None:
        """Point the aliases at this generation's pair; drop pairs no generation on disk names."""
        from index.milvus_store import drop_unreferenced, publish

        publish(self.client, self.config.prefix, self.generation)
        drop_unreferenced(self.client, self.config.prefix, kept_generations(index_dir))

    def discard(self) -> None:
        """Drop the collections a failed new generation created (best effort: a later write's
        `publish` drops what is left)."""
        if not self.created:
            return
        for name in self.collections.names.values():
            with contextlib.suppress(Exception):  # cleanup after a failure already being raised
                self.client.drop_collection(name)
