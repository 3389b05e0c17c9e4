"""`make run ARTICLES=path` serves those articles: the index-preparing line of the recipe, taken from a
dry run (`make -n`, which executes nothing) and run against a stub `rag` that records its calls."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUB = """#!/bin/sh
echo "$1 $4" >> "$(dirname "$0")/calls"
[ "$4" = bad ] && exit 1
if [ "$1" = build ]; then mkdir -p "$3"; n=$(cat "$3/CURRENT" 2>/dev/null | tr -dc 0-9); \
echo "gen-$(( ${n:-0} + 1 ))" > "$3/CURRENT"; fi
exit 0
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make for `make -n`")


def recipe(index_dir: Path, stub: Path, articles: str | None) -> str:
    """The shell line(s) `make run` would run before `rag serve`, with `rag` replaced by the stub."""
    args = ["make", "-n", "-C", str(ROOT), "run", f"INDEX_DIR={index_dir}"]
    env = {k: v for k, v in os.environ.items() if k != "ARTICLES"}
    if articles is not None:
        args.append(f"ARTICLES={articles}")
    lines = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout.splitlines()
    prepare = [line for line in lines if str(index_dir) in line and " serve " not in line]
    assert prepare, lines
    return "\n".join(prepare).replace(".venv/bin/rag", str(stub))


def run(index_dir: Path, stub: Path, articles: str | None) -> int:
    return subprocess.run(["sh", "-c", recipe(index_dir, stub, articles)], cwd=stub.parent).returncode


def test_articles_given_are_served_not_an_older_index(tmp_path: Path) -> None:
    stub = tmp_path / "rag"
    stub.write_text(STUB)
    stub.chmod(0o755)
    idx = tmp_path / "idx"
    calls = tmp_path / "calls"
    assert run(idx, stub, "a") == 0  # no index: built
    assert run(idx, stub, "a") == 0  # built from a: brought up to date only
    assert run(idx, stub, "b") == 0  # an index of a exists: rebuilt from b
    assert calls.read_text().split("\n")[:3] == ["build a", "add a", "build b"]
    assert (idx / "BUILT_FROM").read_text().strip().endswith("/b")
    assert run(idx, stub, "bad") != 0  # nothing new built: stop rather than serve b's articles
    assert not (idx / "BUILT_FROM").exists()


def test_plain_make_run_keeps_an_existing_index(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    line = recipe(idx, tmp_path / "rag", None)
    assert line.startswith(f"test -f {idx}/CURRENT ||") and "examples/articles" in line
