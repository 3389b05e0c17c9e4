"""The `rag` command line. Commands live in modules by topic; importing them registers them."""

from __future__ import annotations

import sys

from index.errors import RagError
from rag.cli import eval_cmd, index_cmds, query_cmds, serve_cmd  # noqa: F401  (registers commands)
from rag.cli.app import app, err


def main() -> None:
    try:
        app()
    except RagError as e:
        err.print(f"error ({e.code}): {e}", markup=False, highlight=False, style="red")
        sys.exit(1)
