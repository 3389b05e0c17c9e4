"""Ingest throughput: `rag build` end to end versus embedding the same chunks alone.

    .venv/bin/python bench/ingest.py [--n 100] [--model all-MiniLM-L6-v2@torch]

Over the first N articles of ../shared/corpus/wikinews-2019-2020.jsonl: chunks/s of a full build
(read, clean, chunk, embed, store, checksum, publish) and of embedding the identical texts with no
index around them. The ratio is our overhead (1.0 = none). Also the peak resident memory of the build.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import MODEL_HELP, SHARED, machine
from index import ingest
from index.embedding import DEFAULT_MODEL, document_text, load_embedder
from index.live import IndexReader
from index.writer import clip_title


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--model", default=DEFAULT_MODEL, help=MODEL_HELP)
    args = parser.parse_args()
    corpus = SHARED / "corpus" / "wikinews-2019-2020.jsonl"
    embedder = load_embedder(args.model)
    embedder.embed_documents(["warm up the model"])
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        with corpus.open() as f:
            sample.write_text("".join(itertools.islice(f, args.n)))
        t = time.perf_counter()
        report = ingest.build(Path(tmp) / "idx", [sample], embedder)
        build_s = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        reader = IndexReader.open(Path(tmp) / "idx")
        texts = []
        for article_id in reader.db.article_ids():
            article = reader.db.article(article_id)
            assert article is not None
            title = clip_title(article.title, embedder)
            texts += [document_text(title, c.text) for c in reader.db.chunks_of(article_id)]
        t = time.perf_counter()
        for i in range(0, len(texts), 64):
            embedder.embed_documents(texts[i : i + 64])
        embed_s = time.perf_counter() - t
    build_rate, embed_rate = report.chunks / build_s, len(texts) / embed_s
    result = {
        "articles": report.articles,
        "chunks": report.chunks,
        "build_s": round(build_s, 2),
        "build_chunks_per_s": round(build_rate, 2),
        "embed_only_chunks_per_s": round(embed_rate, 2),
        "ratio": round(build_rate / embed_rate, 3),
        "peak_rss_mb": round(peak_mb),
        "model": embedder.name,
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
