"""The fitted answer scorer: it loads, refuses a file made for other features, and (marked `fit`, run by
.ci/run) reproduces the dev-set numbers bench/fit_answerer.py recorded in rag/data/answerer.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.candidates import FEATURES
from rag.scorer import ScorerError, load_scorer
from rag.short import SPAN_FEATURES
from tests.conftest import need_shared


def test_packaged_scorer_uses_every_feature_and_records_how_it_was_fitted() -> None:
    scorer = load_scorer()
    assert scorer.sentence.features == FEATURES and scorer.span.features == SPAN_FEATURES
    assert 0.0 < scorer.threshold < 1.0 and 0.0 < scorer.relevance_threshold < 1.0
    assert scorer.meta["by"] == "bench/fit_answerer.py"
    assert set(scorer.meta["in_sample"]) == {"seed", "squad2", "multihop", "pooled"}


def test_a_signal_not_measured_counts_as_its_training_mean() -> None:
    model = load_scorer().sentence
    row: dict[str, float | None] = dict(zip(model.features, model.mean.tolist(), strict=True))
    row["sem"] = 0.7
    unmeasured = {**row, "p_lexical": None, "p_dense": None}  # a dense-only or lexical-only mode
    assert model.predict([unmeasured])[0] == pytest.approx(model.predict([row])[0])
    assert 0.0 < model.predict([unmeasured])[0] < 1.0


def test_a_scorer_file_for_unknown_features_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads((Path(__file__).parents[1] / "rag" / "data" / "answerer.json").read_text())
    data["sentence"]["features"][0] = "no_such_feature"
    bad = tmp_path / "answerer.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ScorerError, match="no_such_feature"):
        load_scorer(bad)
    bad.write_text("{")
    with pytest.raises(ScorerError, match="cannot load"):
        load_scorer(bad)


@pytest.mark.fit
def test_fitted_scorer_reproduces_its_recorded_dev_numbers() -> None:
    need_shared()
    from bench.fit_answerer import SETS, collect, evaluate

    scorer = load_scorer()
    rows = [r for name, path in SETS.items() for r in collect(name, path, scorer.meta["embedder"])]
    probs = [scorer.sentence.predict([c.x for c in r.candidates]) for r in rows]
    got = evaluate(rows, probs, (scorer.threshold, scorer.relevance_threshold), lambda _: scorer.span)
    want = scorer.meta["in_sample"]
    for name in SETS:
        for metric in ("hit@1", "short_f1", "abstain", "false_abstain"):
            assert got[name][metric] == pytest.approx(want[name][metric], abs=0.02), (name, metric)
