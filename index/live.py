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
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from index import delta
from index import generations as gens
from index.delta import VectorView
from index.embedding import Embedder
from index.errors import IndexCorrupt, RagError
from index.fallback import open_newest_good
from index.manifest import Manifest, check_model
from index.search_backends import (
    LocalSearch,
    MilvusSearch,
    MilvusVectors,
    SearchBackend,
    StoreConfig,
)
from index.shared_generation import Generation
from index.store import DATABASE, Database

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class IndexReader:
    """A snapshot of the index: one published generation as of one committed write (its version).

    Its database connection stays in one read transaction, and its vector views match it, so every
    read through it sees the same state while writers change the index (in place, or by publishing a
    newer generation). `fallback` is set when the current generation was damaged and an older one is
    served. `manifest` carries the counts of this snapshot.
    """

    def __init__(self, generation: Generation) -> None:
        self.shared = generation
        self.folder = generation.folder
        self.fallback = generation.fallback
        self.db = Database(generation.folder / DATABASE, readonly=True)
        try:
            self.version = self.db.snapshot()
            self.vectors: VectorView | MilvusVectors
            self.sentence_vectors: VectorView | MilvusVectors
            self.search: SearchBackend
            if generation.milvus is None:
                self.vectors, self.sentence_vectors = generation.views(self.db.conn, self.version)
                self.search = LocalSearch(self.db, self.vectors, self.sentence_vectors)
            else:
                dim = generation.manifest.model.dim
                self.vectors = MilvusVectors(generation.milvus, "chunks", dim)
                self.sentence_vectors = MilvusVectors(generation.milvus, "sentences", dim)
                self.search = MilvusSearch(generation.milvus)
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise IndexCorrupt(f"generation {generation.name}: {e}") from e
        generation.attach()
        self.users = 0  # leases held (LiveIndex)
        self.retired = False  # no longer the served snapshot: closed when `users` drops to 0
        self.closed = False
        self._manifest: Manifest | None = None

    @property
    def generation(self) -> str:
        return self.shared.name

    @property
    def manifest(self) -> Manifest:
        """The generation's manifest with this snapshot's counts (incremental writes change them)."""
        if self._manifest is None:
            articles, chunks, sentences = self.db.kept_counts()
            self._manifest = replace(
                self.shared.manifest, articles=articles, chunks=chunks, sentences=sentences
            )
        return self._manifest

    @classmethod
    def open(
        cls,
        index_dir: Path,
        embedder: Embedder | None = None,
        verify: bool = True,
        store: StoreConfig | None = None,
    ) -> IndexReader:
        """Open the current generation (or the newest good one, see index/fallback.py) as of its last
        committed write; with `embedder`, refuse an index built by another model. IndexNotFound,
        IndexCorrupt, ModelMismatch."""

        def opener(folder: Path, manifest: Manifest) -> IndexReader:
            if embedder is not None:
                check_model(manifest, embedder.name, embedder.dim, embedder.fingerprint())
            generation = Generation(folder, manifest, None, store)
            try:
                reader = cls(generation)
            except BaseException:
                generation.release()
                raise
            try:
                reader.check()
            except BaseException:
                reader.close()  # its read transaction, and the generation with its last snapshot
                raise
            return reader

        reader, fallback = open_newest_good(index_dir, opener, verify=verify)
        reader.fallback = reader.shared.fallback = fallback
        return reader

    def delta_sizes(self) -> tuple[int, int]:
        """(delta vectors, tombstones) in this snapshot: what a compaction would fold."""
        return delta.sizes(self.db.conn)

    def reopened(self) -> IndexReader:
        """A snapshot of the same generation at its newest committed write (cheap: no files loaded)."""
        return IndexReader(self.shared)

    def check(self) -> None:
        """IndexCorrupt unless the database answers and holds as many chunks and sentences as there are
        vectors (a truncated or swapped database fails here)."""
        try:
            manifest = self.manifest
            counted = (*self.db.counts(), self.db.sentence_count())  # reads every table's rows once
        except sqlite3.DatabaseError as e:
            raise IndexCorrupt(f"generation {self.generation}: {e}") from e
        if counted != (manifest.articles, manifest.chunks, manifest.sentences):
            raise IndexCorrupt(f"generation {self.generation}: {counted} rows but {manifest} recorded")
        milvus = self.shared.milvus
        if milvus is not None:
            # rows of a write killed between Milvus and its commit may remain (invisible: no database
            # holds their ids), so Milvus holds at least the database's rows
            held = milvus.count("chunks"), milvus.count("sentences")
        else:
            held = len(self.vectors), len(self.sentence_vectors)
        short = held[0] < manifest.chunks or held[1] < manifest.sentences
        if short or (milvus is None and held != (manifest.chunks, manifest.sentences)):
            raise IndexCorrupt(
                f"generation {self.generation}: {manifest.chunks} chunks and {manifest.sentences} sentences "
                f"but {held[0]} and {held[1]} vectors"
            )

    def intact(self) -> bool:
        """False when a file changed on disk since it was opened (truncated, overwritten, deleted by
        hand): cheap (a few stat calls), so it runs on every request. Garbage collection of an old
        generation deletes its files, which an open reader does not mind: only the current one is
        checked."""
        return self.shared.intact()

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
        """Close the snapshot (its read transaction ends); the generation's vectors are freed with its
        last snapshot. Idempotent."""
        if not self.closed:
            self.closed = True
            self.db.close()
            self.shared.detach()


