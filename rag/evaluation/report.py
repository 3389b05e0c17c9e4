"""Evaluation output: per-question JSONL, summary.json, report.md and report.html."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.evaluation.html_report import html
from rag.evaluation.metrics import METRICS
from rag.evaluation.presentation import (
    DESCRIPTIONS,
    TYPE_COLUMNS,
    WORST,
    fmt,
    fmt_delta,
    worst,
    wrong_answers,
)

log = logging.getLogger(__name__)


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
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "questions.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    (out / "report.md").write_text(markdown(summary, records), encoding="utf-8")
    (out / "report.html").write_text(html(summary, records), encoding="utf-8")
    log.info("wrote the evaluation reports to %s", out)
