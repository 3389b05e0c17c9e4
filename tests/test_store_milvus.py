"""RAG_STORE=milvus end to end on a real Milvus Lite: the API (write, search, chat, rebuild into a new
collection pair switched by alias), the command line and `rag eval`, a store mismatch's clear error, and
a writer killed between Milvus and its SQLite commit (the old or the new state, never a mix).

The retrieval and write tests (tests/test_retrieval.py, tests/test_index_write.py) run on both stores
through the `store` fixture (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from api_support import WHY, make_settings, served, user

from index.embedding import FakeEmbedder
from index.errors import StoreMismatch
from index.live import IndexReader
from index.search_backends import LOCAL, StoreConfig, milvus_client
from rag.library import Library
from rag.settings import Settings

pytestmark = pytest.mark.milvus
_prefixes = count(1)


@pytest.fixture
def settings(tmp_path: Path, milvus_lite_file: str) -> Settings:
    """The API tests' index (tests/api_support.py), built on Milvus Lite with a prefix of its own."""
    settings = make_settings(tmp_path, built=False).updated(
        store="milvus", milvus_uri=milvus_lite_file, milvus_prefix=f"api{next(_prefixes)}"
    )
    Library(settings, FakeEmbedder()).build([settings.index.articles_path])
    return settings


@pytest.fixture
def client(settings: Settings) -> Iterator[object]:
    yield from served(settings)


def _collections(settings: Settings) -> list[str]:
    config = StoreConfig("milvus", settings.index.milvus_uri, None, settings.index.milvus_prefix)
    return sorted(c for c in milvus_client(config).list_collections() if c.startswith(config.prefix + "_"))


def test_the_api_writes_searches_answers_and_rebuilds_on_milvus(client, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/ready").json()["status"] == "ready"
    hits = client.post("/search", json={"query": "migrants caravan"}).json()["passages"]
    assert hits and hits[0]["article_id"] == "caravan"
    answer = client.post("/chat", json=user(WHY)).json()
    assert not answer["abstained"] and answer["citations"][0]["article_id"] == "caravan"
    new = {"id": "ferry", "title": "Ferry strike", "text": "Ferry crews struck on Monday over pay cuts."}
    assert client.post("/articles", json=new).status_code == 200
    found = client.post("/search", json={"query": "ferry crews pay"}).json()["passages"]
    assert found[0]["article_id"] == "ferry"  # read-your-writes
    assert client.delete("/articles/ferry").status_code == 200
    gone = client.post("/search", json={"query": "ferry crews pay"}).json()["passages"]
    assert "ferry" not in {h["article_id"] for h in gone}
    prefix = settings.index.milvus_prefix
    assert _collections(settings) == [f"{prefix}_gen_000001_chunks", f"{prefix}_gen_000001_sentences"]
    assert client.post("/index/rebuild").status_code == 202
    assert client.app.state.assistant.jobs.join(timeout=60)
    assert client.get("/ready").json()["generation"] == "gen-000002"
    assert client.post("/search", json={"query": "migrants caravan"}).json()["passages"]
    # the aliases name the new pair; the previous generation's pair stays with its folder (KEEP=2)
    config = StoreConfig("milvus", settings.index.milvus_uri, None, prefix)
    alias = milvus_client(config).describe_alias(alias=f"{prefix}_chunks")
    assert alias["collection_name"] == f"{prefix}_gen_000002_chunks"
    assert f"{prefix}_gen_000002_sentences" in _collections(settings)


def test_an_index_on_milvus_opened_as_local_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(StoreMismatch, match="RAG_STORE=milvus"):
        IndexReader.open(settings.index.dir, store=LOCAL)


@pytest.mark.slow
def test_the_command_line_and_eval_work_on_milvus(tmp_path: Path) -> None:
    """In a process of its own (Milvus Lite serves a file to one process): build, add, search, ask,
    remove, info and eval, each exiting 0."""
    env = {
        **os.environ,
        "RAG_MODEL": "fake",
        "RAG_STORE": "milvus",
        "RAG_MILVUS_URI": str(tmp_path / "cli.db"),
        "RAG_INDEX_DIR": str(tmp_path / "idx"),
    }
    folder = tmp_path / "articles"
    folder.mkdir()
    make_settings(tmp_path, built=False)  # writes the API articles into tmp_path/articles
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"id": "ferry", "title": "Ferry strike", "text": "Ferry crews struck."}))
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "q1", "question": WHY, "answers": ["poverty"], "article_ids": ["caravan"]}) + "\n"
    )
    steps = [
        ["build", str(folder)],
        ["add", str(extra)],
        ["search", "ferry crews"],
        ["ask", WHY],
        ["remove", "ferry"],
        ["info", "--json"],
        ["eval", str(questions), "--articles", str(folder / "news.json"), "--cache-dir", str(tmp_path / "c")],
    ]
    for step in steps:
        done = subprocess.run(
            [sys.executable, "-c", "from rag.cli import main; main()", *step],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, (step, done.stderr[-2000:])
        assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("point", ["mid-embedding", "before-switch", "after-switch"])
def test_a_writer_killed_between_milvus_and_sqlite_leaves_old_or_new(tmp_path: Path, point: str) -> None:
    env = {
        **os.environ,
        "RAG_MODEL": "fake",
        "RAG_STORE": "milvus",
        "RAG_MILVUS_URI": str(tmp_path / "kill.db"),
        "RAG_INDEX_DIR": str(tmp_path / "idx"),
    }
    make_settings(tmp_path, built=False)
    extra = tmp_path / "extra.json"
    extra.write_text(
        json.dumps({"id": "ferry", "title": "Ferry strike", "text": "Ferry crews struck on pay."})
    )

    def run(*args: str, crashpoint: str | None = None) -> int:
        e = {**env, **({"RAG_CRASHPOINT": crashpoint} if crashpoint else {})}
        code = "from rag.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], env=e, capture_output=True, timeout=180
        ).returncode

    assert run("build", str(tmp_path / "articles")) == 0
    assert run("add", str(extra), crashpoint=point) == -signal.SIGKILL
    found = subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "search", "ferry crews pay", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    ids = {hit["article_id"] for hit in json.loads(found.stdout)}
    assert ("ferry" in ids) == (point == "after-switch")  # rows Milvus got before the crash stay unseen
    assert run("add", str(extra)) == 0  # the writer lock died with the writer: the write completes
    again = subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "search", "ferry crews pay", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    hits = json.loads(again.stdout)
    assert hits[0]["article_id"] == "ferry" and len({h["chunk_id"] for h in hits}) == len(hits)