class LiveIndex:
    """The index as a server sees it: a snapshot of the newest committed write, switched to when one
    appears (an incremental write, or a newer generation published).

    `get()` costs one small file read, a few stats and one small query; a new snapshot is made off to
    the side and swapped in whole, so a query uses either the old or the new state, never a mix, and
    readers never wait while it opens. A generation whose files change under it (damage) is replaced at
    once by the newest good one (index/fallback.py).
    """

    def __init__(self, index_dir: Path, embedder: Embedder, store: StoreConfig | None = None) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self.store = store
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
            if self._serves(reader, name):
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
        if current is not None and current.intact() and self._serves(current, name):
            return current
        try:
            if current is not None and current.intact() and current.generation == name:
                new = current.reopened()  # a write in place: the same generation at its newest version
            else:
                new = IndexReader.open(self.index_dir, self.embedder, store=self.store)
        except RagError as e:
            if current is None or not current.intact():
                raise
            # e.g. rebuilt with another model: keep answering from the generation that works
            self._failed = name
            log.error("cannot switch to generation %s, still serving %s: %s", name, current.generation, e)
            return current
        log.info("serving index generation %s version %d", new.generation, new.version)
        self._failed = new.fallback.damaged if new.fallback else None
        self._reader = new
        if current is not None:
            self._retire(current)
            if current.generation == new.generation and current.closed:
                return self._pinned_after_checkpoint(new)
        return new

    def _pinned_after_checkpoint(self, reader: IndexReader) -> IndexReader:
        """After a write in place: checkpoint the WAL into the database now that no older snapshot
        needs its frames, and serve a fresh snapshot of the same version, which then reads the database
        file alone. A served snapshot opened before the checkpoint would pin the WAL's frames forever
        and the WAL could never restart: it grew by every write (150 writes: a 35 MB WAL beside a 2 MB
        database). The checkpoint copies only the pages the write changed."""
        try:
            conn = sqlite3.connect(reader.folder / DATABASE, timeout=1.0)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
            pinned = reader.reopened()
        except (sqlite3.Error, RagError, OSError) as e:  # an optimisation: serving goes on without it
            log.debug("no checkpoint after the write: %s", e)
            return reader
        self._reader = pinned
        self._retire(reader)
        return pinned

    def _serves(self, reader: IndexReader, name: str | None) -> bool:
        """True when `reader` is what to serve for CURRENT = `name`: its generation at its newest
        version (or `name` is a generation that would not open)."""
        if name == self._failed and name != reader.generation:
            return True
        if reader.generation != name:
            return False
        try:
            return reader.shared.latest_version() == reader.version
        except sqlite3.DatabaseError:
            return False

    def _retire(self, reader: IndexReader) -> None:
        with self._users:
            reader.retired = True
            if reader.users == 0:
                reader.close()
