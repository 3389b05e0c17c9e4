"""RAG_STORE=milvus end to end on a real Milvus Lite: the API (write, search, chat, rebuild into a new
collection pair switched by alias), the command line and `rag eval`, a store mismatch's clear error, and
a writer killed between Milvus and its SQLite commit (the old or the new state, never a mix).

The retrieval and write tests (tests/test_retrieval.py, tests/test_index_write.py) run on both stores
through the `store` fixture (tests/conftest.py)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from api_support import WHY, make_settings, served, user
from cli_support import rag

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
    env = _milvus_env(tmp_path)
    make_settings(tmp_path, built=False)  # writes the API articles into tmp_path/articles
    folder = tmp_path / "articles"
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"id": "ferry", "title": "Ferry strike", "text": "Ferry crews struck."}))
    questions = tmp_path / "q.jsonl"
    question = {"id": "q1", "question": WHY, "answers": ["poverty"], "article_ids": ["caravan"]}
    questions.write_text(json.dumps(question) + "\n")
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
        done = rag(*step, env=env, timeout=180)
        assert done.returncode == 0, (step, done.stderr[-2000:])
        assert "Traceback" not in done.stderr


def _milvus_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "RAG_STORE": "milvus",
        "RAG_MILVUS_URI": str(tmp_path / "cli.db"),
        "RAG_INDEX_DIR": str(tmp_path / "idx"),
        **extra,
    }


@pytest.mark.slow
@pytest.mark.parametrize("point", ["mid-embedding", "before-switch", "after-switch"])
def test_a_writer_killed_between_milvus_and_sqlite_leaves_old_or_new(tmp_path: Path, point: str) -> None:
    env = _milvus_env(tmp_path)
    make_settings(tmp_path, built=False)
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"id": "ferry", "title": "Ferry strike", "text": "Ferry crews struck."}))
    assert rag("build", str(tmp_path / "articles"), env=env).returncode == 0
    killed = rag("add", str(extra), env={**env, "RAG_CRASHPOINT": point}, timeout=180)
    assert killed.returncode == -signal.SIGKILL

    def found() -> list[dict[str, object]]:
        done = rag("search", "ferry crews", "--json", env=env, timeout=180)
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    # rows Milvus got before the crash stay unseen: the old state, or (after the commit) the new one
    assert ("ferry" in {h["article_id"] for h in found()}) == (point == "after-switch")
    assert rag("add", str(extra), env=env, timeout=180).returncode == 0  # the lock died with the writer
    hits = found()
    assert hits[0]["article_id"] == "ferry" and len({h["chunk_id"] for h in hits}) == len(hits)


def test_collections_are_kept_one_generation_longer_than_their_folders(tmp_path: Path) -> None:
    from index.milvus_writes import kept_generations

    for name in ("gen-000003", "gen-000004", ".tmp-gen-000005"):
        (tmp_path / "generations" / name).mkdir(parents=True)
    assert kept_generations(tmp_path) == {"gen-000002", "gen-000003", "gen-000004"}


def test_compacting_on_milvus_deletes_rows_no_database_names(settings: Settings) -> None:
    """Rows a crashed write left in Milvus (upserted before a commit that never came) are invisible;
    `rag compact` on Milvus deletes them."""
    import numpy as np

    from index.milvus_store import MilvusCollections
    from index.types import Chunk

    config = StoreConfig("milvus", settings.index.milvus_uri, None, settings.index.milvus_prefix)
    collections = MilvusCollections.open(milvus_client(config), config.prefix, "gen-000001")
    library = Library(settings, FakeEmbedder())
    held = collections.count("chunks")
    article = library.article("caravan").article
    orphans = [Chunk(10_000 + i, "caravan", i, "orphan text", 0, 11, 2) for i in range(3)]
    vectors = np.eye(3, FakeEmbedder().dim, dtype=np.float32)
    collections.add_chunks(orphans, {"caravan": article}, vectors)
    collections.flush()
    assert collections.count("chunks") == held + 3
    library.compact()
    assert collections.count("chunks") == held
    assert library.reader().manifest.chunks == held
