"""The fitted answer scorer: a logistic regression over the candidate features, read from a data file.

`bench/fit_answerer.py` fits it (scikit-learn's LogisticRegression, standardised features, weights
cross-validated by question on the dev sets in ../shared/eval/) and writes `rag/data/answerer.json`:

    {"sentence": MODEL, "span": MODEL, "threshold": float, "fitted": {...how, on what, numbers...}}
    MODEL = {"features": [name, …], "mean": [...], "scale": [...], "coef": [...], "intercept": float}

At question time only numpy is needed: p = sigmoid(coef · (x - mean) / scale + intercept). The
sentence model's probability also decides abstention: the best sentence's p below `threshold` means
the articles don't say. The span model ranks the typed spans of the chosen sentence (rag/short.py).

Abstention has a second, older signal beside the probability: a question none of whose candidate
sentences reaches `relevance_threshold` (candidates.relevance: cosine, coverage, passage rank) is about
something the articles do not discuss. Both thresholds are chosen together by one rule
(bench/fit_answerer.py): as much abstention on unanswerable dev questions as possible while false
abstention stays <= 0.10 on every dev set. The probability alone, at that false-abstention level,
refused 11 % of MultiHop-RAG's off-topic questions; with the relevance floor, 97 %.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import RagError
from rag.candidates import FEATURES, Candidate
from rag.short import SPAN_FEATURES

MODEL_FILE = "answerer.json"


class ScorerError(RagError):
    """The scorer's data file is missing, unreadable or made for other features."""


@dataclass(frozen=True)
class Logistic:
    """p = sigmoid(coef · (x - mean) / scale + intercept) over named features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def predict(self, rows: Sequence[Mapping[str, float | None]]) -> np.ndarray:
        """Probabilities, shape (len(rows),); every row must hold every feature. A None value (a
        signal not measured, e.g. BM25 in dense mode) counts as the training mean."""
        if not rows:
            return np.zeros(0)
        x = np.array(
            [[row[n] if row[n] is not None else m for n, m in zip(self.features, self.mean, strict=True)]
             for row in rows],
            dtype=np.float64,
        )  # fmt: skip
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], known: Sequence[str]) -> Logistic:
        names = tuple(data["features"])
        unknown = set(names) - set(known)
        if unknown:
            raise ScorerError(f"the answer scorer uses features this newsrag lacks: {sorted(unknown)}")
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(names),) for a in arrays):
            raise ScorerError("the answer scorer's arrays do not match its feature list")
        mean, scale, coef = arrays
        return cls(names, mean, np.where(scale > 0, scale, 1.0), coef, float(data["intercept"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }


@dataclass(frozen=True)
class Scorer:
    """The sentence model (its probability is also the abstention score), the span model for short
    answers, and the abstention threshold."""

    sentence: Logistic
    span: Logistic
    threshold: float  # abstain when the best sentence's probability is below this
    relevance_threshold: float  # … or when no sentence is this relevant (candidates.relevance)
    meta: dict[str, Any]

    def score(self, candidates: list[Candidate]) -> None:
        """Set `prob` on every candidate (their `x` must be filled by `candidates.features`)."""
        for c, p in zip(candidates, self.sentence.predict([c.x for c in candidates]), strict=True):
            c.prob = float(p)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorer:
        return cls(
            Logistic.from_dict(data["sentence"], FEATURES),
            Logistic.from_dict(data["span"], SPAN_FEATURES),
            float(data["threshold"]),
            float(data["relevance_threshold"]),
            dict(data.get("fitted", {})),
        )


def load_scorer(path: Path | None = None) -> Scorer:
    """The packaged scorer (rag/data/answerer.json), or the one at `path`; ScorerError if unusable."""
    try:
        if path is None:
            text = resources.files("rag").joinpath("data", MODEL_FILE).read_text()
        else:
            text = Path(path).read_text()
        return Scorer.from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ScorerError(f"cannot load the answer scorer ({path or MODEL_FILE}): {e}") from e


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    return load_scorer()
