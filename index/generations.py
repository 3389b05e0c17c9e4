"""The index directory: immutable generations and the atomically switched CURRENT pointer.

index_dir/
  CURRENT                      "gen-000007\n" — the only mutable file readers look at
  lock                         the writer's pid (see lock.py)
  generations/gen-000007/      index.sqlite, vectors.faiss, manifest.json (never modified)
  generations/.tmp-gen-000008  a generation being written; deleted if its writer died
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
from pathlib import Path

log = logging.getLogger(__name__)

POINTER = "CURRENT"
GENERATIONS = "generations"
KEEP = 2  # the current generation and the one before, for readers still holding it
_GEN = re.compile(r"^gen-(\d{6})$")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_name(index_dir: Path) -> str | None:
    """The current generation's name, or None when the index was never built."""
    try:
        name = (index_dir / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def current_path(index_dir: Path) -> Path | None:
    name = current_name(index_dir)
    return index_dir / GENERATIONS / name if name else None


def generation_number(name: str) -> int:
    m = _GEN.match(name)
    return int(m.group(1)) if m else -1


def older_generations(index_dir: Path, name: str) -> list[Path]:
    """The published generations older than `name`, newest first (fallbacks when `name` is damaged)."""
    gen_root = index_dir / GENERATIONS
    number = generation_number(name)
    found = [p for p in gen_root.iterdir() if _GEN.match(p.name)] if gen_root.exists() else []
    return sorted(
        (p for p in found if generation_number(p.name) < number), key=lambda p: p.name, reverse=True
    )


def next_name(index_dir: Path) -> str:
    gen_dir = index_dir / GENERATIONS
    numbers = [generation_number(p.name) for p in gen_dir.iterdir()] if gen_dir.exists() else []
    return f"gen-{max([0, *numbers]) + 1:06d}"


def staging_dir(index_dir: Path, name: str) -> Path:
    path = index_dir / GENERATIONS / f".tmp-{name}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def publish(index_dir: Path, staging: Path, name: str) -> Path:
    """Make a complete, fsynced staging folder the current generation. The switch is one rename."""
    gen_root = index_dir / GENERATIONS
    final = gen_root / name
    os.replace(staging, final)
    fsync_dir(gen_root)
    tmp = index_dir / f".{POINTER}.tmp"
    with open(tmp, "w") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    crashpoint("before-switch")
    os.replace(tmp, index_dir / POINTER)
    fsync_dir(index_dir)
    crashpoint("after-switch")
    return final


def collect_garbage(index_dir: Path) -> None:
    """Remove dead staging folders and all but the newest KEEP generations. Call with the writer lock."""
    gen_root = index_dir / GENERATIONS
    if not gen_root.exists():
        return
    current = current_name(index_dir)
    cur_no = generation_number(current) if current else 0
    gens = sorted((p for p in gen_root.iterdir() if _GEN.match(p.name)), key=lambda p: p.name)
    # a generation newer than CURRENT was published but never switched to: its writer died in between
    live = [p for p in gens if generation_number(p.name) <= cur_no]
    keep = {p.name for p in live[-KEEP:]}
    for p in gen_root.iterdir():
        if p.name.startswith(".tmp-") or (_GEN.match(p.name) and p.name not in keep):
            log.debug("removing %s", p)
            shutil.rmtree(p, ignore_errors=True)


def crashpoint(name: str) -> None:
    """Test hook: with RAG_CRASHPOINT=name the process stops here, as if killed (see tests/test_crash.py)."""
    if os.environ.get("RAG_CRASHPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
