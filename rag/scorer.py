"""The fitted answer scorer: a logistic regression over the candidate features, read from a data file.

`bench/fit_answerer.py` fits it (scikit-learn's LogisticRegression, standardised features, weights
cross-validated by question on the dev sets in ../shared/eval/) and writes `rag/data/answerer.json`:

    {"features": [name, …], "mean": [...], "scale": [...], "coef": [...], "intercept": float,
     "threshold": float, "fitted": {...how, on what, with which numbers...}}

At question time only numpy is needed: p = sigmoid(coef · (x - mean) / scale + intercept). The same
probability decides abstention: the best sentence's p below `threshold` means the articles don't say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import RagError
from rag.candidates import FEATURES, Candidate

MODEL_FILE = "answerer.json"


class ScorerError(RagError):
    """The scorer's data file is missing, unreadable or made for other features."""


@dataclass(frozen=True)
class Scorer:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # abstain when the best sentence's probability is below this
    meta: dict[str, Any]

    def score(self, candidates: list[Candidate]) -> None:
        """Set `prob` on every candidate (their `x` must be filled by `candidates.features`)."""
        if not candidates:
            return
        x = np.array([[c.x[name] for name in self.features] for c in candidates], dtype=np.float64)
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        for c, p in zip(candidates, 1.0 / (1.0 + np.exp(-z)), strict=True):
            c.prob = float(p)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scorer:
        names = tuple(data["features"])
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ScorerError(f"the answer scorer uses features this newsrag lacks: {sorted(unknown)}")
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(names),) for a in arrays):
            raise ScorerError("the answer scorer's arrays do not match its feature list")
        mean, scale, coef = arrays
        return cls(names, mean, np.where(scale > 0, scale, 1.0), coef, float(data["intercept"]),
                   float(data["threshold"]), dict(data.get("fitted", {})))  # fmt: skip


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
