"""Open files and memory of a serving process across many writes (issue 15: old generations held).

    .venv/bin/python bench/live_memory.py [--articles 3000] [--writes 60] [--threads 2]

Builds a synthetic index (fake embedder, 384 dimensions, no annotator: the vectors are as big as
MiniLM's), then does what a server under writes does: `--threads` threads run searches in a loop while
the main thread upserts one article `--writes` times through `Assistant.upsert` (the POST /articles
code path). Every 10 writes it prints the open file descriptors into the index folder, how many
distinct generations they belong to, and the process's resident memory (VmRSS). Reads every write back
from another thread right after it returns and counts the stale reads.

NEWSRAG_CODE=/path/to/checkout measures another checkout's code (e.g. before a change).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, os.environ.get("NEWSRAG_CODE", str(Path(__file__).resolve().parents[1])))

from index import ingest
from index.annotate import NoAnnotator
from index.embedding import FakeEmbedder
from rag.service import Assistant
from rag.settings import Settings


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def held(index_dir: Path) -> tuple[int, int]:
    """(open fds into index_dir's generations, distinct generations they belong to)."""
    gens = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(index_dir / "generations")):
            gens.append(Path(target).parent.name)
    return len(gens), len(set(gens))


def corpus(path: Path, n: int) -> Path:
    with path.open("w") as f:
        for i in range(n):
            text = " ".join(f"Story {i} sentence {j} about port{i % 97} and ferry{j}." for j in range(12))
            f.write(json.dumps({"id": f"s{i}", "title": f"Story {i}", "text": text}) + "\n")
    return path


def found(assistant: Assistant, article_id: str, out: list[bool]) -> None:
    try:
        assistant.article(article_id)
        out.append(True)
    except Exception:  # ArticleNotFound: a stale read
        out.append(False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--writes", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    embedder = FakeEmbedder(dim=384)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        ingest.build(
            index_dir, [corpus(Path(tmp) / "c.jsonl", args.articles)], embedder, annotator=NoAnnotator()
        )
        assistant = Assistant(Settings(model="fake", index_dir=index_dir), embedder)
        assistant.search("ferry")
        stop = threading.Event()

        def query() -> None:
            while not stop.is_set():
                assistant.search("ferry port")

        threads = [threading.Thread(target=query, daemon=True) for _ in range(args.threads)]
        for t in threads:
            t.start()
        stale = 0
        print(f"{'writes':>6} {'fds':>4} {'gens held':>9} {'RSS MB':>7}")
        print(f"{0:>6} {held(index_dir)[0]:>4} {held(index_dir)[1]:>9} {rss_mb():>7.0f}")
        for i in range(1, args.writes + 1):
            assistant.upsert([{"id": f"w{i}", "title": f"Write {i}", "text": f"Write {i} about ferries."}])
            seen: list[bool] = []
            checker = threading.Thread(target=found, args=(assistant, f"w{i}", seen))
            checker.start()
            checker.join()
            stale += not seen[0]
            if i % 10 == 0:
                fds, gens = held(index_dir)
                print(f"{i:>6} {fds:>4} {gens:>9} {rss_mb():>7.0f}", flush=True)
        stop.set()
        for t in threads:
            t.join()
        print(f"stale reads right after a write: {stale} of {args.writes}")


if __name__ == "__main__":
    main()
