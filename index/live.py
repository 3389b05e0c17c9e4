"""Reading the current generation, and following CURRENT as writers publish new ones.

    live = LiveIndex(index_dir, embedder)
    with live.lease() as reader:   # a request's view: one generation, open until the lease ends
        reader.db.article("a1")
    live.refresh()                 # after this process published: every later lease sees it

A generation that no lease uses any more, and that is no longer the served one, is closed at once
(its SQLite file and its vectors in memory), so memory stays flat however many writes there are.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index import generations as gens
from index.embedding import Embedder
from index.errors import IndexCorrupt, RagError
from index.fallback import Fallback, newest_good
from index.manifest import Manifest, check_model
from index.memory import release_free_memory
from index.store import DATABASE, Database
from index.vectors import SENTENCE_VECTORS, FaissStore

log = logging.getLogger(__name__)

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


class IndexReader:
    """One published generation, opened read-only: its manifest, database and vectors.

    A generation never changes once published, so a reader stays valid while writers publish newer
    ones. `fallback` is set when the current generation was damaged and this older one is served.
    """

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        db: Database,
        vectors: FaissStore,
        sentences: FaissStore,
        fallback: Fallback | None = None,
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.db = db
        self.vectors = vectors  # chunk vectors
        self.sentence_vectors = sentences  # every sentence's vector, keyed by sentence id
        self.fallback = fallback
        self.users = 0  # leases held (LiveIndex)
        self.retired = False  # no longer the served generation: closed when `users` drops to 0
        self.closed = False
        self._stamps = _stamps(folder, list(manifest.checksums))

    @property
    def generation(self) -> str:
        return self.manifest.generation

    @classmethod
    def open(cls, index_dir: Path, embedder: Embedder | None = None, verify: bool = True) -> IndexReader:
        """Open the current generation (or the newest good one, see index/fallback.py); with `embedder`,
        refuse an index built by another model. IndexNotFound, IndexCorrupt, ModelMismatch."""
        folder, manifest, fallback = newest_good(index_dir, verify=verify)
        if embedder is not None:
            check_model(manifest, embedder.name, embedder.dim, embedder.fingerprint())
        db = Database(folder / DATABASE, readonly=True)
        vectors, sentences = FaissStore.load(folder), FaissStore.load(folder, SENTENCE_VECTORS)
        return cls(folder, manifest, db, vectors, sentences, fallback)

    def intact(self) -> bool:
        """False when a file changed on disk since it was opened (truncated, overwritten, deleted by
        hand): cheap (three stat calls), so it runs on every request. Garbage collection of an old
        generation deletes its files, which an open reader does not mind: only the current one is
        checked."""
        return _stamps(self.folder, list(self._stamps)) == self._stamps

    def probe(self) -> None:
        """IndexCorrupt unless the files are unchanged and the database answers a query."""
        if not self.intact():
            raise IndexCorrupt(
                f"the files of generation {self.generation} changed on disk after it was opened"
            )
        try:
            self.db.conn.execute("SELECT count(*) FROM articles").fetchone()
        except sqlite3.DatabaseError as e:
            raise IndexCorrupt(f"generation {self.generation}: {e}") from e

    def close(self) -> None:
        """Close the database and free the vectors; idempotent."""
        if not self.closed:
            self.closed = True
            self.db.close()
            self.vectors.release()
            self.sentence_vectors.release()
            release_free_memory()  # the vectors' pages back to the OS, not kept in malloc's arenas


class LiveIndex:
    """The index as a server sees it: the newest published generation, switched to when it appears.

    `get()` costs one small file read and three stats; a new generation is opened (and verified) off
    to the side and swapped in whole, so a query uses either the old or the new generation, never a
    mix, and readers never wait while it opens. A generation whose files change under it (damage) is
    replaced at once by the newest good one (index/fallback.py).
    """

    def __init__(self, index_dir: Path, embedder: Embedder) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self._reader: IndexReader | None = None
        self._failed: str | None = None  # a generation that would not open; retried when CURRENT moves
        self._lock = threading.Lock()  # held while a generation opens
        self._users = threading.Lock()  # guards leases and retirement

    def get(self) -> IndexReader:
        """The served generation, without a lease: valid until another thread switches generations.
        Request handlers use `lease()`; this is for single-threaded callers and manifest reads."""
        name = gens.current_name(self.index_dir)
        reader = self._reader
        if reader is not None and reader.intact():
            if reader.generation == name or name == self._failed:
                return reader
            if not self._lock.acquire(blocking=False):
                return reader  # another thread is opening the new generation: keep serving the old one
        else:
            self._lock.acquire()  # nothing (good) to serve meanwhile: wait for it
        try:
            return self._switch()
        finally:
            self._lock.release()

    def refresh(self) -> IndexReader:
        """Serve the current generation before returning (waiting if another thread is opening it).

        A writer calls this after publishing, before it answers: read-your-writes for every later
        request, while requests already running keep the generation they started with."""
        with self._lock:
            return self._switch()

    @contextmanager
    def lease(self) -> Iterator[IndexReader]:
        """The served generation, kept open until the block ends even if a newer one is swapped in."""
        while True:
            reader = self.get()
            with self._users:
                if not reader.closed:
                    reader.users += 1
                    break
        try:
            yield reader
        finally:
            with self._users:
                reader.users -= 1
                if reader.retired and reader.users == 0:
                    reader.close()

    def _switch(self) -> IndexReader:
        """Open the current (or newest good) generation unless it is served already. Holds `_lock`."""
        name = gens.current_name(self.index_dir)
        current = self._reader
        if current is not None and current.intact() and name in (current.generation, self._failed):
            return current
        try:
            new = IndexReader.open(self.index_dir, self.embedder)
        except RagError as e:
            if current is None or not current.intact():
                raise
            # e.g. rebuilt with another model: keep answering from the generation that works
            self._failed = name
            log.error("cannot switch to generation %s, still serving %s: %s", name, current.generation, e)
            return current
        log.info("serving index generation %s (%d chunks)", new.generation, new.manifest.chunks)
        self._failed = new.fallback.damaged if new.fallback else None
        self._reader = new
        if current is not None:
            self._retire(current)
        return new

    def _retire(self, reader: IndexReader) -> None:
        with self._users:
            reader.retired = True
            if reader.users == 0:
                reader.close()
