"""A published generation as the readers of one process share it: its manifest, its FAISS files loaded
once (or its Milvus collections), the newest vector views built from its delta, and the checks that its
files are still the ones opened. Snapshots of it are `index.live.IndexReader`."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from index import delta
from index.delta import CHUNK, SENTENCE, VectorView
from index.fallback import Fallback
from index.manifest import Manifest
from index.memory import release_free_memory
from index.search_backends import StoreConfig, default_store, milvus_client
from index.store import DATABASE, Database
from index.vectors import SENTENCE_VECTORS, FaissStore

if TYPE_CHECKING:
    from index.milvus_store import MilvusCollections


Stamp = tuple[int, int, int]  # (inode, size, mtime ns) of a file as it was when opened


def _stamps(folder: Path, names: list[str]) -> dict[str, Stamp | None]:
    out: dict[str, Stamp | None] = {}
    for name in names:
        try:
            st = os.stat(folder / name)
            out[name] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            out[name] = None
    return out


def _database_intact(path: Path, opened: Stamp | None) -> bool:
    """The database changes in place (incremental writes, WAL checkpoints) but is never replaced and
    never shrinks (no VACUUM): another inode or a smaller size means it was replaced or truncated."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return opened is not None and st.st_ino == opened[0] and st.st_size >= opened[1]


class Generation:
    """What the snapshots of one published generation share: its manifest, its FAISS files loaded once,
    and the newest vector views built from its delta (index/delta.py). Freed when the last snapshot of
    it closes after a newer generation is served."""

    def __init__(
        self, folder: Path, manifest: Manifest, fallback: Fallback | None, store: StoreConfig | None = None
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.fallback = fallback
        config = (store or default_store()).check(manifest.store, str(folder.parent.parent))
        self.milvus: MilvusCollections | None = None
        if config.kind == "milvus":  # the vectors are in this generation's Milvus collections
            from index.milvus_store import MilvusCollections

            self.milvus = MilvusCollections.open(milvus_client(config), config.prefix, manifest.generation)
            self.base = FaissStore(manifest.model.dim), FaissStore(manifest.model.dim)
        else:
            self.base = FaissStore.load(folder), FaissStore.load(folder, SENTENCE_VECTORS)
        self._views: tuple[int, VectorView, VectorView] = (
            0,
            VectorView(self.base[0]),
            VectorView(self.base[1]),
        )
        self._lock = threading.Lock()
        self.snapshots = 0  # open snapshots (IndexReader) of this generation, guarded by _lock
        self.stamps = _stamps(folder, list(manifest.checksums))
        self.db_stamp = _stamps(folder, [DATABASE])[DATABASE]
        self._probe = Database(folder / DATABASE, readonly=True)  # autocommit: reads the newest version

    @property
    def name(self) -> str:
        return self.manifest.generation

    def latest_version(self) -> int:
        """The version of the last committed write (one small read, no transaction kept)."""
        return delta.version(self._probe.conn)

    def intact(self) -> bool:
        return _stamps(self.folder, list(self.stamps)) == self.stamps and _database_intact(
            self.folder / DATABASE, self.db_stamp
        )

    def views(self, conn: sqlite3.Connection, version: int) -> tuple[VectorView, VectorView]:
        """The (chunk, sentence) vector views at `version`, read through `conn` (a snapshot at that
        version); built from the newest views made so far, so a write costs its own size here."""
        with self._lock:
            known, chunks, sentences = self._views
            if version == known:
                return chunks, sentences
            if version < known:  # a snapshot older than the views made so far: from the base
                known, chunks, sentences = 0, VectorView(self.base[0]), VectorView(self.base[1])
            chunks = chunks.advanced(conn, CHUNK, known)
            sentences = sentences.advanced(conn, SENTENCE, known)
            if version > self._views[0]:
                self._views = (version, chunks, sentences)
            return chunks, sentences

    def attach(self) -> None:
        with self._lock:
            self.snapshots += 1

    def detach(self) -> None:
        """A snapshot closed: the last one frees the generation."""
        with self._lock:
            self.snapshots -= 1
            last = self.snapshots == 0
        if last:
            self.release()

    def release(self) -> None:
        self._probe.close()
        for store in self.base:
            store.release()
        self._views = (0, VectorView(self.base[0]), VectorView(self.base[1]))
        release_free_memory()  # the vectors' pages back to the OS, not kept in malloc's arenas
