"""Reading the current generation, and following CURRENT as writers publish new ones."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from index import generations as gens
from index.embedding import Embedder
from index.errors import IndexNotFound
from index.manifest import Manifest, check_model, read_manifest
from index.store import DATABASE, Database
from index.vectors import FaissStore

log = logging.getLogger(__name__)


class IndexReader:
    """One published generation, opened read-only: its manifest, database and vectors.

    A generation never changes once published, so a reader stays valid while writers publish newer
    ones; it holds its files open, so it keeps working even after garbage collection removes them.
    """

    def __init__(self, folder: Path, manifest: Manifest, db: Database, vectors: FaissStore) -> None:
        self.folder = folder
        self.manifest = manifest
        self.db = db
        self.vectors = vectors

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
        return cls(folder, manifest, Database(folder / DATABASE, readonly=True), FaissStore.load(folder))

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
        self._lock = threading.Lock()

    def get(self) -> IndexReader:
        name = gens.current_name(self.index_dir)
        reader = self._reader
        if reader is not None and reader.generation == name:
            return reader
        with self._lock:
            if self._reader is None or self._reader.generation != gens.current_name(self.index_dir):
                new = IndexReader.open(self.index_dir, self.embedder)
                log.info("serving index generation %s (%d chunks)", new.generation, new.manifest.chunks)
                # the old reader is not closed: queries in flight may still hold it; GC closes it
                self._reader = new
            return self._reader

    def peek(self) -> IndexReader | None:
        """The reader in use, without opening one (None before the first successful open)."""
        return self._reader
