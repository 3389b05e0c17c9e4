"""`rag eval` end to end: a tiny question set with the fake model, the index cache, gates; the seed set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from index.chunking import ChunkingParams
from index.embedding import FakeEmbedder
from rag.cli import app
from rag.evaluation import cache
from rag.evaluation.dataset import BadQuestions, load_questions
from rag.evaluation.metrics import METRICS
from tests.conftest import SHARED, need_shared

ARTICLES = [
    {
        "id": "caravan",
        "title": "Migrant caravan crosses Mexico",
        "date": "2024-01-02",
        "source": "Wire",
        "text": "Thousands of migrants joined a caravan in southern Mexico. "
        "The caravan is heading towards the United States. "
        "Secretary of State Antony Blinken will visit Mexico next week.",
    },
    {
        "id": "volcano",
        "title": "Volcano erupts in Iceland",
        "date": "2024-01-03",
        "source": "Wire",
        "text": "A volcano erupted near Grindavik in Iceland. Residents of the town were evacuated.",
    },
]
QUESTIONS = [
    {
        "id": "q1",
        "question": "Where is the migrant caravan heading?",
        "answers": ["the United States"],
        "article_ids": ["caravan"],
        "quotes": ["The caravan is heading towards the United States."],
        "type": "inference",
    },
    {
        "id": "q2",
        "question": "Which town near the volcano in Iceland was evacuated?",
        "answers": ["Grindavik"],
        "article_ids": ["volcano"],
        "quotes": [],
        "type": "inference",
    },
    {"id": "q3", "question": "Who won the football cup final?", "answers": [], "type": "null"},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def eval_set(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "tiny"
    folder.mkdir()
    return {
        "questions": write_jsonl(folder / "questions.jsonl", QUESTIONS),
        "articles": write_jsonl(folder / "articles.jsonl", ARTICLES),
        "cache": tmp_path / "cache",
        "out": tmp_path / "out",
    }


def run_eval(paths: dict[str, Path], *extra: str, out: Path | None = None) -> Result:
    args = ["eval", str(paths["questions"]), "--articles", str(paths["articles"]), "--model", "fake"]
    args += ["--cache-dir", str(paths["cache"]), "--out", str(out or paths["out"]), *extra]
    return CliRunner().invoke(app, args)


def test_eval_writes_every_report(eval_set: dict[str, Path]) -> None:
    result = run_eval(eval_set)
    assert result.exit_code == 0, result.output
    out = eval_set["out"]
    records = [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["q1", "q2", "q3"]
    q1 = records[0]
    assert q1["type"] == "inference" and q1["answers"] == ["the United States"]
    assert q1["retrieved"][0]["rank"] == 1 and q1["retrieved_articles"]
    assert set(q1["metrics"]) == set(METRICS) - {"latency_p50", "latency_p95"}
    assert {"embed", "search", "total"} <= set(q1["timings"])
    assert q1["quotes_located"] == 1
    for c in q1["citations"]:
        assert {"article_id", "quote", "start", "end"} <= set(c)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["set"] == "tiny"
    assert set(summary["metrics"]) == set(METRICS)
    assert summary["counts"] == {**summary["counts"], "questions": 3, "answerable": 2, "unanswerable": 1}
    assert summary["config"]["mode"] == "hybrid" and summary["config"]["model"] == "fake"
    assert summary["index"]["cached"] is False and summary["index"]["generation"]
    assert summary["config"]["machine"]["python"]
    assert set(summary["by_type"]) == {"inference", "null"}
    md = (out / "report.md").read_text()
    assert "| hit@10 |" in md and "## By type" in md and "worst answerable questions" in md
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("data:image/svg+xml;base64,") == 2
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "hit@10" in result.stdout  # the metric table


def test_second_run_reuses_the_cached_index(eval_set: dict[str, Path]) -> None:
    assert run_eval(eval_set).exit_code == 0
    [index_dir] = [p for p in eval_set["cache"].iterdir()]
    generation = (index_dir / "CURRENT").read_text()
    mtime = (index_dir / "generations").stat().st_mtime_ns
    second = run_eval(eval_set, out=eval_set["out"] / "again")
    assert second.exit_code == 0, second.output
    summary = json.loads((eval_set["out"] / "again" / "summary.json").read_text())
    assert summary["index"]["cached"] is True and summary["index"]["chunks_embedded"] == 0
    assert (index_dir / "CURRENT").read_text() == generation
    assert (index_dir / "generations").stat().st_mtime_ns == mtime
    assert list(eval_set["cache"].iterdir()) == [index_dir]  # no temporary folder left behind


def test_cache_folder_from_the_environment(eval_set: dict[str, Path], tmp_path: Path) -> None:
    args = ["eval", str(eval_set["questions"]), "--articles", str(eval_set["articles"]), "--model", "fake"]
    env = {"RAG_EVAL_CACHE": str(tmp_path / "from-env")}
    result = CliRunner().invoke(app, [*args, "--out", str(eval_set["out"])], env=env)
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "from-env").iterdir())) == 1


def test_cache_embeds_nothing_the_second_time(tmp_path: Path, eval_set: dict[str, Path]) -> None:
    embedder = FakeEmbedder()
    first = cache.cached_index(eval_set["articles"], embedder, ChunkingParams(), eval_set["cache"])
    assert not first.cached and embedder.calls > 0
    embedder.calls = 0
    again = cache.cached_index(eval_set["articles"], embedder, ChunkingParams(), eval_set["cache"])
    assert again.cached and again.index_dir == first.index_dir and embedder.calls == 0
    # changed content, model or chunking: another key
    params = ChunkingParams(target_tokens=100)
    assert cache.cache_key(eval_set["articles"], embedder, params) != first.key
    assert cache.cache_key(eval_set["articles"], FakeEmbedder(dim=32), ChunkingParams()) != first.key
    write_jsonl(eval_set["articles"], ARTICLES[:1])
    assert cache.cache_key(eval_set["articles"], embedder, ChunkingParams()) != first.key


def test_build_killed_midway_leaves_no_cache(
    eval_set: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(index_dir: Path, *args: object, **kwargs: object) -> None:
        (index_dir / "partial").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(cache, "build", crash)
    with pytest.raises(KeyboardInterrupt):
        cache.cached_index(eval_set["articles"], FakeEmbedder(), ChunkingParams(), eval_set["cache"])
    assert list(eval_set["cache"].iterdir()) == []


def test_stale_temporary_folder_of_a_dead_build_is_removed(eval_set: dict[str, Path]) -> None:
    stale = eval_set["cache"] / ".tmp-abc-999999999"  # no such pid
    (stale / "generations").mkdir(parents=True)
    cache.cached_index(eval_set["articles"], FakeEmbedder(), ChunkingParams(), eval_set["cache"])
    assert not stale.exists()


def test_compare_adds_deltas(eval_set: dict[str, Path]) -> None:
    assert run_eval(eval_set).exit_code == 0
    old = eval_set["out"] / "summary.json"
    result = run_eval(eval_set, "--compare", str(old), "--mode", "lexical", out=eval_set["out"] / "new")
    assert result.exit_code == 0, result.output
    summary = json.loads((eval_set["out"] / "new" / "summary.json").read_text())
    old_metrics = json.loads(old.read_text())["metrics"]
    deltas = summary["compare"]["deltas"]
    for name in ("hit@10", "f1", "abstain"):
        assert deltas[name] == pytest.approx(summary["metrics"][name] - old_metrics[name])
    assert "Δ vs old" in (eval_set["out"] / "new" / "report.md").read_text()
    assert "Δ vs old" in (eval_set["out"] / "new" / "report.html").read_text()


def test_min_bound_not_met_exits_1_naming_the_metric(eval_set: dict[str, Path]) -> None:
    result = run_eval(eval_set, "--min", "hit@10=0.5", "--min", "f1=1.01", "--max", "latency_p95=0")
    assert result.exit_code == 1
    assert "f1" in result.stderr and "latency_p95" in result.stderr and "hit@10 =" not in result.stderr
    summary = json.loads((eval_set["out"] / "summary.json").read_text())
    assert len(summary["gates"]["failed"]) == 2  # the reports are still written


def test_bounds_met_exit_0(eval_set: dict[str, Path]) -> None:
    assert run_eval(eval_set, "--min", "hit@10=0", "--max", "false_abstain=1").exit_code == 0


@pytest.mark.parametrize("bound", ["hit@11=0.5", "recall=1", "hit@10", "hit@10=high"])
def test_bad_bound_exits_2_before_running(eval_set: dict[str, Path], bound: str) -> None:
    result = run_eval(eval_set, "--min", bound)
    assert result.exit_code == 2
    assert not eval_set["cache"].exists()
    if "=" in bound and bound.split("=")[0] not in METRICS:
        assert "known metrics: hit@1 hit@5 hit@10 recall@10" in result.stderr


def test_json_prints_the_summary(eval_set: dict[str, Path]) -> None:
    result = run_eval(eval_set, "--json", "--limit", "2")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["questions"] == 2 and summary["limit"] == 2


def test_bad_question_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(QUESTIONS[0]) + "\n\n" + '{"id": "q2", "question": "Why?"}\n')
    with pytest.raises(BadQuestions, match=r"questions.jsonl:3: missing field\(s\) 'answers'"):
        load_questions(path)
    path.write_text('{"id": "q1", "question": "Why?", "answers": "yes"}\n')
    with pytest.raises(BadQuestions, match="'answers' must be a list of strings"):
        load_questions(path)
    path.write_text("{not json\n")
    with pytest.raises(BadQuestions, match=r":1: malformed JSON"):
        load_questions(path)
    path.write_text(json.dumps(QUESTIONS[2]) + "\n" + json.dumps(QUESTIONS[2]) + "\n")
    with pytest.raises(BadQuestions, match="duplicate id 'q3', first on line 1"):
        load_questions(path)


def test_existing_index_dir_is_used_as_it_is(eval_set: dict[str, Path]) -> None:
    built = cache.cached_index(eval_set["articles"], FakeEmbedder(), ChunkingParams(), eval_set["cache"])
    args = ["eval", str(eval_set["questions"]), "--index-dir", str(built.index_dir), "--model", "fake"]
    result = CliRunner().invoke(app, [*args, "--out", str(eval_set["out"]), "--mode", "dense", "--k", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads((eval_set["out"] / "summary.json").read_text())
    assert summary["index"]["dir"] == str(built.index_dir) and summary["index"]["articles"] is None
    assert summary["config"]["mode"] == "dense" and summary["config"]["k"] == 3


def test_articles_and_index_dir_together_are_refused(eval_set: dict[str, Path]) -> None:
    result = run_eval(eval_set, "--index-dir", str(eval_set["cache"]))
    assert result.exit_code == 2 and "not both" in result.stderr


@pytest.mark.real_model
def test_seed_set_with_the_real_model(tmp_path: Path) -> None:
    """The issue's bar: Hit@10 = 1.0, and every unanswerable question answered is named in the report."""
    need_shared(SHARED / "eval" / "seed")
    out = tmp_path / "out"
    args = ["eval", str(SHARED / "eval" / "seed" / "questions.jsonl"), "--articles", str(SHARED / "seeds")]
    result = CliRunner().invoke(app, [*args, "--cache-dir", str(tmp_path / "c"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["hit@10"] == 1.0
    assert summary["counts"]["unanswerable"] == 3
    report = (out / "report.md").read_text()
    for line in (out / "questions.jsonl").read_text().splitlines():
        record = json.loads(line)
        if not record["answerable"] and not record["abstained"]:
            assert f"| {record['id']} |" in report.split("answered anyway")[1]
