"""The vector store: FAISS inner-product search over normalised vectors, keyed by chunk id."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

VECTORS = "vectors.faiss"


class VectorStore(Protocol):
    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Iterable[int]) -> None: ...

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...


class FaissStore:
    """An exact (flat) index: at 50k chunks a query costs a few ms on two cores, and it is exact."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vecs.shape[1]}, the store {self.dim}")
        self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Iterable[int]) -> None:
        arr = np.fromiter(ids, dtype=np.int64)
        if len(arr):
            self._index.remove_ids(faiss.IDSelectorBatch(arr))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, cosine) pairs; `allowed` restricts the search to those chunk ids."""
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = faiss.SearchParameters()
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

    def save(self, folder: Path) -> Path:
        path = folder / VECTORS
        faiss.write_index(self._index, str(path))
        return path

    @classmethod
    def load(cls, folder: Path) -> FaissStore:
        index = faiss.read_index(str(folder / VECTORS))
        return cls(index.d, index)
