"""Adding, updating and removing ONE article in an index of 5k / 50k / 500k chunks (issue 14).

    PYTHONPATH=. .venv/bin/python bench/scale.py [--sizes 5000,50000,500000] [--reps 5]
        [--model fake|all-MiniLM-L6-v2] [--code-label after] [--store local|milvus]

Per size: a base index of about that many chunks of real Wikinews text (bench/scale_corpus.py) is
built once into bench/.cache/scale/<label>-<model>-<size>/ (build time and peak RSS recorded), copied
to a scratch folder, and on the copy, each `--reps` times with another article: add one held-out real
article, update one (same id, changed text), remove one — wall time, bytes written
(/proc/self/io write_bytes) and growth of the index folder — and the time a `LiveIndex.get()` takes
to serve the write. Then the dense-search p50 before and after 50 more single adds, and the time of a
compaction (where the code has one). Results: bench/.cache/scale/results-<label>-<model>.json.

`--model fake` (default) is a hashed-words embedder of dimension 384 (MiniLM's), since the real model
embeds ~40 texts/s here; the base builds use `NoAnnotator` (spaCy costs ~0.3 s an article) and every
measured write the same. The script uses only APIs that the copy-on-write code (326db96) also has, so
the "before" numbers come from it: `PYTHONPATH=/path/to/checkout-at-326db96 python bench/scale.py
--code-label before`.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import CACHE  # noqa: E402  (this checkout's benchmark modules, ...)
from bench.scale_corpus import copy_similarity, corpus_files  # noqa: E402

if os.environ.get("PYTHONPATH"):  # ... but the code under test from PYTHONPATH (e.g. 326db96, "before")
    sys.path.remove(str(ROOT))

from index import ingest  # noqa: E402
from index.annotate import NoAnnotator  # noqa: E402
from index.embedding import Embedder, FakeEmbedder, load_embedder  # noqa: E402
from index.generations import GENERATIONS, current_name  # noqa: E402
from index.live import LiveIndex  # noqa: E402
from index.sources import read_paths  # noqa: E402
from index.types import Article  # noqa: E402

SCALE = CACHE / "scale"
QUERIES = 50
MORE_ADDS = 50


def embedder_for(model: str) -> Embedder:
    return FakeEmbedder(dim=384) if model == "fake" else load_embedder(model)


NO_STORE = "--store milvus: this code's index.ingest takes no store= argument yet"


def takes_store() -> bool:
    return "store" in inspect.signature(ingest.add_articles).parameters


def store_kwargs(store: str, index_dir: Path) -> dict[str, Any]:
    """`store=` for the ingest functions: nothing for the local store; for Milvus, a Milvus Lite file
    inside the index folder, so that the scratch copy of a base index (`run_size`) copies its
    collections too and its writes never touch the base's; a clear stop when this code's index.ingest
    does not take a store."""
    if store == "local":
        return {}
    if not takes_store():
        raise SystemExit(NO_STORE)
    from index.search_backends import StoreConfig

    return {"store": StoreConfig("milvus", str(index_dir / "milvus.db"), None, "bench")}


def store_suffix(args: argparse.Namespace) -> str:
    """The cache names of the local store stay as they were; another store's get its name."""
    return "" if args.store == "local" else f"-{args.store}"


def written_bytes() -> int:
    """Bytes this process caused to be written to storage (Linux /proc/self/io write_bytes)."""
    with open("/proc/self/io") as f:
        fields = dict(line.split(": ") for line in f.read().splitlines())
    return int(fields["write_bytes"])


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def batches(corpus: Path, articles: int) -> Iterator[Path]:
    """The corpus JSONL cut into files of `articles` lines (one at a time, deleted after use)."""
    part = corpus.with_suffix(".part.jsonl")
    with corpus.open(encoding="utf-8") as f:
        while lines := list(itertools.islice(f, articles)):
            part.write_text("".join(lines), encoding="utf-8")
            yield part
    part.unlink(missing_ok=True)


