"""Evaluation output: per-question JSONL, summary.json, report.md (and report.html via html_report)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.evaluation.metrics import (
    LOWER_IS_BETTER,
    METRICS,
    aggregate,
    breakdown,
    counts,
    latency_by_stage,
)
from rag.evaluation.runner import EvalRun

log = logging.getLogger(__name__)

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


def _cell(text: object, width: int = 120) -> str:
    s = " ".join(str(text).split()).replace("|", "\\|")
    return s if len(s) <= width else s[: width - 1] + "…"


def markdown(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
    """report.md: the metric table (with deltas when comparing), latency, by type, the worst questions."""
    cfg, c = summary["config"], summary["counts"]
    delta_map = summary.get("compare", {}).get("deltas")
    lines = [
        f"# Evaluation: {summary.get('set', '?')} — {cfg['mode']}",
        "",
        f"{summary['date']} · {c['questions']} questions ({c['answerable']} answerable, "
        f"{c['unanswerable']} unanswerable) · model {cfg['model']} · k={cfg['k']} · "
        f"index {summary['index'].get('generation')} ({summary['index'].get('chunks')} chunks) · "
        f"{summary['seconds']:.1f} s",
        "",
        "| metric | value | n | " + ("Δ vs old | " if delta_map else "") + "meaning |",
        "|---|---:|---:|" + ("---:|" if delta_map else "") + "---|",
    ]
    for name in METRICS:
        n = summary["n"].get(name, c["questions"])
        row = f"| {name} | {fmt(name, summary['metrics'][name])} | {n} | "
        if delta_map:
            row += fmt_delta(name, delta_map.get(name)) + " | "
        lines.append(row + DESCRIPTIONS[name] + " |")
    lines += ["", "## Latency per stage (ms)", "", "| stage | p50 | p95 | mean |", "|---|---:|---:|---:|"]
    for stage, s in summary["latency_ms"].items():
        lines.append(f"| {stage} | " + " | ".join(_ms(s[key]) for key in ("p50", "p95", "mean")) + " |")
    if summary["by_type"]:
        lines += ["", "## By type", "", "| type | n | " + " | ".join(TYPE_COLUMNS) + " |"]
        lines.append("|---|---:|" + "---:|" * len(TYPE_COLUMNS))
        for name, group in summary["by_type"].items():
            cells = " | ".join(fmt(m, group["metrics"][m]) for m in TYPE_COLUMNS)
            lines.append(f"| {name} | {group['n']} | {cells} |")
    lines += ["", f"## The {WORST} worst answerable questions (by F1, then retrieval)", ""]
    lines += ["| id | question | gold | answer | f1 | hit@10 | reason |", "|---|---|---|---|---:|---:|---|"]
    for r in worst(records):
        m = r["metrics"]
        lines.append(
            f"| {_cell(r['id'], 40)} | {_cell(r['question'])} | {_cell(' / '.join(r['answers']), 60)} | "
            f"{_cell(r['answer'], 160)} | {fmt('f1', m['f1'])} | {fmt('hit@10', m['hit@10'])} | "
            f"{r['reason'] or ''} |"
        )
    wrong = wrong_answers(records)
    lines += ["", f"## Unanswerable questions answered anyway ({len(wrong)})", ""]
    if wrong:
        lines += ["| id | question | answer | confidence |", "|---|---|---|---:|"]
        lines += [
            f"| {_cell(r['id'], 40)} | {_cell(r['question'])} | {_cell(r['answer'], 160)} | "
            f"{r['confidence']:.3f} |"
            for r in wrong[:WORST]
        ]
    else:
        lines.append("None: the assistant abstained on every unanswerable question.")
    return "\n".join(lines) + "\n"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def write_reports(out: Path, summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> None:
    """questions.jsonl, summary.json, report.md and report.html in `out` (created when missing)."""
    from rag.evaluation.html_report import html

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "questions.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    (out / "report.md").write_text(markdown(summary, records), encoding="utf-8")
    (out / "report.html").write_text(html(summary, records), encoding="utf-8")
    log.info("wrote the evaluation reports to %s", out)
