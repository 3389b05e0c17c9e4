"""What the benchmarks share: the machine description and cached indexes outside git."""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

from index.manifest import FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[1]
MODEL_HELP = "RAG_MODEL value (default all-MiniLM-L6-v2: ONNX int8; …@onnx-fp32, …@torch)"
SHARED = ROOT.parent / "shared"
CACHE = Path(os.environ.get("NEWSRAG_BENCH_CACHE", ROOT / "bench" / ".cache"))


def index_recipe(fingerprint: str) -> str:
    """What a cached dev index depends on: the embedder, the index format, and the code that splits
    sentences and finds typed spans (a change to either must rebuild, not reuse, the index)."""
    code = b"".join((ROOT / "index" / f).read_bytes() for f in ("annotate.py", "sentences.py", "chunking.py"))
    digest = hashlib.sha256(code + f"{FORMAT_VERSION}".encode()).hexdigest()[:10]
    return f"{fingerprint}-v{FORMAT_VERSION}-{digest}"


def machine() -> str:
    import torch  # here, not at import: bench/embed_runtime.py times processes that never load torch

    cpus = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.machine()} {platform.processor() or ''} {cpus} cpus{mem}; "
        f"Python {platform.python_version()}; "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )
