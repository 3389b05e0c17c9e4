"""Bounds on what one input file may cost: its (unpacked) size, an article's length, its record count,
and how many of its failures are listed one by one.

A file over a limit is refused whole, with the limit and its setting named, before it is parsed, so a
hostile or mistaken file (a gzip bomb, a 200 MB .txt, a million duplicate lines) costs seconds and
bounded memory, and the good files beside it are read and indexed as usual.

    limits = ReadLimits(max_file_bytes=64 << 20)
    data = read_bounded(path, "jsonl.gz", limits)   # BadArticle when it unpacks to more
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import BadArticle

MiB = 1 << 20
# a single-article file may be this many bytes per allowed character: UTF-8 takes up to 4 bytes a
# character, and an HTML page carries markup around its text
BYTES_PER_CHAR = {"text": 4, "html": 16}


@dataclass(frozen=True)
class ReadLimits:
    """Settings `index.max_file_bytes`, … (RAG_MAX_FILE_BYTES, RAG_MAX_ARTICLE_CHARS, RAG_MAX_RECORDS,
    RAG_MAX_FAILURES_LISTED)."""

    max_file_bytes: int = 256 * MiB  # one file's bytes, after decompression
    max_article_chars: int = 1_000_000  # one article's text (a long feature is ~50,000)
    max_records: int = 200_000  # records (JSON objects, lines, feed entries) in one file
    max_failures_listed: int = 20  # failures of one file reported one by one; the rest are counted


DEFAULT_LIMITS = ReadLimits()


def _size(n: int) -> str:
    return f"{n / MiB:,.0f} MiB" if n >= MiB else f"{n:,} bytes"


def read_bounded(path: Path, kind: str, limits: ReadLimits) -> bytes:
    """The file's bytes (gunzipped for "jsonl.gz"); BadArticle when over the limit for its kind.

    A plain file is measured before it is read; a gzip file is unpacked once in 1 MiB steps and
    counted (nothing kept) before it is unpacked for real, so a bomb costs CPU, never memory."""
    limit = limits.max_file_bytes
    setting = "RAG_MAX_FILE_BYTES"
    if kind in BYTES_PER_CHAR:
        limit = min(limit, BYTES_PER_CHAR[kind] * limits.max_article_chars)
        setting = "RAG_MAX_ARTICLE_CHARS" if limit < limits.max_file_bytes else setting
    try:
        if kind == "jsonl.gz":
            unpacked = _gunzipped_size(path, limit)
            if unpacked > limit:
                raise BadArticle(f"unpacks to more than {_size(limit)}, over the limit ({setting})")
            with gzip.open(path, "rb") as f:
                return f.read()
        size = os.stat(path).st_size
        if size > limit:
            raise BadArticle(f"file is {_size(size)}, over the limit of {_size(limit)} ({setting})")
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as e:
        if kind == "jsonl.gz" and not isinstance(e, FileNotFoundError | PermissionError):
            raise BadArticle(f"not a valid gzip file: {e}") from e
        raise BadArticle(f"cannot read file: {getattr(e, 'strerror', None) or e}") from e


def _gunzipped_size(path: Path, limit: int) -> int:
    """Bytes the gzip file unpacks to, counting stopped just past `limit`."""
    total = 0
    with gzip.open(path, "rb") as f:
        while total <= limit:
            block = f.read(MiB)
            if not block:
                break
            total += len(block)
    return total


def check_text(record: object, limits: ReadLimits) -> None:
    """BadArticle when a record's text is longer than `max_article_chars` (checked before cleaning)."""
    text = record.get("text") if isinstance(record, dict) else None
    if isinstance(text, str) and len(text) > limits.max_article_chars:
        raise BadArticle(
            f"article text is {len(text):,} characters, over the limit of {limits.max_article_chars:,} "
            "(RAG_MAX_ARTICLE_CHARS)"
        )


def capped(items: Iterator[Any], limits: ReadLimits) -> Iterator[Any]:
    """The items of one file; BadArticle (the file refused whole) once it holds more than `max_records`."""
    for count, item in enumerate(items, start=1):
        if count > limits.max_records:
            raise BadArticle(
                f"more than {limits.max_records:,} records in one file (RAG_MAX_RECORDS): split the file "
                "or raise the limit"
            )
        yield item


@dataclass
class FailureBudget:
    """Lists the first `limit` failures of each file; counts the rest ("and 12,345 more like it")."""

    limit: int
    unlisted: dict[str, tuple[int, str]] = field(default_factory=dict)  # file -> (count, first reason)
    listed: dict[str, int] = field(default_factory=dict)  # file -> failures listed so far

    def admit(self, file: str, error: str) -> bool:
        """True when this failure is to be listed; otherwise it is counted for `summary`."""
        if self.listed.get(file, 0) < self.limit:
            self.listed[file] = self.listed.get(file, 0) + 1
            return True
        count, first = self.unlisted.get(file, (0, error))
        self.unlisted[file] = (count + 1, first)
        return False

    def summary(self, file: str) -> str | None:
        """The line that stands for the unlisted failures of `file`, if any."""
        if file not in self.unlisted:
            return None
        count, first = self.unlisted.pop(file)
        return f"and {count:,} more like it (not listed, RAG_MAX_FAILURES_LISTED); the first: {first}"