def build_child(args: argparse.Namespace) -> None:
    """In a child process, so that its peak RSS is the build's own: build and print a JSON line.

    A build holds every vector of the index in memory (~12 GB at 500k chunks and their ~2.4 M sentences),
    too much beside the other programs here: past `--build-batch` articles, the first batch is built and
    the others added batch by batch (each an ordinary `add`), then compacted where the code can."""
    index_dir, embedder = Path(args.child_index), embedder_for(args.model)
    kw = store_kwargs(args.store, index_dir)
    t, parts = time.perf_counter(), 0
    for part in batches(Path(args.child_corpus), args.build_batch):
        if parts == 0:
            report = ingest.build(index_dir, [part], embedder, annotator=NoAnnotator(), **kw)
        else:
            report = ingest.add(index_dir, [part], embedder, annotator=NoAnnotator(), **kw)
        parts += 1
        print(f"batch {parts}: {report.chunks} chunks, {time.perf_counter() - t:.0f} s", file=sys.stderr)
    if parts > 1 and hasattr(ingest, "compact"):
        report = ingest.compact(index_dir, embedder, **kw)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    done = {"build_s": round(seconds, 1), "build_peak_rss_mb": round(peak_mb), "build_batches": parts}
    print(json.dumps(done | report.to_dict()))


def base_index(args: argparse.Namespace, size: int) -> tuple[Path, dict[str, Any], Path]:
    """(index folder, build record, held-out JSONL): built once per code label, model and size."""
    corpus, held, _ = corpus_files(SCALE, size)
    folder = SCALE / f"{args.code_label}-{args.model}-{size}{store_suffix(args)}"
    record = folder / "build.json"
    if not record.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        cmd = [
            sys.executable,
            __file__,
            "--build-batch",
            str(args.build_batch),
            "--model",
            args.model,
            "--store",
            args.store,
            "--child-corpus",
            str(corpus),
            "--child-index",
            str(folder / "index"),
        ]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        built = json.loads(out.strip().splitlines()[-1])
        built["index_bytes"] = folder_bytes(folder / "index")
        record.write_text(json.dumps(built, indent=2))
    built = json.loads(record.read_text())
    if "generation_bytes" not in built:  # the folder also keeps the generation before (the fallback)
        current = folder / "index" / GENERATIONS / str(current_name(folder / "index"))
        built["generation_bytes"] = folder_bytes(current)
        record.write_text(json.dumps(built, indent=2))
    return folder / "index", built, held


def timed_write(live: LiveIndex, write: Callable[[], Any], index_dir: Path) -> dict[str, float]:
    """One write: its wall time, bytes written, index growth, and the reader's refresh after it."""
    size0, io0 = folder_bytes(index_dir), written_bytes()
    t = time.perf_counter()
    write()
    seconds = time.perf_counter() - t
    io1 = written_bytes()
    t = time.perf_counter()
    live.get()
    refresh = time.perf_counter() - t
    return {
        "s": seconds,
        "written_mb": (io1 - io0) / 1e6,
        "growth_mb": (folder_bytes(index_dir) - size0) / 1e6,
        "refresh_s": refresh,
    }


def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = runs[0].keys()
    out = {f"{k}_median": round(statistics.median(r[k] for r in runs), 4) for k in keys}
    out |= {f"{k}_max": round(max(r[k] for r in runs), 4) for k in keys}
    return out


def dense_p50(live: LiveIndex, queries: list[Any]) -> float:
    """Median ms of a top-10 dense search over the served snapshot's vectors (base and delta)."""
    reader = live.get()
    times = []
    for q in queries * 3:
        t = time.perf_counter()
        reader.vectors.search(q, 10)
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 3)


def writes(args: argparse.Namespace, work: Path, held: list[Article], embedder: Embedder) -> dict[str, Any]:
    """The measured single-article writes on `work` (a scratch copy of the base index)."""
    kw = store_kwargs(args.store, work)
    live, annotator = LiveIndex(work, embedder, **kw), NoAnnotator()
    reader = live.get()
    queries = [embedder.embed_query(a.title) for a in held[-QUERIES:]]
    base_ids = sorted(random.Random(1).sample(reader.db.article_ids(), 2 * args.reps))
    out: dict[str, Any] = {"query_p50_ms_base": dense_p50(live, queries)}

    def upsert(article: Article) -> Callable[[], Any]:
        return lambda: ingest.add_articles(work, [article], embedder, annotator=annotator, **kw)

    def remove(article_id: str) -> Callable[[], Any]:
        return lambda: ingest.remove(work, [article_id], embedder, **kw)

    adds = [timed_write(live, upsert(a), work) for a in held[: args.reps]]
    assert live.get().db.article(held[0].id) is not None, "the reader does not see an added article"
    updates = []
    for article_id in base_ids[: args.reps]:
        old = live.get().db.article(article_id)
        assert old is not None
        new = dataclasses.replace(old, text=old.text + "\n\nThis report was updated.", content_hash="")
        updates.append(timed_write(live, upsert(new), work))
    removes = [timed_write(live, remove(i), work) for i in base_ids[args.reps :]]
    assert live.get().db.article(base_ids[-1]) is None, "the reader still sees a removed article"
    out |= {"add": summary(adds), "update": summary(updates), "remove": summary(removes)}
    if args.more_adds:
        more = held[args.reps : args.reps + MORE_ADDS]
        t = time.perf_counter()
        for a in more:
            upsert(a)()
        out["more_adds"] = {"n": len(more), "s_each": round((time.perf_counter() - t) / len(more), 4)}
        out["query_p50_ms_after_adds"] = dense_p50(live, queries)
    out |= compaction(work, live, embedder, queries, kw)
    live.get().close()
    return out


