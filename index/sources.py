"""Read articles from folders and files of every supported format, reporting bad inputs by name.

    result = read_paths(["articles/", "extra/feed.rss"])
    result.articles  # list[Article], in a deterministic order
    result.failures  # list[ReadFailure(path, error)]: every other file was still read

Ids: JSON/JSONL/feed records carry their own (`id`, else `url`; feeds: guid, else link); a .txt, .md
or .html file gets its path relative to the folder being read, without suffix (`seeds/a/b.txt` read
from `seeds/` -> `a/b`), or its stem when passed directly.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from index.cleaning import clean_text
from index.dates import normalise_date
from index.errors import BadArticle
from index.formats import feed_records, html_record, text_record
from index.limits import DEFAULT_LIMITS, FailureBudget, ReadLimits, capped, check_text, read_bounded
from index.types import Article

logger = logging.getLogger(__name__)

# suffix -> format; ".jsonl.gz" is matched on the whole name
FORMATS = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl.gz",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}

# (where a record came from, the parsed record or a BadArticle saying why it could not be parsed)
_Item = tuple[str, object]


@dataclass(frozen=True)
class ReadFailure:
    path: str  # the file, or `file:lineno` / `file[index]` for one record of it
    error: str


@dataclass(frozen=True)
class ReadResult:
    articles: list[Article]
    failures: list[ReadFailure]


def read_paths(
    paths: Sequence[str | Path],
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: Callable[[int, int, str], None] | None = None,
) -> ReadResult:
    """Read every article under `paths` (folders recursively, sorted; hidden entries skipped).

    Never raises for bad input: an unreadable file or record becomes a `ReadFailure`, and a later
    article whose id was already read becomes one too ("duplicate id X, first seen in P"). A file over
    one of `limits` is refused whole (index/limits.py); a file's failures past
    `limits.max_failures_listed` are summed up in one line.
    `progress(files read, files found, "reading")` is called before the first file and after each.
    """
    if isinstance(paths, str | Path):
        paths = [paths]  # one path, not a sequence of characters
    batch = _Batch(limits=limits, budget=FailureBudget(limits.max_failures_listed))
    files: list[tuple[Path, str]] = []  # (file, its id when it holds one article)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path, batch):
                if _format_of(file) is None:
                    logger.debug("skipping %s: not an article format", file)
                    continue
                files.append((file, file.relative_to(path).with_suffix("").as_posix()))
        elif path.is_file():
            if _format_of(path) is None:
                batch.fail(str(path), f"unsupported file type {path.suffix!r} (expected {_suffixes()})")
                continue
            files.append((path, path.stem))
        elif not path.exists():
            batch.fail(str(path), "no such file or directory")
        else:
            batch.fail(str(path), "not a regular file or folder")
    for done, (file, file_id) in enumerate(files):
        if progress:
            progress(done, len(files), "reading")
        batch.read_file(file, file_id)
    if progress:
        progress(len(files), len(files), "reading")
    return ReadResult(articles=batch.articles, failures=batch.failures)


def article_from_record(record: object) -> Article:
    """Validate one record (id, title, text, date, url, source) into an Article, else raise BadArticle.

    The id falls back to the url; a record needs a title or a text. A text is cleaned (`clean_text`), a
    missing title stays "" and a missing text becomes the title. An unparseable date becomes None. A
    url must be an absolute http(s) address: it is printed as a link ("javascript:…" is refused).
    """
    if not isinstance(record, Mapping):
        raise BadArticle(f"expected a JSON object with article fields, got {_kind(record)}")
    title, text, url, source = (_string_field(record, name) for name in ("title", "text", "url", "source"))
    raw_id = record.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, str | int)):
        raise BadArticle(f"field 'id' must be a string, got {_kind(raw_id)}")
    article_id = str(raw_id).strip() if raw_id is not None else ""
    article_id = article_id or (url or "").strip()
    if not article_id:
        raise BadArticle("record has no 'id' and no 'url' to use as its id")
    url = _web_address(url, article_id)
    title = " ".join((title or "").split())
    text = clean_text(text or "")
    if not title and not text:
        raise BadArticle(f"record {article_id} has neither a title nor any text")
    return Article(
        id=article_id,
        title=title,
        text=text or title,
        date=normalise_date(record.get("date")),
        url=url,
        source=" ".join((source or "").split()) or None,
    )


def _web_address(url: str | None, article_id: str) -> str | None:
    """`url` stripped, or None; BadArticle unless it is an absolute http(s) address."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadArticle(f"record {article_id}: url {url[:80]!r} is not an http(s) address")
    return url


