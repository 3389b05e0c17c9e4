"""The data of bench/scale_ann.py: real MiniLM vectors pooled from cached indexes, grown to N by jitter.

Vectors come from the `vectors.faiss` (chunks, float32 flat) and `sentences.faiss` (sentences, float16
scalar quantiser) of every generation found under the given roots, deduplicated byte for byte. Queries
are real questions embedded with the real model: the eval sets' questions (../shared/eval/*/questions.jsonl)
and, to reach the count, wikinews titles phrased as bench/query.py does ("What happened: <title>?").
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable
from pathlib import Path

import faiss
import numpy as np

from bench.common import SHARED

TITLE_CORPORA = [
    SHARED / "corpus" / "wikinews-2004-2018.jsonl.gz",
    SHARED / "corpus" / "wikinews-2019-2020.jsonl",
]


def index_files(roots: Iterable[Path]) -> list[Path]:
    """Every `generations/gen-*/{vectors,sentences}.faiss` one or two levels below each root."""
    found: set[Path] = set()
    for root in roots:
        for pattern in ("*/generations/gen-*/*.faiss", "generations/gen-*/*.faiss"):
            found.update(
                p for p in root.expanduser().glob(pattern) if p.name in ("vectors.faiss", "sentences.faiss")
            )
    return sorted(found)


def read_vectors(path: Path) -> np.ndarray:
    """All vectors of one faiss file, (n, d) float32; IndexIDMap(2) wrappers are looked through."""
    index = faiss.read_index(str(path))
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    n = int(inner.ntotal)
    return inner.reconstruct_n(0, n) if n else np.zeros((0, index.d), dtype=np.float32)


def normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (float32; zero rows stay zero)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def distinct_rows(x: np.ndarray) -> np.ndarray:
    """The distinct rows of `x` (byte-identical rows once), in first-seen order."""
    if len(x) == 0:
        return x
    keys = np.ascontiguousarray(x).view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
    _, first = np.unique(keys, return_index=True)
    return x[np.sort(first)]


def pool_real_vectors(roots: Iterable[Path]) -> tuple[np.ndarray, list[str]]:
    """Distinct unit vectors from every cached index under `roots`, (n, d) float32, and the files read.

    Raises FileNotFoundError when no index is found (build one first, e.g. bench/query.py --corpus 2004)."""
    files = index_files(roots)
    if not files:
        raise FileNotFoundError(
            "no cached vectors.faiss/sentences.faiss found; run bench/query.py --corpus 2004"
        )
    parts = [read_vectors(p) for p in files]
    dims = {p.shape[1] for p in parts}
    if len(dims) != 1:
        raise ValueError(f"indexes of different dimensions {sorted(dims)}: pass roots of one model")
    pooled = normalise(np.concatenate(parts))
    pooled = pooled[np.linalg.norm(pooled, axis=1) > 0.5]
    return distinct_rows(pooled), [str(p) for p in files]


def sigma_for_cosine(cosine: float, dim: int) -> float:
    """Per-coordinate std of isotropic Gaussian noise n such that cos(v, v + n) ≈ `cosine` for unit v.

    ‖n‖² ≈ dim·σ² and n ⟂ v in high dimension, so cos = 1/√(1 + dim·σ²) → σ = √((1/cos² − 1)/dim)."""
    if not 0 < cosine < 1:
        raise ValueError(f"cosine must be in (0, 1), not {cosine}")
    return math.sqrt((1 / cosine**2 - 1) / dim)


def grow_pool(real: np.ndarray, n: int, cosine: float, seed: int = 0) -> np.ndarray:
    """`n` unit vectors: the real ones (shuffled) first, then jittered copies until there are `n`.

    Copy j is real[j mod len(real)] + N(0, σ²I), σ = sigma_for_cosine(cosine, d), re-normalised, so every
    real vector gets ⌈n/len(real)⌉ − 1 or so copies at cosine ≈ `cosine` to it. Shape (n, d) float32."""
    rng = np.random.default_rng(seed)
    real = real[rng.permutation(len(real))]
    if n <= len(real):
        return np.ascontiguousarray(real[:n])
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real
    sigma = sigma_for_cosine(cosine, real.shape[1])
    for start in range(len(real), n, 65536):
        stop = min(start + 65536, n)
        src = real[np.arange(start, stop) % len(real)]
        noise = rng.standard_normal(src.shape, dtype=np.float32) * np.float32(sigma)
        out[start:stop] = normalise(src + noise)
    return out


def question_texts(count: int, seed: int = 7) -> list[str]:
    """Up to `count` real questions: every eval question, then wikinews titles as questions (sampled)."""
    questions = []
    for path in sorted((SHARED / "eval").glob("*/questions.jsonl")):
        with open(path, encoding="utf-8") as f:
            questions += [json.loads(line)["question"] for line in f if line.strip()]
    if len(questions) < count:
        from index.sources import read_paths

        titles = sorted(
            {a.title for a in read_paths([p for p in TITLE_CORPORA if p.exists()]).articles if a.title}
        )
        questions += [
            f"What happened: {t}?" for t in random.Random(seed).sample(titles, count - len(questions))
        ]
    return questions[:count]


def embed_queries(texts: list[str], model: str) -> np.ndarray:
    """The texts embedded as queries by the real model, (len(texts), d) float32 unit rows."""
    from index.embedding import load_embedder

    embedder = load_embedder(model)
    return normalise(np.stack([embedder.embed_query(t) for t in texts]))
