"""Fit the answer scorer (rag/data/answerer.json) on the development sets, cross-validated by question.

    .venv/bin/python bench/fit_answerer.py [--out rag/data/answerer.json] [--folds 5]

For every question of ../shared/eval/{seed,squad2,multihop} it retrieves passages exactly as `rag ask`
does (hybrid, the default k and per-article cap), takes every candidate sentence with its features
(`rag.candidates.features`, the very function used at question time) and labels it:
  - answerable questions: a sentence of a gold article that holds a gold answer (SQuAD normalisation),
    or that overlaps a gold evidence quote (token F1 >= 0.6 or containment either way);
  - unanswerable questions (no gold answers): every candidate is negative.
A logistic regression (scikit-learn, standardised features) is evaluated with GroupKFold by question
(a question's sentences never sit on both sides of a split), and its out-of-fold probabilities give,
per set and over thresholds: answer-sentence Hit@1 on answerable questions, short-answer EM/F1, and
abstention (best probability below the threshold) on unanswerable vs false abstention on answerable
ones. The threshold rule, fixed before looking at the numbers: maximise the pooled
abstain - false_abstain (Youden's J) over all questions of all sets together. The final model is fitted
on everything and written with its CV report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CACHE, SHARED
from index import ingest
from index.embedding import DEFAULT_MODEL, load_embedder
from index.generations import current_name
from index.reader import IndexReader
from rag.ask import AskOptions, _question
from rag.candidates import FEATURES, Candidate, features, gather
from rag.evaluation.metrics import exact_match, normalize_answer, token_f1
from rag.extractive import short_answer
from rag.retrieval import search
from rag.scorer import MODEL_FILE

SETS = {
    "seed": SHARED / "seeds",
    "squad2": SHARED / "eval" / "squad2" / "articles.jsonl",
    "multihop": SHARED / "eval" / "multihop" / "articles.jsonl",
}
QUOTE_F1 = 0.6


@dataclass
class Row:
    dataset: str
    qid: str
    answers: list[str]
    labels: np.ndarray  # per candidate, 1 = answers the question
    x: np.ndarray  # (candidates, features)
    candidates: list[Candidate]
    question: object  # rag.candidates.Question, for the short answer


def label(c: Candidate, q: dict) -> int:
    if not q["answers"] or (q["article_ids"] and c.passage.article_id not in q["article_ids"]):
        return 0
    text = f" {normalize_answer(c.text)} "
    if any(f" {normalize_answer(a)} " in text for a in q["answers"] if normalize_answer(a)):
        return 1
    for quote in q.get("quotes") or []:
        nq = normalize_answer(quote)
        if nq and (
            nq in text or normalize_answer(c.text) in nq or (token_f1(c.text, [quote]) or 0.0) >= QUOTE_F1
        ):
            return 1
    return 0


def collect(name: str, articles: Path, embedder_name: str) -> list[Row]:
    embedder = load_embedder(embedder_name)
    index_dir = CACHE / f"fit-{name}-{embedder.fingerprint()}"
    if current_name(index_dir) is None:
        print(f"building the {name} index …", file=sys.stderr)
        ingest.build(index_dir, [articles], embedder)
    reader = IndexReader.open(index_dir, embedder)
    o = AskOptions()
    rows = []
    for line in (SHARED / "eval" / name / "questions.jsonl").open():
        q = json.loads(line)
        found = search(reader, embedder, q["question"], k=o.k, mode=o.mode, per_article=o.per_article)
        if not found.passages:
            continue
        question = _question(reader, embedder, q["question"], None, found)
        pool = gather(reader, found.passages)
        features(pool, question)
        if not pool:
            continue
        x = np.array([[c.x[f] for f in FEATURES] for c in pool])
        y = np.array([label(c, q) for c in pool])
        rows.append(Row(name, f"{name}:{q['id']}", q["answers"], y, x, pool, question))
    return rows


def evaluate(rows: list[Row], probs: list[np.ndarray], threshold: float) -> dict[str, dict[str, float]]:
    """Per set and pooled: hit@1, short EM/F1 (answerable), abstain / false abstain at `threshold`."""
    out: dict[str, dict[str, float]] = {}
    for name in [*SETS, "pooled"]:
        sel = [(r, p) for r, p in zip(rows, probs, strict=True) if name in ("pooled", r.dataset)]
        ans = [(r, p) for r, p in sel if r.answers]
        unans = [(r, p) for r, p in sel if not r.answers]
        hits, ems, f1s = [], [], []
        for r, p in ans:
            best = int(np.argmax(p))
            hits.append(float(r.labels[best] == 1))
            c = r.candidates[best]
            short = short_answer(c, r.question)  # type: ignore[arg-type]
            prediction = short.text if short else c.text
            ems.append(exact_match(prediction, r.answers) or 0.0)
            f1s.append(token_f1(prediction, r.answers) or 0.0)
        out[name] = {
            "questions": len(sel),
            "hit@1": float(np.mean(hits)) if hits else 0.0,
            "short_em": float(np.mean(ems)) if ems else 0.0,
            "short_f1": float(np.mean(f1s)) if f1s else 0.0,
            "abstain": float(np.mean([p.max() < threshold for _, p in unans])) if unans else 0.0,
            "false_abstain": float(np.mean([p.max() < threshold for _, p in ans])) if ans else 0.0,
        }
    return out


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "rag" / "data" / MODEL_FILE
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    rows = [r for name, path in SETS.items() for r in collect(name, path, args.model)]
    x = np.vstack([r.x for r in rows])
    y = np.concatenate([r.labels for r in rows])
    groups = np.concatenate([[i] * len(r.labels) for i, r in enumerate(rows)])
    print(f"{len(rows)} questions, {len(y)} candidate sentences, {int(y.sum())} positive", file=sys.stderr)

    def model() -> tuple[StandardScaler, LogisticRegression]:
        return StandardScaler(), LogisticRegression(C=args.C, max_iter=2000)

    oof = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=args.folds).split(x, y, groups):
        scaler, lr = model()
        lr.fit(scaler.fit_transform(x[train]), y[train])
        oof[test] = lr.predict_proba(scaler.transform(x[test]))[:, 1]
    probs = [oof[groups == i] for i in range(len(rows))]

    sweep = {}
    for step in range(2, 96):
        t = step / 100
        sweep[t] = evaluate(rows, probs, t)
    threshold = max(sweep, key=lambda t: sweep[t]["pooled"]["abstain"] - sweep[t]["pooled"]["false_abstain"])
    print("threshold | " + " | ".join(f"{n}: abstain / false" for n in [*SETS, "pooled"]))
    for t, res in sweep.items():
        if round(t * 100) % 5 == 0 or t == threshold:
            mark = " <- chosen" if t == threshold else ""
            cells = " | ".join(
                f"{res[n]['abstain']:.2f} / {res[n]['false_abstain']:.2f}" for n in [*SETS, "pooled"]
            )
            print(f"{t:9.2f} | {cells}{mark}")
    chosen = sweep[threshold]
    for n, res in chosen.items():
        print(
            f"{n}: "
            + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in res.items())
        )

    scaler, lr = model()
    lr.fit(scaler.fit_transform(x), y)
    data = {
        "features": list(FEATURES),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": lr.coef_[0].tolist(),
        "intercept": float(lr.intercept_[0]),
        "threshold": threshold,
        "fitted": {
            "by": "bench/fit_answerer.py",
            "on": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedder": args.model,
            "sets": list(SETS),
            "questions": len(rows),
            "sentences": len(y),
            "positives": int(y.sum()),
            "C": args.C,
            "cv": f"GroupKFold({args.folds}) by question, out-of-fold",
            "rule": "threshold maximises pooled abstain - false_abstain over all sets",
            "cv_at_threshold": chosen,
        },
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    for name, w in sorted(zip(FEATURES, lr.coef_[0], strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:18s} {w:+.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
