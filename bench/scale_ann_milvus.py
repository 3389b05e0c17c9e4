"""Milvus Lite for bench/scale_ann.py: the same vectors and queries through pymilvus' embedded server.

Milvus Lite 3.x (`pip install pymilvus milvus-lite`) runs in-process: `MilvusClient("x.db")` starts a
gRPC server in a thread over a local data directory; each sealed segment (≤ 100,000 rows) gets its own
faiss index, and a search fans out over the segments. Index types it accepts (milvus_lite/index/factory.py):
FLAT/BRUTE_FORCE, AUTOINDEX (= HNSW, M=16, efConstruction=200), HNSW, HNSW_SQ, IVF_FLAT, IVF_SQ8;
IVF_PQ is named but raises NotImplementedError.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.scale_ann_measure import SearchFn, latency_row, release_freed_memory, rss_bytes, time_queries

COLLECTION = "chunks"


def milvus_client(path: Path) -> Any:
    """A MilvusClient on a Milvus Lite database at `path` (a `.db` name); ImportError without pymilvus."""
    from pymilvus import MilvusClient

    return MilvusClient(str(path))


def create_collection(client: Any, dim: int, index_type: str, params: dict[str, int]) -> None:
    """A collection (int64 primary key `id`, float vector `vec`), `index_type` over inner product."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    index_params = client.prepare_index_params()
    index_params.add_index(field_name="vec", index_type=index_type, metric_type="IP", params=params)
    client.create_collection(COLLECTION, schema=schema, index_params=index_params)


def insert_all(client: Any, base: np.ndarray, batch: int, deadline_s: float) -> int:
    """Inserts base rows (id = row number) in batches until done or `deadline_s` passed: rows inserted."""
    t = time.perf_counter()
    for start in range(0, len(base), batch):
        rows = [{"id": i, "vec": base[i].tolist()} for i in range(start, min(start + batch, len(base)))]
        client.insert(COLLECTION, rows)
        if time.perf_counter() - t > deadline_s:
            return start + len(rows)
    return len(base)


def wait_until_indexed(db_path: Path, timeout_s: float) -> bool:
    """Blocks until Milvus Lite's background worker (compaction + per-segment index builds, started by
    each flush) is idle, so the timed build is complete and searches hit indexes, not brute force.

    pymilvus reports indexed_rows = total rows at once (milvus_lite/adapter/grpc/servicer.py), so this
    reaches into the in-process server: milvus_lite.server_manager → MilvusLite → Collection._wait_for_bg
    (a private drain point milvus-lite keeps "for tests"). False where that is not found (another version)."""
    try:
        from milvus_lite.server_manager import server_manager_instance

        _, db, _ = server_manager_instance._servers[os.path.abspath(db_path)]
        db.get_collection(COLLECTION)._wait_for_bg(timeout=timeout_s)
        return True
    except (ImportError, KeyError, AttributeError, ValueError):
        return False


def stop_server(db_path: Path) -> None:
    """Stops the in-process Milvus Lite server of `db_path` (else it lives, with its memory, until exit)."""
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        return
    server_manager_instance.release_server(str(db_path))


def milvus_search_fn(client: Any, param: str | None, value: int | None) -> SearchFn:
    """One-query search through pymilvus (ids only, no vectors returned)."""
    search_params: dict[str, Any] = {"metric_type": "IP", "params": {param: value} if param else {}}

    def search(q: np.ndarray, k: int) -> np.ndarray:
        hits = client.search(
            COLLECTION, data=[q.tolist()], limit=k, search_params=search_params, output_fields=[]
        )
        return np.array([h["id"] for h in hits[0]], dtype=np.int64)

    return search


def measure_milvus(
    index_type: str,
    params: dict[str, int],
    sweep: tuple[str, list[int]] | None,
    base: np.ndarray,
    queries: np.ndarray,
    truth: np.ndarray,
    deadline_s: float = 1200.0,
    batch: int = 5000,
) -> dict[str, Any]:
    """Insert + flush + load + background index builds timed as the build (RSS delta, on-disk size), then
    the queries per sweep value.

    If the insert passes `deadline_s`, it stops there and the result says how many rows went in
    ("rows" < len(base)); no search is run then, since the truth is for the whole base."""
    tmp = Path(tempfile.mkdtemp(prefix="scale_ann_milvus_"))
    release_freed_memory()
    rss0 = rss_bytes()
    t = time.perf_counter()
    client = milvus_client(tmp / "bench.db")
    try:
        create_collection(client, base.shape[1], index_type, params)
        rows = insert_all(client, base, batch, deadline_s)
        insert_s = time.perf_counter() - t
        client.flush(COLLECTION)
        client.load_collection(COLLECTION)
        drained = wait_until_indexed(tmp / "bench.db", deadline_s)
        result: dict[str, Any] = {
            "index": f"milvus-lite {index_type}",
            "params": params,
            "rows": rows,
            "drained": drained,
        }
        result |= {"insert_s": round(insert_s, 1), "build_s": round(time.perf_counter() - t, 1)}
        result["rss_delta_mb"] = round((rss_bytes() - rss0) / 2**20, 1)
        result["disk_mb"] = round(sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file()) / 2**20, 1)
        result["search"] = [] if rows < len(base) else search_rows(client, sweep, queries, truth)
        return result
    finally:
        client.close()
        stop_server(tmp / "bench.db")
        shutil.rmtree(tmp, ignore_errors=True)


def search_rows(
    client: Any, sweep: tuple[str, list[int]] | None, queries: np.ndarray, truth: np.ndarray
) -> list[dict[str, Any]]:
    """One row per sweep value: recall@k, p50 and p95 of the queries through pymilvus."""
    rows = []
    for value in sweep[1] if sweep else [None]:
        search = milvus_search_fn(client, sweep[0] if sweep else None, value)
        found, ms = time_queries(search, queries, truth.shape[1])
        rows.append({**({sweep[0]: value} if sweep else {}), **latency_row(found, ms, truth)})
    return rows
