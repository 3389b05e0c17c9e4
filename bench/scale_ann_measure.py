"""Measuring one index for bench/scale_ann.py: recall@k against exact, single-query latency, RAM, size."""

from __future__ import annotations

import ctypes
import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import faiss
import numpy as np

SearchFn = Callable[[np.ndarray, int], np.ndarray]  # one (d,) query, k → (k,) ids (−1 where missing)


def rss_bytes() -> int:
    """This process' resident set size now (Linux /proc/self/statm; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def release_freed_memory() -> None:
    """Garbage-collects and returns glibc's freed heap to the OS (malloc_trim), so RSS deltas measure
    the next allocation rather than what an earlier, deleted index left in the allocator."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextmanager
def faiss_threads(n: int) -> Iterator[None]:
    """faiss' OpenMP thread count set to `n` inside the block, restored after (per calling thread)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def exact_top_k(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ground truth: the k highest inner products per query, (q, k) int64 row numbers of `base`."""
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    _, ids = index.search(queries, k)
    return ids


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean |found_i ∩ truth_i| / k over queries; both (q, k) id arrays (−1 ids never count)."""
    k = truth.shape[1]
    hits = [len(set(f[f >= 0].tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits) / k)


def time_queries(
    search: SearchFn, queries: np.ndarray, k: int, warmup: int = 10
) -> tuple[np.ndarray, list[float]]:
    """Runs the queries one at a time, as the server does: their (q, k) ids and latencies in ms."""
    for q in queries[:warmup]:
        search(q, k)
    found = np.full((len(queries), k), -1, dtype=np.int64)
    ms = []
    for i, q in enumerate(queries):
        t = time.perf_counter()
        ids = search(q, k)
        ms.append((time.perf_counter() - t) * 1000)
        found[i, : len(ids)] = ids
    return found, ms


def latency_row(found: np.ndarray, ms: list[float], truth: np.ndarray) -> dict[str, float]:
    """recall@k, p50 and p95 in ms, rounded for the JSON."""
    return {
        "recall_at_10": round(recall_at_k(found, truth), 4),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
    }


def faiss_file_bytes(index: faiss.Index) -> int:
    """The size of the index written with faiss.write_index (= its serialized size), in bytes."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("NEWSRAG_BENCH_TMP")) as tmp:
        path = os.path.join(tmp, "index.faiss")
        faiss.write_index(index, path)
        return os.path.getsize(path)


def faiss_search_fn(index: faiss.Index) -> SearchFn:
    """One-query search on one thread, as index/vectors.py does."""

    def search(q: np.ndarray, k: int) -> np.ndarray:
        _, ids = index.search(q.reshape(1, -1), k)
        return ids[0]

    return search


def measure_faiss(
    name: str,
    build: Callable[[np.ndarray], faiss.Index],
    base: np.ndarray,
    queries: np.ndarray,
    truth: np.ndarray,
    sweep: tuple[str, list[int], Callable[[faiss.Index, int], None]] | None,
    build_threads: int,
) -> dict[str, Any]:
    """Builds one faiss index over `base` (timed, RSS delta), then times the queries per sweep value.

    `sweep` is (parameter name, values, setter) for efSearch or nprobe; None for the exact index."""
    release_freed_memory()
    rss0 = rss_bytes()
    t = time.perf_counter()
    with faiss_threads(build_threads):
        index = build(base)
    result: dict[str, Any] = {"index": name, "build_s": round(time.perf_counter() - t, 1)}
    result["rss_delta_mb"] = round((rss_bytes() - rss0) / 2**20, 1)
    result["file_mb"] = round(faiss_file_bytes(index) / 2**20, 3)
    rows = []
    with faiss_threads(1):
        for value in sweep[1] if sweep else [None]:
            if sweep and value is not None:
                sweep[2](index, value)
            found, ms = time_queries(faiss_search_fn(index), queries, truth.shape[1])
            rows.append({**({sweep[0]: value} if sweep else {}), **latency_row(found, ms, truth)})
    result["search"] = rows
    del index
    gc.collect()
    return result


def build_flat(base: np.ndarray) -> faiss.Index:
    """faiss.IndexFlatIP: exact inner product, what index/vectors.py stores today."""
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    return index


def build_hnsw(m: int, ef_construction: int) -> Callable[[np.ndarray], faiss.Index]:
    """faiss.IndexHNSWFlat over inner product (Malkov & Yashunin 2018, HNSW), M and efConstruction given."""

    def build(base: np.ndarray) -> faiss.Index:
        index = faiss.IndexHNSWFlat(base.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(base)
        return index

    return build


def build_ivf(nlist: int, kind: str, train_size: int, seed: int = 0) -> Callable[[np.ndarray], faiss.Index]:
    """faiss IVF (Jégou et al. 2011) over inner product with a flat coarse quantizer; `kind` is "flat" or
    "sq8" (8-bit scalar quantised vectors, a quarter of the RAM). Trained on `train_size` sampled rows."""

    def build(base: np.ndarray) -> faiss.Index:
        quantizer = faiss.IndexFlatIP(base.shape[1])
        index: faiss.IndexIVF
        if kind == "flat":
            index = faiss.IndexIVFFlat(quantizer, base.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, base.shape[1], nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        rows = np.random.default_rng(seed).choice(len(base), min(train_size, len(base)), replace=False)
        index.train(base[np.sort(rows)])
        index.add(base)  # faiss' Python wrapper keeps `quantizer` referenced by `index`
        return index

    return build


def set_ef_search(index: faiss.Index, ef: int) -> None:
    """HNSW's search beam width (faiss.ParameterSpace, which looks through wrappers)."""
    faiss.ParameterSpace().set_index_parameter(index, "efSearch", ef)


def set_nprobe(index: faiss.Index, nprobe: int) -> None:
    """IVF's number of cells scanned per query."""
    faiss.ParameterSpace().set_index_parameter(index, "nprobe", nprobe)
