"""Reciprocal rank fusion of ranked lists (Cormack et al., 2009)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def rrf(
    rankings: Sequence[Sequence[K]], k: int = 60, weights: Sequence[float] | None = None
) -> dict[K, float]:
    """score(d) = sum over rankings of weight / (k + rank of d), ranks starting at 1.

    Rank-based, so it needs no score normalisation between BM25 and cosine similarity.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return scores


def reciprocal_rank(rankings: Sequence[Sequence[tuple[K, float]]], k: int = 60) -> dict[K, float]:
    """RRF of ranked (key, score) lists: the scores are ignored, only the ranks count."""
    return rrf([[key for key, _ in ranking] for ranking in rankings], k=k)


def scores_of_one(rankings: Sequence[Sequence[tuple[K, float]]], k: int = 60) -> dict[K, float]:
    """A single ranker's own scores (no fusion)."""
    (ranking,) = rankings
    return dict(ranking)
