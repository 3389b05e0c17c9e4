"""Throw-away indexes for evaluation, cached by what they are made of.

cache_root/
  <key>/           an index directory (CURRENT, generations/…), complete: it is renamed into place
  .tmp-<key>-<pid> one being built; left behind only by a crash, removed by the next run

key = sha256 of (every article file's relative path and bytes, the embedder's fingerprint, the
chunking parameters, the index format version), so a changed article, model or chunking builds anew
and an unchanged one is reused without embedding anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from index.chunking import ChunkingParams
from index.embedding import Embedder
from index.errors import BadArticle
from index.generations import current_name
from index.ingest import build
from index.manifest import FORMAT_VERSION
from index.search_backends import LOCAL, StoreConfig
from index.writer import Progress

log = logging.getLogger(__name__)

DEFAULT_ROOT = Path("~/.cache/newsrag/eval")


@dataclass(frozen=True)
class CachedIndex:
    index_dir: Path
    key: str
    cached: bool  # True: reused as found, nothing embedded
    chunks_embedded: int
    build_seconds: float


def _files(source: Path) -> list[tuple[str, Path]]:
    """(name used in the key, path) of every non-hidden file under `source`, sorted."""
    if source.is_file():
        return [(source.name, source)]
    if not source.is_dir():
        raise BadArticle(f"{source}: no such file or directory")
    found = [
        (p.relative_to(source).as_posix(), p)
        for p in source.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts)
    ]
    return sorted(found)


def cache_key(source: Path, embedder: Embedder, params: ChunkingParams, store: str = "local") -> str:
    h = hashlib.sha256()
    kind = [] if store == "local" else [store]  # local keys as before: their cached indexes stay valid
    h.update(json.dumps([FORMAT_VERSION, embedder.fingerprint(), params.as_dict(), *kind]).encode())
    for name, path in _files(source):
        h.update(f"\0{name}\0{path.stat().st_size}\0".encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:20]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(root: Path) -> None:
    for tmp in root.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            log.info("removing %s, left by a build that did not finish", tmp)
            shutil.rmtree(tmp, ignore_errors=True)


def lookup(
    source: Path,
    embedder: Embedder,
    params: ChunkingParams,
    root: Path = DEFAULT_ROOT,
    store: StoreConfig = LOCAL,
) -> CachedIndex | None:
    """The complete cached index of these articles, or None when it has to be built."""
    return _complete(root.expanduser(), cache_key(source, embedder, params, store.kind))


def eval_store(store: StoreConfig, key: str) -> StoreConfig:
    """The store a cached evaluation index is built on: with Milvus, collections of its own
    (prefix eval_<key>), so that cached indexes never share a collection."""
    return store if store.kind == "local" else replace(store, prefix=f"eval_{key}")


def _complete(root: Path, key: str) -> CachedIndex | None:
    final = root / key
    if current_name(final) is None:
        return None
    return CachedIndex(final, key, cached=True, chunks_embedded=0, build_seconds=0.0)


def cached_index(
    source: Path,
    embedder: Embedder,
    params: ChunkingParams,
    root: Path = DEFAULT_ROOT,
    progress: Progress | None = None,
    store: StoreConfig = LOCAL,
) -> CachedIndex:
    """The index of the articles under `source`, built once per content and reused afterwards.

    It is built in a temporary folder and renamed into place when complete, so a crash never leaves a
    half index to be reused. Files that cannot be read are logged and left out, as `rag build` does.
    """
    root = root.expanduser()
    key = cache_key(source, embedder, params, store.kind)
    found = _complete(root, key)
    if found is not None:
        log.info("reusing the cached index %s", found.index_dir)
        return found
    final = root / key
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root)
    tmp = root / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        report = build(tmp, [source], embedder, params, progress, store=eval_store(store, key))
        for failure in report.failed:
            log.warning("left out of the evaluation index: %s: %s", failure.path, failure.error)
        if final.exists():  # an incomplete leftover, or a concurrent run that finished first
            if current_name(final) is not None:
                shutil.rmtree(tmp, ignore_errors=True)
                return CachedIndex(final, key, False, report.chunks_embedded, report.seconds)
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("built the evaluation index %s: %d chunks in %.1f s", final, report.chunks, report.seconds)
    return CachedIndex(final, key, False, report.chunks_embedded, report.seconds)
