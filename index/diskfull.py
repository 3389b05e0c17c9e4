"""A full disk during a write: recognised whichever layer noticed it, reported as one clear error.

SQLite says SQLITE_FULL ("database or disk is full"), Python's file API OSError(ENOSPC) (or EDQUOT
over a quota). Every write path (`index.ingest`) runs inside `reporting_disk_full`, after the writer
has removed its staging folder, so the user sees "no space left on the index disk" instead of a
traceback, and HTTP clients a 507 (api/errors.py).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexDiskFull

_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def is_disk_full(exc: BaseException) -> bool:
    """True for the errors a full disk (or an exhausted quota) raises in the write path."""
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in _ERRNOS


def _free(index_dir: Path) -> str:
    try:
        return f"{shutil.disk_usage(index_dir).free / 2**20:.0f} MiB free"
    except OSError:
        return "free space unknown"


@contextmanager
def reporting_disk_full(index_dir: Path) -> Iterator[None]:
    """Turn a full-disk error raised inside the block into IndexDiskFull naming the index folder."""
    try:
        yield
    except (OSError, sqlite3.Error) as e:
        if not is_disk_full(e):
            raise
        raise IndexDiskFull(
            f"no space left on the index disk ({index_dir}, {_free(index_dir)}): nothing was changed; "
            "free some space and try again"
        ) from e
