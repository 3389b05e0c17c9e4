"""`POST /search` and the articles: upsert (the `rag add` code path), read with chunks, delete."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, SettingsDep, WriteAuth, WriteLockDep
from api.schemas import ArticleOut, ArticlesIn, IngestOut, SearchOut, SearchRequest, check_question
from index.errors import ArticleNotFound
from index.ingest import add_articles, remove
from index.readers import articles_from_records
from rag.service import Assistant

router = APIRouter(tags=["articles"])
T = TypeVar("T")


def _serialised(lock: threading.Lock, write: Callable[[], T]) -> T:
    # writes from this server queue up here; a writer in another process (or a rebuild) gives 409
    with lock:
        return write()


@router.post("/search", response_model=SearchOut)
async def search(body: SearchRequest, assistant: AssistantDep, settings: SettingsDep) -> Any:
    """Ranked passages (hybrid dense + lexical by default), with article metadata and scores."""
    check_question([(("body", "query"), body.query)], settings.max_question_chars)
    result = await run_in_threadpool(
        assistant.search,
        body.query,
        k=body.k,
        mode=body.mode,
        filters=body.filters(),
        per_article=body.per_article,
    )
    return {
        "query": body.query,
        "passages": [p.to_dict() for p in result.passages],
        "timings": result.timings,
    }


@router.post("/articles", response_model=IngestOut, dependencies=[WriteAuth])
def upsert_articles(
    body: ArticlesIn, assistant: AssistantDep, settings: SettingsDep, lock: WriteLockDep
) -> Any:
    """Add or replace articles by id; answerable as soon as this returns. 409 while the index is locked."""
    records = [a.model_dump() for a in (body if isinstance(body, list) else [body])]
    articles = articles_from_records(records, "body")
    report = _serialised(
        lock, lambda: add_articles(settings.index_dir, articles, assistant.embedder, settings.chunking())
    )
    return {**report.to_dict(), "ids": [a.id for a in articles]}


def _require_article(assistant: Assistant, article_id: str) -> None:
    if assistant.reader().db.article(article_id) is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")


@router.get("/articles/{article_id:path}", response_model=ArticleOut)
def get_article(article_id: str, assistant: AssistantDep) -> Any:
    """The article with its full text and its chunks (offsets into the text)."""
    reader = assistant.reader()
    article = reader.db.article(article_id)
    if article is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    chunks = [asdict(c) for c in reader.db.chunks_of(article_id)]
    return {**asdict(article), "generation": reader.generation, "chunks": chunks}


@router.delete("/articles/{article_id:path}", response_model=IngestOut, dependencies=[WriteAuth])
def delete_article(
    article_id: str, assistant: AssistantDep, settings: SettingsDep, lock: WriteLockDep
) -> Any:
    """Remove an article, its chunks and vectors. 404 when the index does not hold it."""
    _require_article(assistant, article_id)  # no new generation for a miss
    report = _serialised(lock, lambda: remove(settings.index_dir, [article_id], assistant.embedder))
    if report.missing:  # removed by someone else meanwhile
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return {**report.to_dict(), "ids": [article_id]}
