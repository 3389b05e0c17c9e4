"""Writing the index: incremental changes in place (one SQLite transaction), or a new generation
(full rebuild, compaction) published by an atomic switch. Either way a crash leaves the old or the new
state (tests/test_crash.py)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np

from index import delta
from index import generations as gens
from index import vectors as faiss_files
from index.annotate import Annotator
from index.changes import PHASES, Changes, Progress, WriteStats, clip_title
from index.chunking import Chunker, ChunkingParams
from index.clusters import DuplicateClusters
from index.delta import CHUNK, SENTENCE
from index.embedding import TITLE_BUDGET, Embedder
from index.errors import IndexCorrupt, ModelMismatch, StoreMismatch, StoreUnavailable
from index.fallback import open_newest_good
from index.lock import WriterLock
from index.manifest import (
    Manifest,
    ModelInfo,
    check_model,
    read_manifest,
    sha256_file,
    stamp_of,
    verify_stamps,
    write_manifest,
)
from index.memory import release_free_memory
from index.milvus_writes import MilvusWrites
from index.near_duplicates import NearDuplicateParams
from index.search_backends import StoreConfig, default_store
from index.store import DATABASE, Database
from index.vectors import SENTENCE_VECTORS, VECTORS, FaissStore

__all__ = ["PHASES", "IndexWriter", "Progress", "WriteStats", "clip_title"]  # the write API, in one place

log = logging.getLogger(__name__)


# A compaction folds the delta into fresh FAISS files once it holds more vectors (added + removed)
# than this share of the base, and at least COMPACT_MIN: the cost of a compaction is then paid once
# every so many writes, a constant share of each write however big the index (index/delta.py). A
# write reports `compaction_due`; rag/library.py then compacts (a server in the background).
COMPACT_SHARE = 0.25
COMPACT_MIN = 20_000
# and at the latest at this many: every query scans the delta's vectors exactly (a matrix product), so
# it must stay small next to a big base (200k float32 vectors: ~10 ms a query here)
COMPACT_MAX = 200_000


def _open_database(folder: Path, manifest: Manifest) -> tuple[Path, Manifest, Database, bool]:
    """A generation's database opened for writing, and whether its delta is due for a compaction;
    IndexCorrupt when SQLite finds it damaged or a FAISS file is not as written (then the write builds
    on the newest good generation, as readers serve it)."""
    verify_stamps(folder, manifest)
    try:
        db = Database(folder / DATABASE, readonly=False)
    except sqlite3.DatabaseError as e:
        raise IndexCorrupt(f"generation {folder.name}: {e}") from e
    try:
        added, removed = delta.sizes(db.conn)
    except sqlite3.DatabaseError as e:
        db.close()
        raise IndexCorrupt(f"generation {folder.name}: {e}") from e
    share = COMPACT_SHARE * (manifest.chunks + manifest.sentences)
    grown = added + removed > max(COMPACT_MIN, min(share, COMPACT_MAX))
    return folder, manifest, db, grown


class IndexWriter(Changes):
    """Holds the writer lock and one change to the index until `commit` (or `abort`).

    Two ways of writing, chosen here:
    - in place (incremental): the current generation's database is changed in ONE SQLite transaction
      holding the rows, the added vectors and the tombstones (index/delta.py). Readers keep reading
      the last committed state meanwhile (WAL); the cost is that of the change, not of the index.
    - a new generation (staging folder, published by switching CURRENT): a full rebuild (`fresh`), the
      first write, a compaction once the delta has outgrown COMPACT_SHARE of the base, or a write after
      the current generation was found damaged (built on the newest good one, index/fallback.py).
    """

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        params: ChunkingParams,
        *,
        fresh: bool,
        annotator: Annotator | None = None,
        compact: bool = False,
        store: StoreConfig | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.store = store or default_store()
        self.remote: MilvusWrites | None = None  # RAG_STORE=milvus: the vectors go there
        self.embedder = embedder
        self._annotator = annotator  # loaded when first needed: a removal annotates nothing
        self.annotator_name = annotator.name if annotator else "spacy"
        self.fingerprint = embedder.fingerprint()
        self.staging: Path | None = None
        self._reconcile = False  # Milvus: delete rows no database names (rag compact)
        self.compaction_due = False  # a write in place whose delta outgrew COMPACT_SHARE of the base
        self.db: Database  # the database this write changes (set by _open)
        self.name: str  # a new generation's name (set by _open unless the write is in place)
        self._lock = WriterLock(index_dir)
        self._lock.acquire()
        try:
            gens.collect_garbage(index_dir)
            self.params, duplicates = self._open(params, fresh, compact)
        except BaseException:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
            if self.remote is not None:
                self.remote.discard()
            self._lock.release()
            raise
        self.duplicates = DuplicateClusters(self.db.conn, duplicates)
        max_tokens = min(self.params.max_tokens, embedder.max_tokens - TITLE_BUDGET - 1)
        self.chunker = Chunker(replace(self.params, max_tokens=max_tokens), measure=embedder.count_tokens)
        self.stats = WriteStats()
        # what the vectors lose and gain, applied at commit
        self._stale: dict[int, list[int]] = {CHUNK: [], SENTENCE: []}
        self._added: list[tuple[int, np.ndarray, np.ndarray]] = []  # (kind, ids, vectors)
        self._count_change = [0, 0, 0]
        self._next_id = self.db.next_id("chunks")
        self._next_sentence_id = self.db.next_id("sentences")

    @property
    def in_place(self) -> bool:
        """True when this write changes the current generation in place (no staging folder)."""
        return self.staging is None

    def _open(
        self, params: ChunkingParams, fresh: bool, compact: bool
    ) -> tuple[ChunkingParams, NearDuplicateParams]:
        """Open what this write changes; returns the chunking and copy test it must keep."""
        duplicates = NearDuplicateParams()
        current = gens.current_path(self.index_dir)
        if fresh or current is None:
            self._stage()
            self.vectors, self.sentence_vectors = (
                FaissStore(self.embedder.dim),
                FaissStore(self.embedder.dim, half=True),
            )
            if self.store.kind == "milvus":
                self.remote = MilvusWrites(self.store, self.name, self.embedder.dim, create=True)
            return params, duplicates
        # a damaged current generation: build on the newest good one (index/fallback.py); checksums of
        # the FAISS files are checked only when they are read (a compaction), not by every write
        (current, manifest, db, grown), fallback = open_newest_good(
            self.index_dir, _open_database, verify=False
        )
        try:
            check_model(manifest, self.embedder.name, self.embedder.dim, self.fingerprint)
            self.store = self.store.check(manifest.store, str(self.index_dir))
        except (ModelMismatch, StoreMismatch):
            db.close()
            raise
        params = ChunkingParams(**manifest.chunking)  # an index keeps the chunking it was built with
        duplicates = NearDuplicateParams.from_dict(manifest.near_duplicates)  # and its copy test
        if self._annotator is None:  # and its annotator, unless told otherwise
            self.annotator_name = manifest.annotator
        if self.store.kind == "milvus":  # Milvus holds every vector: nothing to compact
            if fallback is not None:
                db.close()
                raise IndexCorrupt(f"{fallback.warning()} With RAG_STORE=milvus, rebuild with `rag build`.")
            self.remote = MilvusWrites(self.store, current.name, self.embedder.dim, create=False)
            self._reconcile, grown, compact = compact, False, False  # a compaction: orphans out
        if fallback is None and not compact:
            # a write in place even when the delta is due for a compaction: the caller compacts after
            # it (rag/library.py, in the background in a server), so no write waits for one
            self.compaction_due = grown
            self.db, self.manifest = db, manifest
            self.version = delta.version(db.conn) + 1
            self.db.begin()
            self._counts = db.kept_counts()  # before this write's changes
            return params, duplicates
        # a compaction: a new generation from the current one's database and vectors, delta folded in
        try:
            read_manifest(current, verify=True)  # the FAISS files it reads must be intact
            self.name = gens.next_name(self.index_dir)
            self.staging = gens.staging_dir(self.index_dir, self.name)
            db.copy_to(self.staging / DATABASE)
        finally:
            db.close()
        # flat while the delta is folded in (a graph cannot remove ids); a graph again at the seal
        self.vectors = FaissStore.load(current).as_flat()
        self.sentence_vectors = FaissStore.load(current, SENTENCE_VECTORS).as_flat()
        self.db = Database(self.staging / DATABASE, readonly=False)
        self.db.begin()
        delta.fold_into(self.db.conn, CHUNK, self.vectors)
        delta.fold_into(self.db.conn, SENTENCE, self.sentence_vectors)
        delta.clear(self.db.conn)
        return params, duplicates

    def _stage(self) -> None:
        """An empty staging generation (a full rebuild or the first write)."""
        self.name = gens.next_name(self.index_dir)
        self.staging = gens.staging_dir(self.index_dir, self.name)
        self.db = Database(self.staging / DATABASE, readonly=False)
        self.db.begin()

    # -- publish ---------------------------------------------------------------------------------------
    def commit(self) -> Manifest:
        """Make the change visible, atomically: in place, the transaction's COMMIT; otherwise verify the
        staging generation, write its manifest, fsync, and switch CURRENT to it. Returns the manifest
        with the index's counts after the change.

        On any failure before that point (a full disk, say) nothing of the attempt stays on disk."""
        try:
            if self.in_place:
                return self._commit_in_place()
            manifest = self._seal()
            gens.crashpoint("before-publish")
            assert self.staging is not None
            gens.publish(self.index_dir, self.staging, self.name)
            gens.collect_garbage(self.index_dir)
            if self.remote is not None:
                self.remote.publish(self.index_dir)
            return manifest
        except BaseException:
            self._discard()
            raise
        finally:
            self._lock.release()
            if not self.in_place:
                self.vectors.release()  # the staging copy is on disk now (or discarded): free it,
                self.sentence_vectors.release()
            release_free_memory()  # and hand the pages back (index/memory.py)

    def _take(self, kind: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Vectors go where they will live as they come, so a build never holds all of them twice: into
        a new generation's FAISS stores (sentences in half precision), or into Milvus (rows no database
        names until the commit, see index/milvus_writes.py); a write in place keeps them for its commit."""
        if self.remote is not None:
            self.remote.add([(kind, ids, vectors)])
        elif self.in_place:
            super()._take(kind, ids, vectors)
        else:
            (self.vectors if kind == CHUNK else self.sentence_vectors).add(ids, vectors)

    def _commit_in_place(self) -> Manifest:
        """One transaction: rows, delta vectors, tombstones and the new version (index/delta.py)."""
        conn = self.db.conn
        if self.remote is None:  # (Milvus got its rows as they were embedded: `_take`)
            for kind, ids, vecs in self._added:
                delta.put_vectors(conn, kind, ids, vecs, self.version)
            for kind, stale in self._stale.items():
                delta.put_tombstones(conn, kind, stale, self.version)
            added = sum(len(ids) for _, ids, _ in self._added)
            delta.grow(conn, added, sum(len(ids) for ids in self._stale.values()))
        delta.set_version(conn, self.version)
        self.db.set_next_id("chunks", self._next_id)
        self.db.set_next_id("sentences", self._next_sentence_id)
        articles, chunks, sentences = (n + d for n, d in zip(self._counts, self._count_change, strict=True))
        self.db.keep_counts(articles, chunks, sentences)
        gens.crashpoint("before-publish")
        gens.crashpoint("before-switch")
        self.db.commit()  # the commit point: before it the old state, after it the new one
        gens.crashpoint("after-switch")
        self.db.close()
        if self.remote is not None:  # after the commit: until then the old state is whole
            try:
                self.remote.remove(self._stale)
                self.remote.collections.flush()
            except StoreUnavailable as e:  # the write is committed: its old rows stay, unseen
                log.warning("removed rows stay in Milvus (no database names them, so none is shown): %s", e)
            if self._reconcile:
                held = {table: self._all_ids(table) for table in ("chunks", "sentences")}
                log.info("removed %d Milvus rows no database names", self.remote.reconcile(held))
        return replace(self.manifest, articles=articles, chunks=chunks, sentences=sentences)

    def _all_ids(self, table: str) -> np.ndarray:
        """Every id of `table` in the generation's database as committed (read after the commit)."""
        db = Database(self.db.path, readonly=True)
        try:
            return np.array([r[0] for r in db.conn.execute(f"SELECT id FROM {table}")], dtype=np.int64)
        finally:
            db.close()

    def _seal(self) -> Manifest:
        """Finish the staging generation: vectors applied, database committed, files written and
        fsynced, the manifest written and read back."""
        # the vectors are in their stores already (`_take`); removals of a write built on a fallback
        self.vectors.remove(self._stale[CHUNK])
        self.sentence_vectors.remove(self._stale[SENTENCE])
        self.db.set_next_id("chunks", self._next_id)
        self.db.set_next_id("sentences", self._next_sentence_id)
        articles, chunks = self.db.counts()
        sentences = self.db.sentence_count()
        self.db.keep_counts(articles, chunks, sentences)
        self.db.commit()
        if self.remote is not None:
            self.remote.seal(chunks, sentences)
        elif (chunks, sentences) != (len(self.vectors), len(self.sentence_vectors)):
            raise IndexCorrupt(
                f"staging generation has {chunks} chunks and {sentences} sentences but "
                f"{len(self.vectors)} and {len(self.sentence_vectors)} vectors"
            )
        self.db.close()  # the last connection: SQLite checkpoints the WAL into the file and removes it
        assert self.staging is not None
        checksums, stamps = {}, {}
        gens.fsync_file(self.staging / DATABASE)
        if self.remote is None:  # (with Milvus, the vectors are in its collections)
            if len(self.vectors) >= faiss_files.APPROXIMATE_FROM:  # big: an HNSW graph (index/vectors.py)
                self.vectors = self.vectors.as_graph()
            if len(self.sentence_vectors) >= faiss_files.APPROXIMATE_FROM:
                self.sentence_vectors = self.sentence_vectors.as_graph()
            self.vectors.save(self.staging)
            self.sentence_vectors.save(self.staging, SENTENCE_VECTORS)
            for name in (VECTORS, SENTENCE_VECTORS):  # the database changes in place: no checksum
                gens.fsync_file(self.staging / name)
                checksums[name] = sha256_file(self.staging / name)
                stamps[name] = stamp_of(self.staging / name)
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
            store=self.store.manifest_entry(),
            stamps=stamps,
        )
        write_manifest(self.staging, manifest)
        gens.fsync_dir(self.staging)
        read_manifest(self.staging)  # verify what was written before anyone can see it
        return manifest

    def _discard(self) -> None:
        """Remove what a failed commit left: the open transaction (rolled back by closing), the staging
        folder, or the generation it was renamed to and the pointer's temporary file when CURRENT was
        not switched to it."""
        self.db.close()
        if self.staging is None:
            return
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.remote is not None and gens.current_name(self.index_dir) != self.name:
            self.remote.discard()
        if gens.current_name(self.index_dir) != self.name:
            shutil.rmtree(self.index_dir / gens.GENERATIONS / self.name, ignore_errors=True)
            (self.index_dir / f".{gens.POINTER}.tmp").unlink(missing_ok=True)

    @property
    def changed(self) -> bool:
        return bool(self.stats.added or self.stats.updated or self.stats.removed)

    def abort(self) -> None:
        """Give up the change: nothing of it is kept."""
        try:
            self.db.close()  # an open transaction is rolled back
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
                if self.remote is not None:
                    self.remote.discard()
        finally:
            self._lock.release()
