"""Calibrate the abstention threshold on the development sets and print the trade-off.

    .venv/bin/python bench/calibrate_abstention.py [--mode hybrid] [--model all-MiniLM-L6-v2@torch]

For every question of ../shared/eval/{seed,squad2,multihop} it records the evidence score of the
answer the assistant would give (abstention by threshold switched off), then sweeps thresholds and
prints, per set and pooled: abstention on unanswerable questions vs false abstention on answerable
ones. The suggested threshold maximises the pooled balanced accuracy (Youden's J) over all sets
together, never over single questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CACHE, MODEL_HELP, SHARED, machine
from index import ingest
from index.embedding import DEFAULT_MODEL, load_embedder
from index.generations import current_name
from rag.service import Assistant
from rag.settings import Settings

SETS = {
    "seed": SHARED / "seeds",
    "squad2": SHARED / "eval" / "squad2" / "articles.jsonl",
    "multihop": SHARED / "eval" / "multihop" / "articles.jsonl",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=MODEL_HELP)
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    rows: list[tuple[str, bool, float, str | None]] = []  # (set, answerable, confidence, reason)
    for name, articles in SETS.items():
        index_dir = CACHE / f"dev-{name}-{embedder.name}"
        if current_name(index_dir) is None:
            print(f"building {name} index …", file=sys.stderr)
            ingest.build(index_dir, [articles], embedder)
        assistant = Assistant(Settings(index_dir=index_dir, mode=args.mode, abstain_threshold=0.0), embedder)
        questions = [json.loads(line) for line in (SHARED / "eval" / name / "questions.jsonl").open()]
        for q in questions:
            answer = assistant.ask(q["question"])
            rows.append((name, bool(q["answers"]), answer.confidence, answer.reason))
    print(f"machine: {machine()}; mode {args.mode}; model {embedder.name}")
    print("threshold | " + " | ".join(f"{n}: abstain / false-abstain" for n in [*SETS, "pooled"]))
    best = (-1.0, 0.0)
    for step in range(0, 61):
        t = step / 100
        cells = []
        for name in [*SETS, "pooled"]:
            sel = [r for r in rows if name == "pooled" or r[0] == name]
            unans = [r for r in sel if not r[1]]
            ans = [r for r in sel if r[1]]
            a = sum(r[3] is not None or r[2] < t for r in unans) / max(1, len(unans))
            f = sum(r[3] is not None or r[2] < t for r in ans) / max(1, len(ans))
            cells.append(f"{a:.2f} / {f:.2f}")
            if name == "pooled" and a - f > best[0]:
                best = (a - f, t)
        if step % 5 == 0 or abs(t - best[1]) < 1e-9:
            print(f"{t:9.2f} | " + " | ".join(cells))
    print(f"suggested threshold (max pooled J = abstain - false_abstain): {best[1]:.2f} (J = {best[0]:.3f})")


if __name__ == "__main__":
    main()
