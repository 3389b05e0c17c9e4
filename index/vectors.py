"""The vector store: FAISS inner-product search over normalised vectors, keyed by chunk id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

VECTORS = "vectors.faiss"  # chunk vectors, keyed by chunk id
SENTENCE_VECTORS = "sentences.faiss"  # sentence vectors, keyed by sentence id (half precision)


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
        self._max_id: int | None = None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def max_id(self) -> int:
        """The largest id held (-1 when empty); computed once per change."""
        if self._max_id is None:
            held = faiss.vector_to_array(self._index.id_map)  # type: ignore[attr-defined]  # IndexIDMap2
            self._max_id = int(held.max()) if len(held) else -1
        return self._max_id

    def release(self) -> None:
        """Free the vectors (a retired generation's reader): the store is empty afterwards."""
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._max_id = None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vecs.shape[1]}, the store {self.dim}")
        self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))
        self._max_id = None

    def remove(self, ids: Iterable[int]) -> None:
        arr = np.fromiter(ids, dtype=np.int64)
        if len(arr):
            self._index.remove_ids(faiss.IDSelectorBatch(arr))
            self._max_id = None

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
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        if selector is not None:
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
