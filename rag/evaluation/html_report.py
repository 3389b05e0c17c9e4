"""report.html: one self-contained page (inline CSS, plots as inline SVG) with report.md's content."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from rag.evaluation.metrics import METRICS

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn: `rag ask` must not pay for it
    from matplotlib.figure import Figure
from rag.evaluation.presentation import (
    DESCRIPTIONS,
    TYPE_COLUMNS,
    WORST,
    fmt,
    fmt_delta,
    improved,
    worst,
    wrong_answers,
)

SCORES = [m for m in METRICS if not m.startswith("latency")]

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#57606a}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #e5e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.better{color:#1a7f37}.worse{color:#cf222e}.dim{color:#6e7781}.plots{display:flex;flex-wrap:wrap;gap:1rem}
.plots figure{margin:0;flex:1 1 480px}.plots img{width:100%;height:auto}
details{margin:.2rem 0}code{font-size:.85em}.ids{overflow-wrap:anywhere;font-size:.85em}
table.q td{overflow-wrap:anywhere}table.q td:nth-child(1){width:28%}table.q td:nth-child(2){width:17%}
"""


def _svg(fig: Figure, alt: str) -> str:
    """The figure as an <img> with a base64 SVG data URI (inline <svg>s of two plots would share ids)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def metric_bars(metrics: Mapping[str, float | None], old: Mapping[str, float | None] | None) -> str:
    """Horizontal bars of the 0..1 metrics; with `old`, its bars beside the new ones."""
    names = [m for m in SCORES if metrics.get(m) is not None or (old and old.get(m) is not None)]
    from matplotlib.figure import Figure  # without pyplot: no global state, no display backend

    fig = Figure(figsize=(6.4, 0.32 * len(names) + 0.9))
    ax = fig.subplots()
    ys = list(range(len(names)))[::-1]
    new_values = [metrics.get(m) or 0.0 for m in names]
    if old:
        ax.barh([y + 0.2 for y in ys], [old.get(m) or 0.0 for m in names], 0.4, label="old", color="#afb8c1")
        ax.barh([y - 0.2 for y in ys], new_values, 0.4, label="new", color="#0969da")
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.barh(ys, new_values, 0.6, color="#0969da")
    for y, v in zip(ys, new_values, strict=True):
        inside = v > 0.85  # a long bar carries its label inside, in white
        x, align, colour = (v - 0.01, "right", "white") if inside else (v + 0.01, "left", "black")
        ax.text(x, y - (0.2 if old else 0), f"{v:.2f}", va="center", ha=align, color=colour, fontsize=8)
    ax.set_yticks(ys, names, fontsize=9)
    ax.set_xlim(0, 1.05)
    ax.set_title("Metrics (higher is better, except false_abstain)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig, "metric bars")


def latency_histogram(records: Sequence[Mapping[str, Any]], p50: float | None, p95: float | None) -> str:
    totals = [r["timings"]["total"] for r in records if "total" in r["timings"]]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.subplots()
    ax.hist(totals, bins=min(30, max(5, len(totals) // 4)), color="#8250df", alpha=0.85)
    for value, label, style, align in ((p50, "p50", "--", "left"), (p95, "p95", ":", "right")):
        if value is not None:
            ax.axvline(value, color="#1b1f24", linestyle=style, linewidth=1)
            text = f" {label} {value:.0f} ms "
            ax.text(value, ax.get_ylim()[1] * 0.95, text, fontsize=8, va="top", ha=align)
    ax.set_xlabel("total latency per question (ms)", fontsize=9)
    ax.set_ylabel("questions", fontsize=9)
    ax.set_title("Latency", fontsize=10)
    return _svg(fig, "latency histogram")


def _e(value: object) -> str:
    return escape(str(value))


def _delta_cell(name: str, delta: float | None) -> str:
    better = improved(name, delta)
    cls = "" if better is None else (" better" if better else " worse")
    return f'<td class="num{cls}">{_e(fmt_delta(name, delta))}</td>'


def _metric_table(summary: Mapping[str, Any]) -> str:
    deltas = summary.get("compare", {}).get("deltas")
    head = "<tr><th>metric</th><th>value</th><th>n</th>" + ("<th>Δ vs old</th>" if deltas else "")
    rows = [head + "<th>meaning</th></tr>"]
    for name in METRICS:
        n = summary["n"].get(name, summary["counts"]["questions"])
        row = f"<tr><td><code>{name}</code></td><td class='num'>{fmt(name, summary['metrics'][name])}</td>"
        row += f"<td class='num'>{n}</td>"
        if deltas:
            row += _delta_cell(name, deltas.get(name))
        rows.append(row + f"<td class='dim'>{_e(DESCRIPTIONS[name])}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _latency_table(summary: Mapping[str, Any]) -> str:
    rows = ["<tr><th>stage</th><th>p50 ms</th><th>p95 ms</th><th>mean ms</th></tr>"]
    for stage, s in summary["latency_ms"].items():
        cells = "".join(
            f"<td class='num'>{'n/a' if s[k] is None else f'{s[k]:.1f}'}</td>" for k in ("p50", "p95", "mean")
        )
        rows.append(f"<tr><td>{_e(stage)}</td>{cells}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _type_table(summary: Mapping[str, Any]) -> str:
    if not summary["by_type"]:
        return ""
    rows = ["<tr><th>type</th><th>n</th>" + "".join(f"<th>{c}</th>" for c in TYPE_COLUMNS) + "</tr>"]
    for name, group in summary["by_type"].items():
        cells = "".join(f"<td class='num'>{fmt(m, group['metrics'][m])}</td>" for m in TYPE_COLUMNS)
        rows.append(f"<tr><td>{_e(name)}</td><td class='num'>{group['n']}</td>{cells}</tr>")
    return "<h2>By type</h2><table>" + "".join(rows) + "</table>"


def _question_rows(records: Sequence[Mapping[str, Any]]) -> str:
    rows = ["<tr><th>question</th><th>gold</th><th>answer</th><th>f1</th><th>hit@10</th></tr>"]
    for r in records:
        m = r["metrics"]
        cites = "".join(
            f"<li><code>{_e(c['article_id'])} [{c['start']}:{c['end']}]</code> {_e(c['quote'])}</li>"
            for c in r["citations"]
        )
        retrieved = ", ".join(_e(a) for a in r["retrieved_articles"][:5]) or "nothing"
        answer = _e(r["answer"]) + (f" <span class='dim'>({_e(r['reason'])})</span>" if r["reason"] else "")
        rows.append(
            f"<tr><td><span class='dim'>{_e(r['id'])}</span><br>{_e(r['question'])}</td>"
            f"<td>{_e(' / '.join(r['answers']) or '(unanswerable)')}</td>"
            f"<td>{answer}<details><summary class='dim'>citations, gold and retrieved articles</summary>"
            f"<ul>{cites}</ul><p class='ids dim'>gold: {_e(', '.join(r['article_ids']) or '-')}<br>"
            f"retrieved: {retrieved}</p></details></td>"
            f"<td class='num'>{fmt('f1', m['f1'])}</td><td class='num'>{fmt('hit@10', m['hit@10'])}</td></tr>"
        )
    return "<table class='q'>" + "".join(rows) + "</table>"


def html(summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
    cfg, c, index = summary["config"], summary["counts"], summary["index"]
    old = summary.get("compare")
    old_metrics = None
    if old:
        deltas = old["deltas"]
        old_metrics = {
            m: None if deltas.get(m) is None else summary["metrics"][m] - deltas[m] for m in SCORES
        }
    bars = metric_bars(summary["metrics"], old_metrics)
    hist = latency_histogram(records, summary["metrics"]["latency_p50"], summary["metrics"]["latency_p95"])
    wrong = wrong_answers(records)
    title = f"Evaluation: {summary.get('set', '?')} — {cfg['mode']}"
    meta = (
        f"{summary['date']} · {c['questions']} questions ({c['answerable']} answerable, "
        f"{c['unanswerable']} unanswerable) · model {cfg['model']} · k={cfg['k']} · "
        f"index {index.get('generation')} ({index.get('chunks')} chunks, "
        f"{'cached' if index.get('cached') else 'built' if index.get('articles') else 'existing'}) · "
        f"{summary['seconds']:.1f} s · {cfg['machine']['platform']}"
    )
    body = [
        f"<h1>{_e(title)}</h1><p class='meta'>{_e(meta)}</p>",
        f"<p class='meta'>compared with <code>{_e(old['old'])}</code></p>" if old else "",
        f"<div class='plots'><figure>{bars}</figure><figure>{hist}</figure></div>",
        "<h2>Metrics</h2>" + _metric_table(summary),
        "<h2>Latency per stage</h2>" + _latency_table(summary),
        _type_table(summary),
        f"<h2>The {WORST} worst answerable questions (by F1, then retrieval)</h2>",
        _question_rows(worst(records)),
        f"<h2>Unanswerable questions answered anyway ({len(wrong)})</h2>",
        _question_rows(wrong[:WORST]) if wrong else "<p>None: every unanswerable question was declined.</p>",
    ]
    page = "".join(body)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{_e(title)}</title>"
        f"<style>{CSS}</style></head><body>{page}</body></html>\n"
    )