def compaction(
    work: Path, live: LiveIndex, embedder: Embedder, queries: list[Any], kw: dict[str, Any]
) -> dict[str, Any]:
    """The compaction's time and the reader's refresh after it (code that has one)."""
    if not hasattr(ingest, "compact"):
        return {}
    t = time.perf_counter()
    ingest.compact(work, embedder, **kw)
    seconds = time.perf_counter() - t
    t = time.perf_counter()
    live.get()
    return {
        "compact_s": round(seconds, 2),
        "compact_refresh_s": round(time.perf_counter() - t, 3),
        "query_p50_ms_after_compact": dense_p50(live, queries),
    }


def run_size(args: argparse.Namespace, size: int, embedder: Embedder) -> dict[str, Any]:
    index_dir, built, held_path = base_index(args, size)
    held = read_paths([held_path]).articles
    work = SCALE / f"work-{args.code_label}-{args.model}-{size}{store_suffix(args)}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(index_dir, work)
    try:
        return {"size": size, "build": built, **writes(args, work, held, embedder)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(results: list[dict[str, Any]], label: str) -> str:
    cols = (
        f"{'code':7} {'chunks':>8} {'op':7} {'median s':>9} {'max s':>8} {'written MB':>11} {'refresh s':>10}"
    )
    lines = [cols]
    for r in results:
        for op in ("add", "update", "remove"):
            s = r[op]
            lines.append(
                f"{label:7} {r['build']['chunks']:>8} {op:7} {s['s_median']:>9.3f} {s['s_max']:>8.3f} "
                f"{s['written_mb_median']:>11.1f} {s['refresh_s_median']:>10.3f}"
            )
        lines.append(
            f"{label:7} {r['build']['chunks']:>8} query p50 ms {r['query_p50_ms_base']} base, "
            f"{r.get('query_p50_ms_after_adds', '-')} after writes, "
            f"{r.get('query_p50_ms_after_compact', '-')} "
            f"compacted; compaction {r.get('compact_s', '-')} s; build {r['build']['build_s']} s, "
            f"{r['build']['build_peak_rss_mb']} MB peak"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000,500000", help="chunks in the base indexes")
    parser.add_argument("--reps", type=int, default=5, help="writes of each kind per size")
    parser.add_argument("--model", default="fake", help="'fake' (hashed words, dim 384) or a RAG_MODEL value")
    parser.add_argument("--code-label", default="after", help="names the cache and results (before/after)")
    parser.add_argument("--store", choices=("local", "milvus"), default="local")
    parser.add_argument(
        "--no-more-adds",
        dest="more_adds",
        action="store_false",
        help=f"skip the {MORE_ADDS} extra adds before the second query timing",
    )
    parser.add_argument(
        "--build-batch", type=int, default=20_000, help="articles per batch when building a base index"
    )
    parser.add_argument("--child-corpus", help=argparse.SUPPRESS)
    parser.add_argument("--child-index", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_index:
        return build_child(args)
    if args.store != "local" and not takes_store():
        parser.error(NO_STORE)
    embedder = embedder_for(args.model)
    results = [run_size(args, int(s), embedder) for s in args.sizes.split(",")]
    out = SCALE / f"results-{args.code_label}-{args.model}-{args.store}.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    doc = {
        "code": args.code_label,
        "model": embedder.name,
        "store": args.store,
        "copies": copy_similarity(),
        "sizes": {**previous.get("sizes", {}), **{str(r["size"]): r for r in results}},
    }
    out.write_text(json.dumps(doc, indent=2))
    print(json.dumps(results, indent=2))
    print(table(results, args.code_label))


if __name__ == "__main__":
    main()
