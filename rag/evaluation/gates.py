"""Quality gates for CI: `--min metric=value` and `--max metric=value` bounds checked on a summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rag.evaluation.metrics import METRICS

Kind = Literal["min", "max"]


class BadBound(ValueError):
    """A bound that is malformed or names an unknown metric."""


@dataclass(frozen=True)
class Bound:
    metric: str
    kind: Kind
    value: float

    def __str__(self) -> str:
        return f"--{self.kind} {self.metric}={self.value:g}"


def parse_bound(text: str, kind: Kind) -> Bound:
    """`hit@10=0.9` -> Bound("hit@10", kind, 0.9); BadBound for a malformed text or an unknown metric."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise BadBound(f"--{kind} {text!r}: expected METRIC=VALUE, e.g. hit@10=0.9")
    if name not in METRICS:
        raise BadBound(f"--{kind} {text!r}: unknown metric {name!r}; known metrics: {' '.join(METRICS)}")
    try:
        value = float(raw)
    except ValueError:
        raise BadBound(f"--{kind} {text!r}: {raw.strip()!r} is not a number") from None
    return Bound(name, kind, value)


def parse_bounds(mins: Sequence[str], maxs: Sequence[str]) -> list[Bound]:
    return [parse_bound(t, "min") for t in mins] + [parse_bound(t, "max") for t in maxs]


def failures(metrics: Mapping[str, float | None], bounds: Sequence[Bound]) -> list[str]:
    """One line per bound not met. A metric that is undefined for the set (n/a) fails its bound."""
    failed: list[str] = []
    for b in bounds:
        value = metrics.get(b.metric)
        if value is None:
            failed.append(f"{b.metric} is n/a for this question set ({b})")
        elif (b.kind == "min" and value < b.value) or (b.kind == "max" and value > b.value):
            word = "below" if b.kind == "min" else "above"
            failed.append(f"{b.metric} = {value:.4g} is {word} {b.value:g} ({b})")
    return failed
