"""SIGKILL `rag build` and `rag add` mid-way: the index must open and hold the old or the new state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.live import IndexReader

pytestmark = pytest.mark.slow

CRASHPOINTS = ["mid-embedding", "before-publish", "before-switch", "after-switch"]


def write_corpus(path: Path, n: int, tag: str) -> Path:
    with open(path, "w") as f:
        for i in range(n):
            text = " ".join(
                f"Report {i} ({tag}) sentence {j} about harbour{i} and ferry{j}." for j in range(30)
            )
            f.write(
                json.dumps(
                    {
                        "id": f"n{i}",
                        "title": f"Story {i} {tag}",
                        "date": "2021-03-04",
                        "source": "Wire",
                        "text": text,
                    }
                )
                + "\n"
            )
    return path


def rag(*args: str, crashpoint: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAG_MODEL": "fake"}
    env.pop("RAG_CRASHPOINT", None)
    if crashpoint:
        env["RAG_CRASHPOINT"] = crashpoint
    code = "from rag.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def state(index_dir: Path) -> tuple[tuple[tuple[str, str], ...], int]:
    """What a reader sees: (article id, content hash) pairs and the chunk count, vectors checked."""
    reader = IndexReader.open(index_dir)
    rows = reader.db.conn.execute("SELECT id, content_hash FROM articles ORDER BY id").fetchall()
    articles, chunks = reader.db.counts()
    assert articles == reader.manifest.articles and chunks == reader.manifest.chunks == len(reader.vectors)
    reader.close()
    return tuple(map(tuple, rows)), chunks  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("corpora")
    return write_corpus(d / "old.jsonl", 40, "old"), write_corpus(d / "new.jsonl", 60, "new")


_expected: dict[str, tuple[object, object]] = {}


def expected_states(tmp_path: Path, old: Path, new: Path, command: str) -> tuple[object, object]:
    """The state before and after an uninterrupted run of `command`, computed once in a scratch index."""
    if command in _expected:
        return _expected[command]
    scratch = tmp_path / "scratch"
    assert rag("build", "--index-dir", str(scratch), str(old)).wait() == 0
    before = state(scratch)
    assert rag(command, "--index-dir", str(scratch), str(new)).wait() == 0
    _expected[command] = (before, state(scratch))
    return _expected[command]


@pytest.mark.parametrize("command", ["build", "add"])
@pytest.mark.parametrize("point", CRASHPOINTS)
def test_killed_writer_leaves_old_or_new_index(
    tmp_path: Path, corpora: tuple[Path, Path], command: str, point: str
) -> None:
    old, new = corpora
    before, after = expected_states(tmp_path, old, new, command)
    idx = tmp_path / "idx"
    assert rag("build", "--index-dir", str(idx), str(old)).wait() == 0
    proc = rag(command, "--index-dir", str(idx), str(new), crashpoint=point)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    # the switch is the commit point: before it the old state, after it the new one
    assert state(idx) == (after if point == "after-switch" else before)
    # the lock died with the writer: running the command again cleans up and completes it
    assert rag(command, "--index-dir", str(idx), str(new)).wait() == 0
    assert state(idx) == after
    assert not any(p.name.startswith(".tmp-") for p in (idx / "generations").iterdir())


def test_killed_at_random_moments_never_mixes_states(tmp_path: Path, corpora: tuple[Path, Path]) -> None:
    old, new = corpora
    before, after = expected_states(tmp_path, old, new, "add")
    idx = tmp_path / "idx"
    assert rag("build", "--index-dir", str(idx), str(old)).wait() == 0
    seen = set()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 2.0):
        proc = rag("add", "--index-dir", str(idx), str(new))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = state(idx)
        assert now in (before, after), f"killed after {delay}s: a mixed state"
        seen.add(now == after)
        if now == after:  # start the next round from the old state again
            assert rag("build", "--index-dir", str(idx), str(old)).wait() == 0
    assert state(idx) in (before, after)


WRITE_POINTS = ["before-publish", "before-switch", "after-switch"]


@pytest.mark.parametrize("point", WRITE_POINTS)
def test_killed_remove_in_place_leaves_old_or_new_index(
    tmp_path: Path, corpora: tuple[Path, Path], point: str
) -> None:
    old, new = corpora
    idx = tmp_path / "idx"
    assert rag("build", "--index-dir", str(idx), str(old)).wait() == 0
    assert rag("add", "--index-dir", str(idx), str(new)).wait() == 0  # delta rows and base rows
    before = state(idx)
    ids = ["n0", "n7", "n55"]  # n0, n7 in the base and the delta (updated), n55 only in the delta
    proc = rag("remove", "--index-dir", str(idx), *ids, crashpoint=point)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    now = state(idx)
    if point == "after-switch":
        assert {a for a, _ in now[0]} == {a for a, _ in before[0]} - set(ids)
        return
    assert now == before
    assert rag("remove", "--index-dir", str(idx), *ids).wait() == 0
    assert {a for a, _ in state(idx)[0]} == {a for a, _ in before[0]} - set(ids)


@pytest.mark.parametrize("point", ["mid-embedding", *WRITE_POINTS])
def test_killed_compaction_loses_nothing(tmp_path: Path, corpora: tuple[Path, Path], point: str) -> None:
    """A compaction changes where vectors live, not what the index holds: killed anywhere, the index
    opens with the same articles and vectors (the old generation with its delta, or the new one)."""
    old, new = corpora
    idx = tmp_path / "idx"
    assert rag("build", "--index-dir", str(idx), str(old)).wait() == 0
    assert rag("add", "--index-dir", str(idx), str(new)).wait() == 0
    before = state(idx)
    proc = rag("compact", "--index-dir", str(idx), crashpoint=point)
    code = proc.wait(timeout=60)
    assert code == (0 if point == "mid-embedding" else -signal.SIGKILL)  # a compaction embeds nothing
    assert state(idx) == before
    assert rag("compact", "--index-dir", str(idx)).wait() == 0
    assert state(idx) == before
    assert (idx / "CURRENT").read_text().strip() != "gen-000001"
