"""Hostile and huge input files: refused whole by size, article length or record count, with bounded
memory and a bounded failure report, while the good files beside them are read."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from index.limits import DEFAULT_LIMITS, ReadLimits
from index.sources import read_paths
from rag.library import limits_of
from rag.settings import Settings


def good(folder: Path) -> Path:
    path = folder / "good.jsonl"
    path.write_text(json.dumps({"id": "g1", "title": "Harbour", "text": "The harbour reopened."}) + "\n")
    return path


def line(i: int, text: str = "Ferries run again.") -> str:
    return json.dumps({"id": f"r{i}", "title": f"Story {i}", "text": text}) + "\n"


def test_a_gzip_that_unpacks_past_the_limit_is_refused_and_the_rest_is_read(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        for _ in range(8):
            f.write(b" " * (1 << 20))  # 8 MiB unpacked, a few KB packed
    good(tmp_path)
    result = read_paths([tmp_path], ReadLimits(max_file_bytes=1 << 20))
    assert [a.id for a in result.articles] == ["g1"]
    [failure] = result.failures
    assert failure.path == str(bomb) and "unpacks to more than 1 MiB" in failure.error
    assert "RAG_MAX_FILE_BYTES" in failure.error


def test_a_huge_text_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(200 << 20)  # 200 MB, sparse: reading it would take seconds and 200 MB
    good(tmp_path)
    t0 = time.perf_counter()
    result = read_paths([tmp_path])
    assert time.perf_counter() - t0 < 5
    assert [a.id for a in result.articles] == ["g1"]
    [failure] = result.failures
    assert failure.path == str(huge) and "200 MiB, over the limit of 4 MiB" in failure.error
    assert "RAG_MAX_ARTICLE_CHARS" in failure.error


def test_an_article_over_the_length_limit_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(line(1) + line(2, "word " * 3000) + line(3))
    result = read_paths([path], ReadLimits(max_article_chars=10_000))
    assert [a.id for a in result.articles] == ["r1", "r3"]
    [failure] = result.failures
    assert failure.path == f"{path}:2" and "15,000 characters, over the limit of 10,000" in failure.error


def test_a_file_with_too_many_records_is_refused_whole(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(line(i) for i in range(11)))
    good(tmp_path)
    result = read_paths([tmp_path], ReadLimits(max_records=10))
    assert [a.id for a in result.articles] == ["g1"]
    [failure] = result.failures
    assert failure.path == str(path) and "more than 10 records" in failure.error


def test_failures_past_the_listed_limit_are_summed_up(tmp_path: Path) -> None:
    path = tmp_path / "dups.jsonl"
    path.write_text(line(0) * 50_000)  # the same record 50,000 times
    t0 = time.perf_counter()
    result = read_paths([path])
    elapsed = time.perf_counter() - t0
    assert [a.id for a in result.articles] == ["r0"]
    assert len(result.failures) == DEFAULT_LIMITS.max_failures_listed + 1
    assert all("duplicate id r0" in f.error for f in result.failures[:-1])
    summary = result.failures[-1]
    assert summary.path == str(path) and summary.error.startswith("and 49,979 more like it")
    assert elapsed < 10, f"{elapsed:.1f} s for 50,000 duplicate lines"


def test_the_limits_are_settings() -> None:
    limits = limits_of(Settings(max_file_bytes=2048, max_article_chars=5000, max_records=7))
    assert limits == ReadLimits(2048, 5000, 7, DEFAULT_LIMITS.max_failures_listed)
    with pytest.raises(ValueError):
        Settings(max_records=0)


@pytest.mark.slow
def test_a_1_gib_gzip_bomb_costs_bounded_memory_on_the_cli(tmp_path: Path) -> None:
    """The issue's case: 1 MB of gzip that unpacks to 1 GiB, beside a good file, through `rag build`."""
    folder = tmp_path / "in"
    folder.mkdir()
    with gzip.open(folder / "bomb.jsonl.gz", "wb", compresslevel=9) as f:
        block = b"\n" * (1 << 20)
        for _ in range(1024):
            f.write(block)
    good(folder)
    (folder / "dups.jsonl").write_text(line(0) * 20_000)
    # VmHWM, the peak of this process's own memory: ru_maxrss would carry over the pytest process's
    # size from the fork before exec (Linux keeps it across execve), ~1 GB late in a full run
    code = (
        "import re, sys\n"
        "from rag.cli import main\n"
        "try:\n    main()\n"
        "finally:\n"
        "    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
        "    print('maxrss_kb', hwm, file=sys.stderr)\n"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, "build", "--json", "--index-dir", str(tmp_path / "idx"), str(folder)],
        env={**os.environ, "RAG_MODEL": "fake"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - t0
    assert done.returncode == 1  # some files failed; the rest was indexed
    report = json.loads(done.stdout)
    assert report["added"] == 2 and len(report["failed"]) == 1 + 20 + 1
    maxrss_mb = int(done.stderr.rsplit("maxrss_kb", 1)[1]) / 1024
    print(
        f"1 GiB gzip bomb + 20,000 duplicate lines: {elapsed:.1f} s, peak RSS {maxrss_mb:.0f} MB, "
        f"stdout {len(done.stdout)} bytes, stderr {len(done.stderr)} bytes"
    )
    assert maxrss_mb < 1000 and len(done.stderr) < 20_000 and len(done.stdout) < 20_000


def test_an_article_posted_over_the_length_limit_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    from api_support import make_settings, served

    settings = make_settings(tmp_path).updated(max_article_chars=1000)
    with contextmanager(served)(settings) as client:
        before = client.get("/index").json()["manifest"]["generation"]
        r = client.post("/articles", json={"id": "big", "title": "Big", "text": "word " * 500})
        assert r.status_code == 422 and "RAG_MAX_ARTICLE_CHARS" in r.json()["error"]["message"]
        assert client.get("/index").json()["manifest"]["generation"] == before
        assert (
            client.post("/articles", json={"id": "ok", "title": "Ok", "text": "A short one."}).status_code
            == 200
        )
