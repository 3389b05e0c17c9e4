"""The served generation under writes: read-your-writes, retired generations closed, and falling back
to the newest good generation when the current one is damaged (/ready, rag info)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from api_support import make_settings
from fastapi.testclient import TestClient

from api import create_app
from index.embedding import FakeEmbedder
from index.errors import IndexCorrupt
from index.live import IndexReader, LiveIndex
from rag.service import Assistant
from rag.settings import Settings


def record(i: int) -> dict[str, str]:
    return {"id": f"new{i}", "title": f"Ferry strike day {i}", "text": f"Ferry crews struck on day {i}."}


def open_files_under(folder: Path) -> list[str]:
    """This process's open file descriptors that point into `folder` (Linux /proc)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def slow_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a generation takes 50 ms (as a big one does), so readers meet a switch in progress."""
    real = IndexReader.open.__func__  # type: ignore[attr-defined]

    def slow(cls: type[IndexReader], *args: object, **kwargs: object) -> IndexReader:
        time.sleep(0.05)
        return real(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(IndexReader, "open", classmethod(slow))


# -- read-your-writes -------------------------------------------------------------------------------
def test_a_write_is_seen_by_every_later_request_while_queries_run(
    settings: Settings, slow_open: None
) -> None:
    assistant = Assistant(settings, FakeEmbedder())
    assistant.reader()
    stop = threading.Event()

    def query() -> None:
        while not stop.is_set():
            assistant.search("ferry strike")

    readers = [threading.Thread(target=query) for _ in range(3)]
    for t in readers:
        t.start()
    stale = []
    try:
        for i in range(8):
            assistant.upsert([record(i)])
            seen: list[bool] = []  # another thread, as the next HTTP request would be
            checker = threading.Thread(target=_check, args=(assistant, f"new{i}", seen))
            checker.start()
            checker.join()
            stale += [i] if not seen[0] else []
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert stale == [], f"writes {stale} were not visible to the next request"


def _check(assistant: Assistant, article_id: str, seen: list[bool]) -> None:
    with assistant.lease() as reader:
        seen.append(reader.db.article(article_id) is not None)


# -- retired generations are closed ------------------------------------------------------------------
def test_a_retired_generation_stays_open_until_its_last_lease_ends(settings: Settings) -> None:
    assistant = Assistant(settings, FakeEmbedder())
    with assistant.lease() as old:
        assistant.upsert([record(1)])
        with assistant.lease() as new:
            assert new is not old and new.db.article("new1") is not None
        assert old.retired and not old.closed  # a query still running on it keeps its answers
        assert old.db.article("caravan") is not None
    assert old.closed


def test_after_many_writes_only_the_served_generation_is_held_open(settings: Settings) -> None:
    assistant = Assistant(settings, FakeEmbedder())
    held = None
    for i in range(12):
        assistant.upsert([record(i)])
        assistant.search("ferry")
        if i == 5:
            held = assistant.reader()  # an unleased reference, dropped below: no cyclic GC needed
    del held
    current = assistant.reader()
    files = open_files_under(settings.index.dir)
    assert files and all(current.folder.name in f for f in files), files


# -- a damaged current generation ----------------------------------------------------------------------
def _second_generation(settings: Settings) -> None:
    """gen 2 beside gen 1: a write in place, then a compaction publishing a new generation."""
    assistant = Assistant(settings, FakeEmbedder())
    assistant.upsert([record(1)])
    assert assistant.compact().generation == "gen-000002"


def _damage_current(index_dir: Path) -> str:
    name = (index_dir / "CURRENT").read_text().strip()
    with open(index_dir / "generations" / name / "index.sqlite", "r+b") as f:
        f.truncate(4096)
    return name


def test_truncating_the_served_database_falls_back_and_ready_says_so(settings: Settings) -> None:
    _second_generation(settings)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        assert client.get("/ready").json()["status"] == "ready"
        damaged = _damage_current(settings.index.dir)
        ready = client.get("/ready")
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "degraded" and body["generation"] == "gen-000001"
        assert damaged in body["warning"] and "damaged" in body["warning"]
        assert client.post("/search", json={"query": "migrants"}).status_code == 200
        assert client.get("/articles/caravan").status_code == 200
        # a write builds on the good generation and publishes a good current one
        assert client.post("/articles", json=record(2)).status_code == 200
        assert client.get("/ready").json()["status"] == "ready"
        assert client.get("/articles/new2").status_code == 200


def test_a_restart_on_a_damaged_index_serves_the_previous_good_generation(settings: Settings) -> None:
    _second_generation(settings)
    damaged = _damage_current(settings.index.dir)
    reader = LiveIndex(settings.index.dir, FakeEmbedder()).get()
    assert reader.generation == "gen-000001" and reader.fallback is not None
    assert reader.fallback.damaged == damaged and "malformed" in reader.fallback.error


def test_rag_info_says_when_it_fell_back(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from typer.testing import CliRunner

    from rag.cli.app import app

    _second_generation(settings)
    damaged = _damage_current(settings.index.dir)
    result = CliRunner().invoke(app, ["info", "--json", "--index-dir", str(settings.index.dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["generation"] == "gen-000001" and data["fallback"]["damaged"] == damaged
    assert "is damaged" in result.stderr


def test_no_good_generation_left_is_not_ready(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        _damage_current(settings.index.dir)  # the only generation
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "index_corrupt"
    with pytest.raises(IndexCorrupt, match="malformed"):
        IndexReader.open(settings.index.dir)


def test_a_write_after_a_faiss_file_was_overwritten_publishes_a_good_generation(settings: Settings) -> None:
    """Same size, other bytes: the write checks the files' recorded size and time, then their checksum,
    and builds on the good generation the readers serve — its article is served, not lost."""
    _second_generation(settings)
    vectors = settings.index.dir / "generations" / "gen-000002" / "vectors.faiss"
    with open(vectors, "r+b") as f:
        f.seek(100)
        f.write(b"\x00" * 64)
    assistant = Assistant(settings, FakeEmbedder())
    assert assistant.reader().generation == "gen-000001"  # the readers' fallback
    report, _ = assistant.upsert([record(2)])
    assert report.generation == "gen-000003"
    reader = assistant.reader()
    assert reader.generation == "gen-000003" and reader.fallback is None
    assert reader.db.article("new2") is not None
