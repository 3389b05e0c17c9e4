"""manifest.json: what a generation holds and how it was made, verified whenever it is opened."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.errors import IndexCorrupt, ModelMismatch

FORMAT = "newsrag-index"
FORMAT_VERSION = 4  # 2: every sentence embedded (sentences.faiss) and typed spans stored;
# 3: sentences split in every script (ICU), FTS5 holds the search form (index/scripts.py),
# near-duplicate signatures and clusters (near_duplicates table, index/clusters.py), and
# sentences.flag (sentences that address the assistant or the reader, index/instructions.py);
# 4: incremental writes in place (WAL database, delta_vectors and tombstones, index/delta.py; no
# checksum for the database, which changes), LSH bands in the database (index/clusters.py), and the
# store that holds the vectors (`store`: local, or milvus with its collection prefix)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dim: int
    fingerprint: str


@dataclass(frozen=True)
class Manifest:
    generation: str
    model: ModelInfo
    chunking: dict[str, Any]
    articles: int
    chunks: int
    checksums: dict[str, str]  # file name -> sha256
    sentences: int = 0
    annotator: str = "none"  # the model that found the typed spans (index/annotate.py)
    near_duplicates: dict[str, Any] = field(default_factory=dict)  # NearDuplicateParams.as_dict()
    store: dict[str, Any] = field(default_factory=lambda: {"kind": "local"})  # StoreConfig.manifest_entry()
    # file name -> [size, mtime ns] when written: a cheap check that a file is as written (verify_stamps)
    stamps: dict[str, list[int]] = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(**{**data, "model": ModelInfo(**data["model"])})


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(folder: Path, manifest: Manifest) -> None:
    path = folder / MANIFEST
    with open(path, "w") as f:
        json.dump(manifest.to_dict(), f, indent=2)
        f.flush()
        os.fsync(f.fileno())


def read_manifest(folder: Path, verify: bool = True) -> Manifest:
    """Load and (by default) verify a generation's manifest; IndexCorrupt says what is wrong."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as e:
        raise IndexCorrupt(f"{path} is missing: the generation is incomplete") from e
    except json.JSONDecodeError as e:
        raise IndexCorrupt(f"{path} is not valid JSON: {e}") from e
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        raise IndexCorrupt(
            f"{path}: unsupported index format {data.get('format')!r} v{data.get('format_version')} "
            f"(this newsrag reads {FORMAT} v{FORMAT_VERSION}); rebuild with `rag build`"
        )
    try:
        manifest = Manifest.from_dict(data)
    except (TypeError, KeyError) as e:
        raise IndexCorrupt(f"{path} lacks a field: {e}") from e
    if verify:
        for name, digest in manifest.checksums.items():
            file = folder / name
            if not file.exists():
                raise IndexCorrupt(f"{file} is missing")
            if sha256_file(file) != digest:
                raise IndexCorrupt(f"{file} does not match its checksum in {MANIFEST}")
    return manifest


def stamp_of(path: Path) -> list[int]:
    """[size, mtime in ns] of a file, as `Manifest.stamps` records it."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def verify_stamps(folder: Path, manifest: Manifest) -> None:
    """IndexCorrupt unless every checksummed file is as it was written: without reading it when its size
    and modification time are the recorded ones (a write in place must not hash gigabytes), else by its
    checksum (a copied folder has other times but the same bytes)."""
    for name, digest in manifest.checksums.items():
        file = folder / name
        try:
            stamp = stamp_of(file)
        except FileNotFoundError as e:
            raise IndexCorrupt(f"{file} is missing") from e
        recorded = manifest.stamps.get(name)
        if recorded is not None and stamp[0] != recorded[0]:
            raise IndexCorrupt(f"{file} has {stamp[0]} bytes, not the {recorded[0]} written")
        if stamp != recorded and sha256_file(file) != digest:
            raise IndexCorrupt(f"{file} does not match its checksum in {MANIFEST}")


def check_model(manifest: Manifest, name: str, dim: int, fingerprint: str) -> None:
    """Refuse an index embedded by another model: its vectors would be silent garbage."""
    m = manifest.model
    if m.name != name:
        # "all-MiniLM-L6-v2" without "@runtime": built by torch before the runtime was part of the name
        legacy = m.name == name.partition("@")[0]
        advice = (
            "it was embedded before the runtime was recorded: rebuild it with `rag build`"
            if legacy
            else "set RAG_MODEL to match or rebuild with `rag build`"
        )
        raise ModelMismatch(
            f"the index was built with model {m.name!r} (dim {m.dim}) but {name!r} (dim {dim}) is "
            f"configured; {advice}"
        )
    if m.dim != dim:
        raise ModelMismatch(
            f"the index has dimension {m.dim} but model {name!r} gives {dim}; rebuild the index"
        )
    if m.fingerprint != fingerprint:
        raise ModelMismatch(
            f"model {name!r} differs from the one that built the index (fingerprint {fingerprint} != "
            f"{m.fingerprint}); rebuild with `rag build`"
        )
