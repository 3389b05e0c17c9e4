"""A full disk during a write (ENOSPC simulated at each step): a clear error, 507 over HTTP, the old
index intact, no staging folder left behind, and the next write works."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from api_support import make_settings
from fastapi.testclient import TestClient

from api import create_app
from index import delta, ingest
from index import generations as gens
from index import writer as writer_module
from index.embedding import FakeEmbedder
from index.errors import IndexDiskFull
from index.live import IndexReader
from index.sources import articles_from_records
from index.store import Database
from index.vectors import FaissStore


def enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def sqlite_full(*args: object, **kwargs: object) -> None:
    raise sqlite3.OperationalError("database or disk is full")


def publish_then_fail(index_dir: Path, staging: Path, name: str) -> Path:
    """The generation is renamed into place, then writing the CURRENT pointer hits the full disk."""
    os.replace(staging, index_dir / gens.GENERATIONS / name)
    (index_dir / f".{gens.POINTER}.tmp").write_text(name)
    enospc()
    raise AssertionError("unreachable")


# (what is patched, the failing stand-in, the write): every stage of a write that puts bytes on the
# disk, for a write in place (an add) and one that publishes a new generation (a compaction)
POINTS: dict[str, tuple[object, str, Callable[..., object], str]] = {
    "inserting chunks": (Database, "put_chunks", sqlite_full, "add"),
    "storing delta vectors": (delta, "put_vectors", sqlite_full, "add"),
    "committing the transaction": (Database, "commit", sqlite_full, "add"),
    "copying the database": (Database, "copy_to", enospc, "compact"),
    "saving vectors": (FaissStore, "save", enospc, "compact"),
    "writing the manifest": (writer_module, "write_manifest", enospc, "compact"),
    "switching CURRENT": (writer_module.gens, "publish", publish_then_fail, "compact"),
}


def state(index_dir: Path) -> tuple[str | None, list[str], list[str]]:
    reader = IndexReader.open(index_dir)
    try:
        return (
            gens.current_name(index_dir),
            reader.db.article_ids(),
            sorted(os.listdir(index_dir / "generations")),
        )
    finally:
        reader.close()


@pytest.mark.parametrize("point", list(POINTS))
def test_a_full_disk_leaves_the_index_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    index_dir = make_settings(tmp_path).index.dir
    new = articles_from_records([{"id": "x", "title": "Harbour", "text": "The harbour closed."}], "body")
    target, name, stand_in, write = POINTS[point]
    if write == "compact":  # something to fold into a new generation
        ingest.add_articles(
            index_dir, articles_from_records([{"id": "y", "title": "Y", "text": "Y."}], "b"), FakeEmbedder()
        )
    before = state(index_dir)
    with monkeypatch.context() as patch:
        patch.setattr(target, name, stand_in)
        with pytest.raises(IndexDiskFull, match="no space left on the index disk") as raised:
            if write == "compact":
                ingest.compact(index_dir, FakeEmbedder())
            else:
                ingest.add_articles(index_dir, new, FakeEmbedder())
    assert str(index_dir) in str(raised.value) and "nothing was changed" in str(raised.value)
    assert state(index_dir) == before  # no staging folder, no half-published generation
    assert not (index_dir / f".{gens.POINTER}.tmp").exists()
    assert ingest.add_articles(index_dir, new, FakeEmbedder()).added == 1  # the lock was released


def test_a_full_disk_is_a_507_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        monkeypatch.setattr(Database, "commit", sqlite_full)
        r = client.post("/articles", json={"id": "x", "title": "Harbour", "text": "The harbour closed."})
        assert r.status_code == 507
        error = r.json()["error"]
        assert error["code"] == "disk_full" and "no space left on the index disk" in error["message"]
        assert "free space" in error["hint"]
        assert client.get("/ready").status_code == 200  # reads keep working
    assert not [p for p in (settings.index.dir / "generations").iterdir() if p.name.startswith(".tmp-")]


def test_a_full_disk_is_one_clear_line_on_the_cli(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    extra = tmp_path / "extra.json"
    extra.write_text('{"id": "x", "title": "Harbour", "text": "The harbour closed."}')
    code = (
        "import sqlite3\n"
        "from index.store import Database\n"
        "def full(*a, **k): raise sqlite3.OperationalError('database or disk is full')\n"
        "Database.commit = full\n"
        "from rag.cli import main; main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "add", "--index-dir", str(settings.index.dir), str(extra)],
        env={**os.environ, "RAG_MODEL": "fake"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "error (disk_full): no space left on the index disk" in done.stderr
    assert "Traceback" not in done.stderr
