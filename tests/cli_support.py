"""Running the `rag` command line as a user does: a subprocess, its exit code, stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys


def rag(
    *args: str, model: str = "fake", env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`rag ARGS…` in a fresh interpreter (RAG_MODEL=`model`, plus `env`), its output captured."""
    return subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", *args],
        env={**os.environ, "RAG_MODEL": model, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
