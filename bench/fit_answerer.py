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
ones.

The span model (rag/short.py) is fitted the same way on the typed spans of the gold answer sentences
of answerable questions whose gold answers are not yes/no; label: token F1 with a gold answer >= 0.5.

The threshold rule: the pair (probability threshold, relevance floor) that refuses the most unanswerable
dev questions (pooled) while false abstention (refusing an answerable question) stays
<= MAX_FALSE_ABSTAIN on every set. A wrong refusal hides an answer the articles hold; a wrong
answer still shows its quote for the reader to judge. (The first rule tried, maximising the pooled
abstain - false_abstain, refused 59 % of SQuAD's answerable questions: README "Abstention".)
The final models are fitted on everything and written with their CV report and their in-sample
numbers (tests/test_scorer.py checks those are reproduced).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CACHE, SHARED, index_recipe
from index import ingest
from index.embedding import DEFAULT_MODEL, load_embedder
from index.generations import current_name
from index.live import IndexReader
from rag.ask import AskOptions, _question
from rag.candidates import FEATURES, Candidate, eligible, features, gather, relevance
from rag.evaluation.metrics import exact_match, normalize_answer, token_f1
from rag.extractive import short_answer
from rag.retrieval import search
from rag.scorer import MODEL_FILE, Logistic, Scorer
from rag.short import SPAN_FEATURES, sources, span_features, span_text

SETS = {
    "seed": SHARED / "seeds",
    "squad2": SHARED / "eval" / "squad2" / "articles.jsonl",
    "multihop": SHARED / "eval" / "multihop" / "articles.jsonl",
}
QUOTE_F1 = 0.6
SPAN_F1 = 0.5
MAX_FALSE_ABSTAIN = 0.10


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
    index_dir = CACHE / f"fit-{name}-{index_recipe(embedder.fingerprint())}"
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


def span_rows(rows: list[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, question index) over the typed spans of gold sentences of short-answer questions."""
    xs, ys, gs = [], [], []
    for i, r in enumerate(rows):
        if not r.answers or {normalize_answer(a) for a in r.answers} <= {"yes", "no"}:
            continue
        said = sources(r.candidates)
        for c, y in zip(r.candidates, r.labels, strict=True):
            if not y:
                continue
            for span in c.typed:
                f = span_features(c, span, r.question, said)  # type: ignore[arg-type]
                xs.append([f[n] for n in SPAN_FEATURES])
                ys.append(int((token_f1(span_text(c, span), r.answers) or 0.0) >= SPAN_F1))
                gs.append(i)
    return np.array(xs), np.array(ys), np.array(gs)


def evaluate(
    rows: list[Row],
    probs: list[np.ndarray],
    thresholds: tuple[float, float],
    span_model: Callable[[int], Logistic],
    shorts: dict[tuple[int, int], str] | None = None,
) -> dict[str, dict[str, float]]:
    """Per set and pooled: hit@1, short EM/F1 (answerable), abstain / false abstain at
    `thresholds` (probability, relevance), choosing as `extractive.select` does: the most probable
    eligible sentence (a typed question needs a typed one); abstain when there is none, or its
    probability or the best relevance is below its threshold. A question answered wrongly or not at
    all scores 0 on hit@1 and the short answer."""
    threshold, floor = thresholds
    # (question, sentence) -> the predicted short answer (or text): the same at every threshold
    shorts = {} if shorts is None else shorts

    def best_of(r: Row, p: np.ndarray) -> int | None:
        allowed = {id(c) for c in eligible(r.candidates, r.question)}  # type: ignore[arg-type]
        order = [i for i in np.argsort(-p) if id(r.candidates[i]) in allowed]
        return int(order[0]) if order else None

    def abstains(r: Row, p: np.ndarray) -> bool:
        best = best_of(r, p)
        return best is None or bool(p[best] < threshold or max(map(relevance, r.candidates)) < floor)

    out: dict[str, dict[str, float]] = {}
    for name in [*SETS, "pooled"]:
        sel = [
            (i, r, p)
            for i, (r, p) in enumerate(zip(rows, probs, strict=True))
            if name in ("pooled", r.dataset)
        ]
        ans = [(r, p) for _, r, p in sel if r.answers]
        unans = [(r, p) for _, r, p in sel if not r.answers]
        hits, ems, f1s = [], [], []
        for i, r, p in sel:
            if not r.answers:
                continue
            best = best_of(r, p)
            if best is None:
                hits.append(0.0)
                ems.append(0.0)
                f1s.append(0.0)
                continue
            hits.append(float(r.labels[best] == 1))
            if (i, best) not in shorts:
                c = r.candidates[best]
                short = short_answer(c, r.question, span_model(i), sources(r.candidates))  # type: ignore[arg-type]
                shorts[i, best] = short.text if short else c.text
            prediction = shorts[i, best]
            ems.append(exact_match(prediction, r.answers) or 0.0)
            f1s.append(token_f1(prediction, r.answers) or 0.0)
        out[name] = {
            "questions": len(sel),
            "hit@1": float(np.mean(hits)) if hits else 0.0,
            "short_em": float(np.mean(ems)) if ems else 0.0,
            "short_f1": float(np.mean(f1s)) if f1s else 0.0,
            "abstain": float(np.mean([abstains(r, p) for r, p in unans])) if unans else 0.0,
            "false_abstain": float(np.mean([abstains(r, p) for r, p in ans])) if ans else 0.0,
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

    def fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...] = FEATURES) -> Logistic:
        scaler = StandardScaler().fit(x)
        lr = LogisticRegression(C=args.C, max_iter=2000).fit(scaler.transform(x), y)
        return Logistic(names, scaler.mean_, scaler.scale_, lr.coef_[0], float(lr.intercept_[0]))

    sx, sy, sg = span_rows(rows)
    print(f"{len(sy)} typed spans of gold sentences, {int(sy.sum())} positive", file=sys.stderr)
    oof = np.zeros(len(y))
    span_of_question: dict[int, Logistic] = {}  # question -> the span model fitted without it
    for train, test in GroupKFold(n_splits=args.folds).split(x, y, groups):
        oof[test] = fit(x[train], y[train]).predict([dict(zip(FEATURES, v, strict=True)) for v in x[test]])
        held_out = set(groups[test].tolist())
        keep = np.array([g not in held_out for g in sg], dtype=bool)
        span_model = fit(sx[keep], sy[keep], SPAN_FEATURES)
        span_of_question.update(dict.fromkeys(held_out, span_model))
    probs = [oof[groups == i] for i in range(len(rows))]

    grid = [(t / 100, f / 100) for t in range(0, 60, 2) for f in range(20, 50, 2)]
    cache: dict[tuple[int, int], str] = {}
    sweep = {pair: evaluate(rows, probs, pair, span_of_question.__getitem__, cache) for pair in grid}
    ok = [p for p, res in sweep.items() if all(res[n]["false_abstain"] <= MAX_FALSE_ABSTAIN for n in SETS)]
    best = max(ok, key=lambda p: (sweep[p]["pooled"]["abstain"], -sweep[p]["pooled"]["false_abstain"]))
    threshold, floor = best
    print("probability / relevance | " + " | ".join(f"{n}: abstain / false" for n in [*SETS, "pooled"]))
    for pair, res in sweep.items():
        if pair == best or (pair[1] == floor and round(pair[0] * 100) % 10 == 0) or (pair[0] == threshold):
            mark = " <- chosen" if pair == best else ""
            cells = " | ".join(
                f"{res[n]['abstain']:.2f} / {res[n]['false_abstain']:.2f}" for n in [*SETS, "pooled"]
            )
            print(f"{pair[0]:.2f} / {pair[1]:.2f} | {cells}{mark}")
    chosen = sweep[best]
    for n, res in chosen.items():
        print(f"{n}: " + ", ".join(f"{k} {v:.3f}" for k, v in res.items()))

    final = Scorer(fit(x, y), fit(sx, sy, SPAN_FEATURES), threshold, floor, {})
    in_probs = [final.sentence.predict([c.x for c in r.candidates]) for r in rows]
    in_sample = evaluate(rows, in_probs, best, lambda _: final.span)
    data = {
        "sentence": final.sentence.to_dict(),
        "span": final.span.to_dict(),
        "threshold": threshold,
        "relevance_threshold": floor,
        "fitted": {
            "by": "bench/fit_answerer.py",
            "on": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedder": args.model,
            "sets": list(SETS),
            "questions": len(rows),
            "sentences": len(y),
            "positives": int(y.sum()),
            "spans": len(sy),
            "span_positives": int(sy.sum()),
            "C": args.C,
            "cv": f"GroupKFold({args.folds}) by question, out-of-fold",
            "rule": f"most pooled abstention with false abstention <= {MAX_FALSE_ABSTAIN} on every set",
            "cv_at_threshold": chosen,
            "in_sample": in_sample,
        },
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    for name, w in sorted(zip(FEATURES, final.sentence.coef, strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:18s} {w:+.3f}", file=sys.stderr)
    for name, w in sorted(zip(SPAN_FEATURES, final.span.coef, strict=True), key=lambda p: -abs(p[1])):
        print(f"  span {name:18s} {w:+.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
