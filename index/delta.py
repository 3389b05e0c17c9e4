"""Incremental writes: vectors added since the generation's FAISS files were written, and tombstones.

A generation's `vectors.faiss` / `sentences.faiss` are written once (by a build or a compaction) and
never change. An incremental write (`rag add`, `POST /articles`, `rag remove`) changes the generation's
SQLite database in place, in ONE transaction (WAL mode), and that transaction also holds what changed
for the vectors:

- `delta_vectors`: the vectors of chunks and sentences added since the FAISS files were written;
- `tombstones`: ids (of either kind) removed since, whether their vector is in a FAISS file or in
  `delta_vectors`;
- `meta.version`: the write's number, one more than the last.

A crash at any moment leaves SQLite's last committed transaction: the old or the new state, never a mix
(SQLite's atomic commit; the FAISS files are not touched). A reader's view of the vectors at a version
is the base FAISS index minus the tombstones plus the delta, built incrementally from the rows of the
versions it has not seen (`VectorView.advanced`), so a write costs the same however big the index is.
The delta is folded into fresh FAISS files by a compaction (index/writer.py) once it outgrows a share
of the base: the log-structured merge idea (O'Neil et al. 1996, "The log-structured merge-tree").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import faiss
import numpy as np

from index.vectors import FaissStore

CHUNK, SENTENCE = 0, 1  # the `kind` column: which vector store a row belongs to

SCHEMA = """
CREATE TABLE IF NOT EXISTS delta_vectors (
    kind INTEGER NOT NULL,    -- 0 chunk, 1 sentence
    id INTEGER NOT NULL,      -- chunk or sentence id
    version INTEGER NOT NULL, -- the write that added it
    vector BLOB NOT NULL,     -- float32[dim], normalised
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS delta_vectors_by_version ON delta_vectors(version);
CREATE TABLE IF NOT EXISTS tombstones (
    kind INTEGER NOT NULL,
    id INTEGER NOT NULL,
    version INTEGER NOT NULL, -- the write that removed it
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS tombstones_by_version ON tombstones(version);
"""


def version(conn: sqlite3.Connection) -> int:
    """The number of the last committed incremental write (0 right after a build or compaction)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    return int(row[0]) if row else 0


def set_version(conn: sqlite3.Connection, value: int) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)", (str(value),))


def put_vectors(conn: sqlite3.Connection, kind: int, ids: np.ndarray, vectors: np.ndarray, at: int) -> None:
    """Store added vectors (shape (len(ids), dim)) as written by version `at`."""
    vecs = np.ascontiguousarray(vectors, dtype=np.float32)
    conn.executemany(
        "INSERT OR REPLACE INTO delta_vectors (kind, id, version, vector) VALUES (?,?,?,?)",
        [(kind, int(i), at, vecs[j].tobytes()) for j, i in enumerate(ids)],
    )


def put_tombstones(conn: sqlite3.Connection, kind: int, ids: Iterable[int], at: int) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO tombstones (kind, id, version) VALUES (?,?,?)",
        [(kind, int(i), at) for i in ids],
    )


def sizes(conn: sqlite3.Connection) -> tuple[int, int]:
    """(delta vectors, tombstones) held: what a compaction would fold into the FAISS files. Kept in a
    meta row by `grow` (counting the tables would cost more as the delta grows)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'delta_size'").fetchone()
    if row is None:
        added = conn.execute("SELECT count(*) FROM delta_vectors").fetchone()[0]
        removed = conn.execute("SELECT count(*) FROM tombstones").fetchone()[0]
        return int(added), int(removed)
    added, removed = (int(x) for x in str(row[0]).split(","))
    return added, removed


def grow(conn: sqlite3.Connection, added: int, removed: int) -> None:
    """Record that a write added `added` delta vectors and `removed` tombstones (call before it commits)."""
    a, r = sizes(conn)
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('delta_size', ?)", (f"{a + added},{r + removed}",)
    )


def clear(conn: sqlite3.Connection) -> None:
    """Forget the delta (a compaction folded it into new FAISS files); the version restarts at 0."""
    conn.execute("DELETE FROM delta_vectors")
    conn.execute("DELETE FROM tombstones")
    conn.execute("DELETE FROM meta WHERE key = 'delta_size'")
    set_version(conn, 0)


def fold_into(conn: sqlite3.Connection, kind: int, store: FaissStore) -> None:
    """Apply the delta of `kind` to a FAISS store loaded for a compaction: tombstones out, delta in."""
    gone = _tombstones(conn, kind, -1)
    store.remove(int(i) for i in gone)
    ids, vecs = _rows(conn, kind, -1, None)
    keep = ~np.isin(ids, gone)
    store.add(ids[keep], vecs[keep])


def _rows(conn: sqlite3.Connection, kind: int, after: int, dim: int | None) -> tuple[np.ndarray, np.ndarray]:
    rows = conn.execute(
        "SELECT id, vector FROM delta_vectors WHERE kind=? AND version>? ORDER BY id", (kind, after)
    ).fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    if not rows:
        return ids, np.zeros((0, dim or 0), dtype=np.float32)
    return ids, np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def _tombstones(conn: sqlite3.Connection, kind: int, after: int) -> np.ndarray:
    rows = conn.execute("SELECT id FROM tombstones WHERE kind=? AND version>?", (kind, after)).fetchall()
    return np.array(sorted(r[0] for r in rows), dtype=np.int64)


class Segment:
    """Vectors added by some consecutive writes: ids (n,) int64 sorted, vectors (n, dim) float32, and
    which rows no tombstone hides (`alive`, kept up to date as views advance, so a query does not test
    every row against every tombstone). Searched by one matrix product over all rows, then masked."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, alive: np.ndarray | None = None) -> None:
        self.ids = ids
        self.vectors = vectors
        self.alive = alive if alive is not None else np.ones(len(ids), dtype=bool)

    def __len__(self) -> int:
        return len(self.ids)

    def without(self, removed: np.ndarray) -> Segment:
        """This segment with the rows of `removed` (new tombstones) hidden: vectors shared, not copied."""
        hit = np.isin(self.ids, removed)
        return Segment(self.ids, self.vectors, self.alive & ~hit) if hit.any() else self

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        keep = self.alive if allowed is None else self.alive & np.isin(self.ids, allowed)
        if k <= 0 or not keep.any():
            return []
        scores = self.vectors @ query.reshape(-1).astype(np.float32)
        scores[~keep] = -np.inf
        top = (
            np.argpartition(-scores, min(k, len(scores)) - 1)[:k]
            if len(scores) > k
            else np.arange(len(scores))
        )
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top if keep[i]]


