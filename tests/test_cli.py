"""The `rag` command line: JSON shapes, exit codes and error messages (fake model, real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import rag

from index.lock import WriterLock


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "harbour.txt").write_text(
        "Harbour Reopens\nDate: 2024-02-03\nSource: Coast Times\n\n"
        "The harbour reopened on Friday after the storm. Ferries sailed again to the islands.\n"
    )
    (folder / "feed.json").write_text(
        json.dumps(
            [
                {
                    "id": "j1",
                    "title": "Council Votes",
                    "text": "The council voted to repair the sea wall. It costs 3 million.",
                    "date": "2024-02-05",
                    "source": "Coast Times",
                },
            ]
        )
    )
    return folder


def test_build_info_show_search_ask_json(tmp_path: Path, articles: Path) -> None:
    idx = str(tmp_path / "idx")
    built = rag("build", str(articles), "--index-dir", idx, "--json")
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert {"added", "updated", "unchanged", "removed", "chunks_embedded", "failed"} <= set(report)
    assert report["added"] == 2 and report["failed"] == []
    info = json.loads(rag("info", "--index-dir", idx, "--json").stdout)
    assert {"articles", "chunks", "model", "dim", "generation", "created"} <= set(info)
    assert (info["articles"], info["model"], info["dim"]) == (2, "fake", 64)
    shown = json.loads(rag("show", "sub/harbour", "--index-dir", idx, "--json").stdout)
    assert shown["title"] == "Harbour Reopens" and shown["date"] == "2024-02-03"
    assert all(shown["text"][c["start"] : c["end"]] == c["text"] for c in shown["chunks"])
    passages = json.loads(rag("search", "harbour ferries", "--index-dir", idx, "--json").stdout)
    assert passages[0]["article_id"] == "sub/harbour" and {"dense", "lexical", "fused"} <= set(passages[0])
    answer = json.loads(rag("ask", "When did the harbour reopen?", "--index-dir", idx, "--json").stdout)
    assert {"text", "citations", "abstained", "reason", "as_of", "timings"} <= set(answer)


def test_a_bad_file_is_named_the_rest_indexed_and_exit_is_1(tmp_path: Path, articles: Path) -> None:
    (articles / "broken.json").write_text("[{")
    result = rag("build", str(articles), "--index-dir", str(tmp_path / "idx"), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["added"] == 2 and [f["path"] for f in report["failed"]] == [str(articles / "broken.json")]
    assert "broken.json" in result.stderr


def test_readding_unchanged_embeds_nothing(tmp_path: Path, articles: Path) -> None:
    idx = str(tmp_path / "idx")
    assert rag("build", str(articles), "--index-dir", idx).returncode == 0
    again = json.loads(rag("add", str(articles), "--index-dir", idx, "--json").stdout)
    assert (again["unchanged"], again["chunks_embedded"]) == (2, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info"], "no index"),
        (["ask", "anything"], "rag build"),
        (["show", "nope"], "no index"),
    ],
)
def test_missing_index_is_a_clear_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = rag(*args, "--index-dir", str(tmp_path / "none"))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_unknown_model_and_other_model_are_clear_errors(tmp_path: Path, articles: Path) -> None:
    idx = str(tmp_path / "idx")
    assert rag("build", str(articles), "--index-dir", idx).returncode == 0
    unknown = rag("ask", "harbour?", "--index-dir", idx, model="no-such-model")
    assert unknown.returncode == 1 and "unknown embedding model" in unknown.stderr
    other = rag("add", str(articles), "--index-dir", idx, model="fake:32")
    assert other.returncode == 1 and "dimension 64" in other.stderr and "Traceback" not in other.stderr


def test_second_writer_fails_fast_with_the_pid(tmp_path: Path, articles: Path) -> None:
    with WriterLock(tmp_path / "idx"):
        result = rag("build", str(articles), "--index-dir", str(tmp_path / "idx"))
    assert result.returncode == 1 and f"index is locked by pid {os.getpid()}" in result.stderr


def test_unknown_article_in_show_is_a_clear_error(tmp_path: Path, articles: Path) -> None:
    idx = str(tmp_path / "idx")
    assert rag("build", str(articles), "--index-dir", idx).returncode == 0
    result = rag("show", "nope", "--index-dir", idx)
    assert result.returncode == 1 and "no article with id 'nope'" in result.stderr


def test_an_llm_generator_without_a_server_is_refused_with_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_LLM_")}
    env.update(RAG_MODEL="fake", RAG_GENERATOR="openai")
    serve = subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert serve.returncode == 2 and "RAG_LLM_BASE_URL and RAG_LLM_MODEL" in serve.stderr
    assert "Traceback" not in serve.stderr
    bad = rag("ask", "Why?", "--index-dir", str(tmp_path / "none"), "--generator", "gpt")
    assert bad.returncode == 2 and "--generator must be one of extractive, openai" in bad.stderr
