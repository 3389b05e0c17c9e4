"""Reading the current generation, and following CURRENT as writers publish new ones."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from index import generations as gens
from index.embedding import Embedder
from index.errors import IndexNotFound, RagError
from index.manifest import Manifest, check_model, read_manifest
from index.store import DATABASE, Database
from index.vectors import SENTENCE_VECTORS, FaissStore

log = logging.getLogger(__name__)


class IndexReader:
    """One published generation, opened read-only: its manifest, database and vectors.

    A generation never changes once published, so a reader stays valid while writers publish newer
    ones; it holds its files open, so it keeps working even after garbage collection removes them.
    """

    def __init__(
        self, folder: Path, manifest: Manifest, db: Database, vectors: FaissStore, sentences: FaissStore
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.db = db
        self.vectors = vectors  # chunk vectors
        self.sentence_vectors = sentences  # every sentence's vector, keyed by sentence id

    @property
    def generation(self) -> str:
        return self.manifest.generation

    @classmethod
    def open(cls, index_dir: Path, embedder: Embedder | None = None, verify: bool = True) -> IndexReader:
        """Open the current generation; with `embedder`, refuse an index built by another model."""
        folder = gens.current_path(index_dir)
        if folder is None:
            raise IndexNotFound(f"no index in {index_dir}: run `rag build PATH…` first")
        manifest = read_manifest(folder, verify=verify)
        if embedder is not None:
            check_model(manifest, embedder.name, embedder.dim, embedder.fingerprint())
        db = Database(folder / DATABASE, readonly=True)
        return cls(folder, manifest, db, FaissStore.load(folder), FaissStore.load(folder, SENTENCE_VECTORS))

    def close(self) -> None:
        self.db.close()


class LiveIndex:
    """The index as a server sees it: the newest published generation, switched to when it appears.

    `get()` costs one small file read; a new generation is opened (and verified) off to the side and
    swapped in whole, so a query uses either the old or the new generation, never a mix.
    """

    def __init__(self, index_dir: Path, embedder: Embedder) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self._reader: IndexReader | None = None
        self._failed: str | None = None  # a generation that would not open; retried when CURRENT moves
        self._lock = threading.Lock()

    def get(self) -> IndexReader:
        name = gens.current_name(self.index_dir)
        reader = self._reader
        if reader is not None and (reader.generation == name or name == self._failed):
            return reader
        if reader is not None and not self._lock.acquire(blocking=False):
            return reader  # another thread is opening the new generation: keep serving the old one
        if reader is None:
            self._lock.acquire()
        try:
            current = self._reader
            if current is not None and current.generation == gens.current_name(self.index_dir):
                return current
            try:
                new = IndexReader.open(self.index_dir, self.embedder)
            except RagError as e:
                if current is None:
                    raise
                # e.g. rebuilt with another model: keep answering from the generation that works
                self._failed = name
                log.error("cannot switch to generation %s, still serving %s: %s", name, current.generation, e)
                return current
            log.info("serving index generation %s (%d chunks)", new.generation, new.manifest.chunks)
            # the old reader is not closed: queries in flight may still hold it; GC closes it
            self._reader, self._failed = new, None
            return new
        finally:
            self._lock.release()
