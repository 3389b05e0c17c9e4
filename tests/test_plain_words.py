"""What a person sees: build phases with counts from the start, plurals, readable `rag info`, the
start-up hint, the abstention sentences the chat page shows."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from index import ingest
from index.annotate import NoAnnotator
from index.embedding import FakeEmbedder
from rag.cli import app
from rag.cli.app import counted
from rag.cli.serve_cmd import _announce
from rag.jobs import Jobs
from rag.library import Library
from rag.reasons import DESCRIPTIONS, Reason
from rag.settings import Settings

DATA = Path(__file__).resolve().parent / "data" / "fieldcases"


def test_build_reports_each_phase_from_its_start_in_order(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    ingest.build(
        tmp_path / "idx",
        [DATA / "d.json", DATA / "same_link.rss"],
        FakeEmbedder(),
        progress=lambda done, total, phase="embedding": calls.append((phase, done, total)),
        annotator=NoAnnotator(),
    )
    phases = list(dict.fromkeys(phase for phase, _, _ in calls))
    assert phases == ["reading", "chunking", "annotating", "embedding"]
    firsts = {phase: next(c for c in calls if c[0] == phase) for phase in phases}
    lasts = {phase: [c for c in calls if c[0] == phase][-1] for phase in phases}
    assert firsts["reading"] == ("reading", 0, 2) and lasts["reading"] == ("reading", 2, 2)
    assert firsts["chunking"] == ("chunking", 0, 6) and lasts["chunking"] == ("chunking", 6, 6)
    assert firsts["embedding"][1] == 0 and firsts["embedding"][2] > 6  # chunks + sentences, known up front
    assert lasts["embedding"][1] == lasts["embedding"][2]


def test_a_rebuild_job_shows_its_phase(tmp_path: Path) -> None:
    jobs = Jobs()

    def work(progress: ingest.Progress) -> ingest.IngestReport:
        folder = [DATA / "d.json"]
        return ingest.build(tmp_path / "idx", folder, FakeEmbedder(), None, progress, NoAnnotator())

    jobs.start(work)
    assert jobs.join(60)
    job = jobs.snapshot()
    assert job is not None and job["state"] == "succeeded"
    assert (job["phase"], job["done"], job["total"]) == ("embedding", job["total"], job["total"])


def test_counts_are_plain_words() -> None:
    assert [counted(n, "article") for n in (0, 1, 2)] == ["0 articles", "1 article", "2 articles"]


def test_build_message_and_info_read_as_plain_lines(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.txt").write_text("Harbour Reopens\n\nThe harbour reopened on Friday.\n")
    idx = str(tmp_path / "idx")
    runner = CliRunner()
    built = runner.invoke(app, ["build", str(folder), "--index-dir", idx, "--model", "fake"])
    assert built.exit_code == 0, built.output
    assert "1 article, 1 chunk " in built.output and "1 articles" not in built.output
    info = runner.invoke(app, ["info", "--index-dir", idx])
    assert info.exit_code == 0, info.output
    assert "{" not in info.output and "'" not in info.output
    assert "target tokens: 200" in info.output and "format version" in info.output


def test_start_up_hint_asks_about_the_loaded_articles(tmp_path: Path, capsys: object) -> None:
    ingest.build(tmp_path / "idx", [DATA / "d.json"], FakeEmbedder(), annotator=NoAnnotator())
    settings = Settings(index_dir=tmp_path / "idx", model="fake")
    question = Library(settings).suggested_question()
    assert question == 'What do the articles say about "Harbour cleanup"?'  # the newest article
    _announce(settings)
    hint = capsys.readouterr().err  # type: ignore[attr-defined]
    body = hint.split("-d '", 1)[1].rsplit("'", 1)[0].replace("'\"'\"'", "'")
    assert json.loads(body)["messages"][0]["content"] == question
    assert "migrants" not in hint


def test_every_reason_has_a_sentence_without_its_code() -> None:
    for reason in Reason:
        sentence = DESCRIPTIONS[reason]
        assert sentence[0].isupper() and sentence.endswith(".")
        assert reason.value not in sentence and "_" not in sentence


def test_the_chat_page_shows_the_reason_sentence_and_links_the_notice() -> None:
    static = Path(__file__).resolve().parents[1] / "api" / "static"
    script = (static / "app.js").read_text(encoding="utf-8")
    assert 'el("code", null, answer.reason)' not in script and "reasonSentences.get(answer.reason)" in script
    page = (static / "index.html").read_text(encoding="utf-8")
    assert '<a href="/static/notice.html">' in page and (static / "notice.html").exists()