def _merged(a: Segment, b: Segment) -> Segment:
    """One segment of both, without rows a tombstone hides (they can never be shown again)."""
    keep = np.concatenate([a.alive, b.alive])
    ids, vecs = np.concatenate([a.ids, b.ids])[keep], np.concatenate([a.vectors, b.vectors])[keep]
    return Segment(ids, vecs)


class VectorView:
    """The vectors of one kind as of one version: the generation's FAISS base, minus the tombstones,
    plus the delta segments. Immutable: a newer version is a new view (`advanced`), so a request keeps
    a consistent view while writes land. Same interface as FaissStore for searching and reading.

    Segments are merged when the newest is at least half the size of the one before (a binary-counter
    policy), so there are O(log n) of them and each delta row is copied O(log n) times in all.
    """

    def __init__(
        self, base: FaissStore, segments: Sequence[Segment] = (), hidden: np.ndarray | None = None
    ) -> None:
        self.base = base
        self.dim = base.dim
        self.segments = tuple(segments)
        self.hidden = hidden if hidden is not None else np.zeros(0, dtype=np.int64)  # sorted tombstones
        self._selector: tuple[faiss.IDSelector, faiss.IDSelector] | None = None

    def __len__(self) -> int:
        """Live vectors: the base's not tombstoned, plus the segments' not tombstoned. Ids only grow, so
        the base holds exactly the tombstoned ids up to its largest."""
        in_base = int(np.count_nonzero(self.hidden <= self.base.max_id()))
        in_segments = sum(int(np.count_nonzero(s.alive)) for s in self.segments)
        return len(self.base) - in_base + in_segments

    def advanced(self, conn: sqlite3.Connection, kind: int, since: int) -> VectorView:
        """This view with the writes after version `since` applied, read through `conn` (in the read
        transaction of the snapshot the new view is for). Costs what those writes added, not the index."""
        ids, vecs = _rows(conn, kind, since, self.dim)
        removed = _tombstones(conn, kind, since)
        hidden = np.union1d(self.hidden, removed) if len(removed) else self.hidden
        segments = [s.without(removed) for s in self.segments] if len(removed) else list(self.segments)
        if len(ids):
            segments.append(Segment(ids, vecs).without(removed))
        while len(segments) >= 2 and 2 * len(segments[-1]) >= len(segments[-2]):
            b, a = segments.pop(), segments.pop()
            segments.append(_merged(a, b))
        return VectorView(self.base, segments, hidden)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (id, cosine) over base and delta; `allowed` restricts to those ids (as FaissStore)."""
        if k <= 0:
            return []
        found = self._search_base(query, k, allowed)
        for segment in self.segments:
            found += segment.search(query, k, allowed)
        found.sort(key=lambda hit: -hit[1])
        return found[:k]

    def _search_base(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        if allowed is not None or not len(self.hidden):
            if allowed is not None and len(self.hidden):
                allowed = np.setdiff1d(allowed, self.hidden)
            return self.base.search(query, k, allowed)
        return self.base.search(query, k, selector=self._not_tombstoned())

    def _not_tombstoned(self) -> faiss.IDSelector:
        """The selector of ids no tombstone hides, built once per view (a view never changes)."""
        if self._selector is None:
            batch = faiss.IDSelectorBatch(self.hidden)
            self._selector = (faiss.IDSelectorNot(batch), batch)  # the batch stays referenced with it
        return self._selector[0]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The vectors of `ids`, shape (len(ids), dim); KeyError for an id neither holds."""
        wanted = np.asarray(ids, dtype=np.int64)
        if len(self.hidden) and np.isin(wanted, self.hidden).any():
            raise KeyError(f"removed ids among {list(ids)[:5]}…")
        out = np.zeros((len(wanted), self.dim), dtype=np.float32)
        todo = np.ones(len(wanted), dtype=bool)
        for segment in self.segments:  # each segment's ids are sorted (ids only grow)
            at = np.minimum(np.searchsorted(segment.ids, wanted), max(len(segment) - 1, 0))
            hit = todo & (segment.ids[at] == wanted) if len(segment) else np.zeros_like(todo)
            out[hit] = segment.vectors[at[hit]]
            todo &= ~hit
        if todo.any():
            out[todo] = self.base.vectors([int(i) for i in wanted[todo]])
        return out
