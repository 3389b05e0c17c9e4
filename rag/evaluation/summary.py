"""summary.json: the aggregate of a run, its configuration, and deltas against an earlier summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.evaluation.metrics import METRICS, aggregate, breakdown, counts, latency_by_stage
from rag.evaluation.runner import EvalRun


def summarize(run: EvalRun, meta: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """summary.json: metrics, their denominators, latency per stage, breakdown by type, configuration."""
    scores = [r["metrics"] for r in run.records]
    timings = [r["timings"] for r in run.records]
    metrics = {name: _round(value) for name, value in aggregate(scores, timings).items()}
    summary: dict[str, Any] = {
        **meta,
        "date": run.started,
        "seconds": round(run.seconds, 2),
        "counts": {
            "questions": len(run.records),
            "answerable": sum(r["answerable"] for r in run.records),
            "unanswerable": sum(not r["answerable"] for r in run.records),
            "abstained": sum(r["abstained"] for r in run.records),
            "quotes_located": sum(r["quotes_located"] > 0 for r in run.records),
        },
        "metrics": metrics,
        "n": counts(scores),
        "latency_ms": latency_by_stage(timings),
        "reasons": dict(Counter(r["reason"] for r in run.records if r.get("reason"))),
        "claims": _claims(run.records),
        "by_type": breakdown([_type(r) for r in run.records], scores, timings),
        "config": run.config,
        "index": run.index,
    }
    if old is not None:
        summary["compare"] = {"old": old.get("_path"), "deltas": deltas(metrics, old)}
    return summary


def _claims(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How many sentences an LLM wrote, and the share its cited passages supported."""
    claims = [c for r in records for c in r.get("claims", [])]
    supported = sum(bool(c["supported"]) for c in claims)
    return {"total": len(claims), "supported": round(supported / len(claims), 4) if claims else None}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _type(record: Mapping[str, Any]) -> str | None:
    value = record.get("type")
    return None if value is None else str(value)


def deltas(new: Mapping[str, float | None], old: Mapping[str, Any]) -> dict[str, float | None]:
    """new - old for every metric both define (old: a summary.json)."""
    before = old.get("metrics", {})
    result: dict[str, float | None] = {}
    for name in METRICS:
        a, b = new.get(name), before.get(name)
        result[name] = None if a is None or b is None else a - b
    return result


def load_summary(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise ValueError(f"{path} is not a summary.json written by `rag eval` (no 'metrics' object)")
    data["_path"] = str(path)
    return data
