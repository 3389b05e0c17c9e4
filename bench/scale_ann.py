"""Exact vs approximate vector search at 100k–1M chunks (issue 14): recall@10, latency, RAM, build time.

    nice -n 10 .venv/bin/python bench/scale_ann.py --roots ~/.cache/newsrag/eval,bench/.cache \
        --sizes 100000,1000000 --out bench/.cache/scale_ann.json

Data. Base vectors are real all-MiniLM-L6-v2 vectors (384-d): every distinct chunk and sentence vector of
the cached indexes under `--roots` (bench/query.py --corpus 2004 --copies 3 leaves ~104k distinct ones
in bench/.cache; the eval caches under ~/.cache/newsrag/eval add a few thousand). A size up to the real
count takes real vectors only; above it, jittered copies fill the rest: copy j = real[j mod R] +
N(0, σ²I), re-normalised, with σ = √((1/c² − 1)/384) so that its cosine to its source is c = 0.9
(`--jitter-cosine`), i.e. σ ≈ 0.0247. At 1M about 10% of the base is real and each real vector has ~9
copies around it: clusters denser than real news, so recall here is if anything pessimistic for ANN.
Queries are 1,000 real questions embedded by the real model (ONNX): the 502 eval questions, then
wikinews titles as "What happened: <title>?"; none of them is in the base.

Indexes (all inner product on unit vectors = cosine): exact faiss IndexFlatIP (newsrag today), faiss
HNSW (IndexHNSWFlat, efSearch sweep), faiss IVF-Flat and IVF-SQ8 (nlist = 4·√N, nprobe sweep), Milvus
Lite (HNSW and others, through pymilvus). Queries run one at a time on one faiss thread, as the server
does; the build may use `--build-threads`. Truth = exact top-10; recall@10 = mean overlap of the id sets.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import scale_ann_measure as m
from bench.common import CACHE, machine
from bench.scale_ann_data import embed_queries, grow_pool, pool_real_vectors, question_texts

VARIANTS = ("exact", "hnsw", "ivf", "ivf-sq8", "milvus")
K = 10


def ints(text: str) -> list[int]:
    """ "8,16,32" → [8, 16, 32]."""
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=ints, default=[1_000_000], help="base sizes N, e.g. 100000,1000000")
    p.add_argument("--roots", default="~/.cache/newsrag/eval," + str(CACHE), help="where cached indexes are")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--model", default="all-MiniLM-L6-v2", help="the embedder of the queries")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"a subset of {','.join(VARIANTS)}")
    p.add_argument("--jitter-cosine", type=float, default=0.9)
    p.add_argument("--hnsw-m", type=int, default=32)
    p.add_argument("--ef-construction", type=int, default=100)
    p.add_argument("--ef-search", type=ints, default=[16, 32, 64, 128, 256, 512])
    p.add_argument("--nprobe", type=ints, default=[8, 16, 32, 64, 128, 256])
    p.add_argument("--milvus-index", default="HNSW", help="Milvus Lite index types, comma-separated")
    p.add_argument("--milvus-max-size", type=int, default=1_000_000, help="skip Milvus above this N")
    p.add_argument("--milvus-minutes", type=float, default=20.0, help="give up a Milvus insert after this")
    p.add_argument("--build-threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=CACHE / "scale_ann.json")
    args = p.parse_args(argv)
    unknown = set(args.variants.split(",")) - set(VARIANTS)
    if unknown:
        p.error(f"unknown variants {sorted(unknown)}; choose from {','.join(VARIANTS)}")
    return args


def nlist_for(n: int) -> int:
    """IVF cells: 4·√N (the faiss wiki's 4–16·√N guideline, low end for few cores), at least 1."""
    return max(1, round(4 * math.sqrt(n)))


def milvus_specs(
    args: argparse.Namespace, n: int
) -> list[tuple[str, dict[str, int], tuple[str, list[int]] | None]]:
    """(index type, build params, search sweep) per requested Milvus Lite index type."""
    specs = {
        "HNSW": ({"M": args.hnsw_m, "efConstruction": args.ef_construction}, ("ef", args.ef_search)),
        "AUTOINDEX": ({}, ("ef", args.ef_search)),
        "IVF_FLAT": ({"nlist": nlist_for(min(n, 100_000))}, ("nprobe", args.nprobe)),
        "FLAT": ({}, None),
    }
    return [(t, *specs[t]) for t in args.milvus_index.split(",") if t]


def run_size(
    args: argparse.Namespace,
    real: np.ndarray,
    queries: np.ndarray,
    n: int,
    done: Callable[[dict[str, Any]], None],
) -> None:
    """Every requested variant over a base of `n` vectors; `done(result)` as each index is measured."""
    base = grow_pool(real, n, args.jitter_cosine)
    truth = m.exact_top_k(base, queries, K)
    variants, nlist, train = args.variants.split(","), nlist_for(n), max(40 * nlist_for(n), 50_000)
    hnsw = f"faiss HNSW M={args.hnsw_m} efC={args.ef_construction}"
    faiss_runs: list[tuple[str, str, Any, Any]] = [
        ("exact", "faiss IndexFlatIP", m.build_flat, None),
        (
            "hnsw",
            hnsw,
            m.build_hnsw(args.hnsw_m, args.ef_construction),
            ("efSearch", args.ef_search, m.set_ef_search),
        ),
        (
            "ivf",
            f"faiss IVF{nlist},Flat",
            m.build_ivf(nlist, "flat", train),
            ("nprobe", args.nprobe, m.set_nprobe),
        ),
        (
            "ivf-sq8",
            f"faiss IVF{nlist},SQ8",
            m.build_ivf(nlist, "sq8", train),
            ("nprobe", args.nprobe, m.set_nprobe),
        ),
    ]
    for key, name, build, sweep in faiss_runs:
        if key in variants:
            done({"n": n, **m.measure_faiss(name, build, base, queries, truth, sweep, args.build_threads)})
    if "milvus" in variants and n <= args.milvus_max_size:
        from bench.scale_ann_milvus import measure_milvus

        for index_type, params, sweep in milvus_specs(args, n):
            row = measure_milvus(index_type, params, sweep, base, queries, truth, args.milvus_minutes * 60)
            done({"n": n, **row})


def table(results: list[dict[str, Any]]) -> str:
    """One markdown row per (index, search setting)."""
    lines = [
        "| N | index | setting | recall@10 | p50 ms | p95 ms | build s | RSS Δ MB | size MB |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size = r.get("file_mb", r.get("disk_mb", ""))
        for s in r["search"] or [{}]:
            setting = ", ".join(
                f"{k}={v}" for k, v in s.items() if k not in ("recall_at_10", "p50_ms", "p95_ms")
            )
            lines.append(
                f"| {r['n']:,} | {r['index']} | {setting or '-'} | {s.get('recall_at_10', '-')} | "
                f"{s.get('p50_ms', '-')} | {s.get('p95_ms', '-')} | {r['build_s']} | "
                f"{r['rss_delta_mb']} | {size} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    t = time.perf_counter()
    real, files = pool_real_vectors(Path(r.strip()) for r in args.roots.split(",") if r.strip())
    texts = question_texts(args.queries)
    queries = embed_queries(texts, args.model)
    print(
        f"{len(real):,} distinct real vectors from {len(files)} files; {len(queries)} queries",
        file=sys.stderr,
    )
    out: dict[str, Any] = {"real_vectors": len(real), "sources": files, "queries": len(queries)}
    out |= {"jitter_cosine": args.jitter_cosine, "machine": machine(), "results": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def done(
        result: dict[str, Any],
    ) -> None:  # the JSON is rewritten after every index: a stopped run keeps its rows
        print(json.dumps(result), file=sys.stderr, flush=True)
        out["results"].append(result)
        out["wall_s"] = round(time.perf_counter() - t, 1)
        args.out.write_text(json.dumps(out, indent=2) + "\n")

    for n in args.sizes:
        run_size(args, real, queries, n, done)
    print(table(out["results"]))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