def articles_from_records(records: Iterable[object], origin: str) -> list[Article]:
    """Articles from records (e.g. a request body), or BadArticle naming `origin[index]` and the reason.

    Duplicate ids within `records` are an error too.
    """
    articles: list[Article] = []
    first_seen: dict[str, str] = {}
    for index, record in enumerate(records):
        where = f"{origin}[{index}]"
        try:
            article = article_from_record(record)
        except BadArticle as e:
            raise BadArticle(f"{where}: {e}") from e
        if article.id in first_seen:
            raise BadArticle(f"{where}: duplicate id {article.id}, first seen in {first_seen[article.id]}")
        first_seen[article.id] = where
        articles.append(article)
    return articles


@dataclass
class _Batch:
    """What one read_paths call has gathered so far."""

    articles: list[Article] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)
    first_seen: dict[str, str] = field(default_factory=dict)  # article id -> where it was read

    limits: ReadLimits = DEFAULT_LIMITS
    budget: FailureBudget = field(default_factory=lambda: FailureBudget(DEFAULT_LIMITS.max_failures_listed))

    def fail(self, where: str, error: str, file: str | None = None) -> None:
        """Report a failure; one of a file's records (`file` given) only within the file's budget."""
        if file is not None and not self.budget.admit(file, error):
            return
        logger.warning("cannot read %s: %s", where, error)
        self.failures.append(ReadFailure(path=where, error=error))

    def read_file(self, path: Path, file_id: str) -> None:
        """Read one file's articles; they are kept only if the whole file is within the limits."""
        file, articles = str(path), []
        seen: dict[str, str] = {}  # article id -> where, in this file
        try:
            for where, item in capped(iter(_items_of(path, file_id, self.limits)), self.limits):
                article = self._article(file, where, item, seen)
                if article is not None:
                    articles.append(article)
        except BadArticle as e:
            self.fail(file, str(e))
            self.budget.summary(file)  # the file is refused whole: its record failures do not matter
            return
        self.first_seen.update(seen)
        self.articles += articles
        if (summary := self.budget.summary(file)) is not None:
            self.failures.append(ReadFailure(path=file, error=summary))

    def _article(self, file: str, where: str, item: object, seen: dict[str, str]) -> Article | None:
        if isinstance(item, BadArticle):
            self.fail(where, str(item), file)
            return None
        raw_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(raw_id, str) and (first := self.first_seen.get(raw_id) or seen.get(raw_id)):
            self.fail(where, f"duplicate id {raw_id}, first seen in {first}", file)  # before any cleaning
            return None
        try:
            check_text(item, self.limits)
            article = article_from_record(item)
        except BadArticle as e:
            self.fail(where, str(e), file)
            return None
        if first := self.first_seen.get(article.id) or seen.get(article.id):
            self.fail(where, f"duplicate id {article.id}, first seen in {first}", file)
            return None
        seen[article.id] = where
        return article


def _items_of(path: Path, file_id: str, limits: ReadLimits = DEFAULT_LIMITS) -> Iterable[_Item]:
    """The records of one file, each with where it came from; BadArticle if the whole file is bad."""
    kind = _format_of(path) or "text"
    data = read_bounded(path, kind, limits)
    if not data.strip():
        raise BadArticle("empty file")
    if b"\x00" in data:
        raise BadArticle("binary file (contains NUL bytes): not UTF-8 text")
    where = str(path)
    if kind == "text":
        return [(where, {**text_record(_decode(data)), "id": file_id})]
    if kind == "html":
        return [(where, {**html_record(data), "id": file_id})]
    if kind == "feed":
        return [(f"{where}[{index}]", record) for index, record in enumerate(feed_records(data))]
    if kind == "json":
        return _json_items(_decode(data), where)
    return _jsonl_items(_decode(data), where)


def _json_items(content: str, where: str) -> list[_Item]:
    try:
        value = json.loads(content)
    except json.JSONDecodeError as e:
        raise BadArticle(f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    if isinstance(value, list):
        return [(f"{where}[{index}]", record) for index, record in enumerate(value)]
    if isinstance(value, dict):
        return [(where, value)]
    raise BadArticle(f"expected a JSON object or a list of objects, got {_kind(value)}")


def _jsonl_items(content: str, where: str) -> Iterator[_Item]:
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{where}:{lineno}", json.loads(line)
        except json.JSONDecodeError as e:
            yield f"{where}:{lineno}", BadArticle(f"malformed JSON line: {e.msg} at column {e.colno}")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadArticle(
            f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save the file as UTF-8"
        ) from e


def _walk(root: Path, batch: _Batch) -> Iterator[Path]:
    def report(error: OSError) -> None:
        batch.fail(str(error.filename or root), f"cannot list folder: {error.strerror or error}")

    for folder, subfolders, files in os.walk(root, onerror=report):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        return FORMATS[".jsonl.gz"]
    return FORMATS.get(Path(name).suffix)


def _suffixes() -> str:
    return ", ".join(FORMATS)


def _string_field(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    raise BadArticle(f"field {name!r} must be a string, got {_kind(value)}")


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)
