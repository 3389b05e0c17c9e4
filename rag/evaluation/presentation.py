"""How evaluation results read: metric meanings, number formats, the questions worth a look.

Shared by report.md (rag/evaluation/report.py), report.html (html_report.py) and `rag eval`'s table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rag.evaluation.metrics import LOWER_IS_BETTER

WORST = 10
TYPE_COLUMNS = ("hit@10", "mrr@10", "f1", "contains", "citation_precision", "abstain", "false_abstain")
DESCRIPTIONS = {
    "hit@1": "a gold article is the top retrieved article",
    "hit@5": "a gold article is among the top 5 retrieved articles",
    "hit@10": "a gold article is among the top 10 retrieved articles",
    "recall@10": "share of gold articles among the top 10",
    "mrr@10": "1 / rank of the first gold article (0 beyond 10)",
    "ndcg@10": "nDCG@10, binary relevance",
    "em": "answer equals a gold answer (SQuAD-normalised)",
    "f1": "token F1 with the best gold answer",
    "short_em": "the short answer (or, without one, the answer) equals a gold answer",
    "short_f1": "token F1 of the short answer (or, without one, the answer) with the best gold answer",
    "contains": "a gold answer occurs in the answer",
    "citation_precision": "share of citations that point to a gold article",
    "quote_overlap": "answer cites a span overlapping a gold quote",
    "abstain": "abstained on unanswerable questions (want 1)",
    "false_abstain": "abstained on answerable questions (want 0)",
    "latency_p50": "median total time per question",
    "latency_p95": "95th percentile total time per question",
}


def fmt(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if name.startswith("latency") else f"{value:.3f}"


def fmt_delta(name: str, delta: float | None) -> str:
    if delta is None:
        return ""
    if name.startswith("latency"):
        return f"{delta:+.0f} ms"
    return f"{delta:+.3f}"


def improved(name: str, delta: float | None) -> bool | None:
    if delta is None or abs(delta) < 1e-9:
        return None
    return (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)


def worst(records: Sequence[Mapping[str, Any]], n: int = WORST) -> list[Mapping[str, Any]]:
    """The answerable questions with the lowest F1, ties broken by the worst retrieval (MRR@10)."""

    def key(r: Mapping[str, Any]) -> tuple[float, float, float]:
        m = r["metrics"]
        mrr = m.get("mrr@10")
        return (m.get("f1") or 0.0, m.get("contains") or 0.0, 1.0 if mrr is None else mrr)

    return sorted((r for r in records if r["answerable"]), key=key)[:n]


def wrong_answers(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Unanswerable questions the assistant answered anyway."""
    return [r for r in records if not r["answerable"] and not r["abstained"]]
