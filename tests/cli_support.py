"""Running the `rag` command line as a user does: a subprocess, its exit code, stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys


def rag(*args: str, model: str = "fake") -> subprocess.CompletedProcess[str]:
    """`rag ARGS…` in a fresh interpreter (RAG_MODEL=`model`), its output captured; 120 s at most."""
    return subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", *args],
        env={**os.environ, "RAG_MODEL": model},
        capture_output=True,
        text=True,
        timeout=120,
    )
