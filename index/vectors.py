"""The vector store: FAISS inner-product search over normalised vectors, keyed by chunk id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

VECTORS = "vectors.faiss"  # chunk vectors, keyed by chunk id
SENTENCE_VECTORS = "sentences.faiss"  # sentence vectors, keyed by sentence id (half precision)

# Above this many vectors a generation's FAISS files hold an approximate index (HNSW, Malkov & Yashunin
# 2018, "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small
# World graphs"). Chosen by bench/scale_ann.py (README "Approximate search at 1M chunks"): on real
# MiniLM vectors an exact search costs ~5.8 ms at 100k and ~55 ms at 1M vectors on this machine, HNSW
# (M 32, efConstruction 100, efSearch 256) 0.6-0.7 ms with recall@10 0.998 at 100k and 0.987 at 1M.
APPROXIMATE_FROM = 200_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 100, 256
# a filtered search allowing at most this many ids is exact, over their vectors: a graph search that
# must skip most of what it visits loses recall (one outlet, one week, one article)
EXACT_UP_TO = 20_000


class VectorStore(Protocol):
    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Iterable[int]) -> None: ...

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...


class FaissStore:
    """A flat (brute-force) index: at 50k chunks a query costs a few ms on two cores. Exact in float32;
    with `half=True` vectors are stored in float16 (scores within ~1e-3)."""

    def __init__(self, dim: int, index: faiss.Index | None = None, *, half: bool = False) -> None:
        """`half` stores vectors in float16 (faiss' scalar quantiser): half the memory, cosines within
        about 1e-3 of float32 — for sentence vectors, which are many and only scored, not ranked alone."""
        self.dim = dim
        if index is None:
            flat = (
                faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
                if half
                else faiss.IndexFlatIP(dim)
            )
            index = faiss.IndexIDMap2(flat)
        self._index = index
        self._ids: np.ndarray | None = None  # held ids, sorted, once read (`_held_ids`)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def _inner(self) -> faiss.Index:
        """The index under the id map (flat, scalar-quantised or an HNSW graph)."""
        return faiss.downcast_index(self._index.index)  # type: ignore[attr-defined]  # IndexIDMap2

    @property
    def approximate(self) -> bool:
        """True when the vectors are in an HNSW graph (see APPROXIMATE_FROM), not a flat index."""
        return isinstance(self._inner, faiss.IndexHNSW)

    def _pairs(self) -> tuple[np.ndarray, np.ndarray]:
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)  # type: ignore[attr-defined]
        return ids, self.vectors([int(i) for i in ids])

    def as_graph(self) -> FaissStore:
        """The same (id, vector) pairs in an HNSW graph (half precision stays half): for a generation's
        files once they hold APPROXIMATE_FROM vectors or more. Building costs ~4 min per million on
        this machine: it runs when a generation is written (a build or a compaction), never per write."""
        half = isinstance(self._inner, faiss.IndexScalarQuantizer)
        graph = (
            faiss.IndexHNSWSQ(self.dim, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]
            if half
            else faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        )
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        ids, vecs = self._pairs()
        store = FaissStore(self.dim, faiss.IndexIDMap2(graph))
        store._index.train(vecs)
        store.add(ids, vecs)
        return store

    def as_flat(self) -> FaissStore:
        """The same pairs in a flat (exact) index: a compaction folds the delta into it (an HNSW graph
        cannot remove ids), and the result becomes a graph again if it is big enough."""
        if not self.approximate:
            return self
        half = isinstance(self._inner, faiss.IndexHNSWSQ)
        store = FaissStore(self.dim, half=half)
        store.add(*self._pairs())
        return store

    def _held_ids(self) -> np.ndarray:
        """Every id held, sorted; read from the id map once per change (a generation's files never change)."""
        if self._ids is None:
            self._ids = np.sort(faiss.vector_to_array(self._index.id_map))  # type: ignore[attr-defined]
        return self._ids

    def max_id(self) -> int:
        """The largest id held (-1 when empty)."""
        held = self._held_ids()
        return int(held[-1]) if len(held) else -1

    def release(self) -> None:
        """Free the vectors (a retired generation's reader): the store is empty afterwards."""
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._ids = None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vecs.shape[1]}, the store {self.dim}")
        self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))
        self._ids = None

    def remove(self, ids: Iterable[int]) -> None:
        arr = np.fromiter(ids, dtype=np.int64)
        if len(arr):
            self._index.remove_ids(faiss.IDSelectorBatch(arr))
            self._ids = None

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        selector: faiss.IDSelector | None = None,
    ) -> list[tuple[int, float]]:
        """Top-k (chunk id, cosine) pairs; `allowed` restricts the search to those chunk ids, a faiss
        `selector` (e.g. IDSelectorNot of tombstones, index/delta.py) to the ids it selects."""
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            if self.approximate and len(allowed) <= EXACT_UP_TO:
                return self._exact_among(q[0], k, np.asarray(allowed, dtype=np.int64))
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        if self.approximate:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(HNSW_EF_SEARCH, k)
        if selector is not None:
            params = params or faiss.SearchParameters()
            params.sel = selector  # `selector` stays referenced until the search returns
        # One query: OpenMP threads cost more than they save (48k vectors: 6 ms on one thread, 16 ms
        # on two beside torch's). The setting is per calling thread and shared with torch: restore it.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._index.search(q, min(k, len(self)), params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _exact_among(self, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """Top-k over the vectors of `allowed` that the store holds, exactly (a small filter on a graph)."""
        held = allowed[np.isin(allowed, self._held_ids())]
        if not len(held):
            return []
        scores = self.vectors([int(i) for i in held]) @ query
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(held[i]), float(scores[i])) for i in top]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of `ids`, shape (len(ids), dim), float32; KeyError for an unknown id."""
        if not ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            out = self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))
        except RuntimeError as e:  # faiss raises RuntimeError for an id it does not hold
            raise KeyError(f"no vector for some of ids {list(ids)[:5]}…") from e
        return np.asarray(out, dtype=np.float32).reshape(len(ids), self.dim)

    def save(self, folder: Path, name: str = VECTORS) -> Path:
        """Write the index in faiss' own format, through Python's file API so that a full disk is an
        OSError(ENOSPC) like any other write, not a RuntimeError from inside faiss."""
        path = folder / name
        data = faiss.serialize_index(self._index)  # uint8 array, the bytes faiss.write_index writes
        with open(path, "wb") as f:
            f.write(data.data)  # the array's own buffer: no copy
        return path

    @classmethod
    def load(cls, folder: Path, name: str = VECTORS) -> FaissStore:
        index = faiss.read_index(str(folder / name))
        return cls(index.d, index)
