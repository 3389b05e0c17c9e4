"""`POST /search` and the articles: upsert (the `rag add` code path), read with chunks, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, SettingsDep, WriteAuth
from api.redact import public_report
from api.schemas import ArticleOut, ArticlesIn, IngestOut, SearchOut, SearchRequest, check_question
from index.errors import ArticleNotFound

router = APIRouter(tags=["articles"])


@router.post("/search", response_model=SearchOut)
async def search(body: SearchRequest, assistant: AssistantDep, settings: SettingsDep) -> Any:
    """Ranked passages (hybrid dense + lexical by default), with article metadata and scores."""
    check_question([(("body", "query"), body.query)], settings.server.max_question_chars)
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
def upsert_articles(body: ArticlesIn, assistant: AssistantDep, settings: SettingsDep) -> Any:
    """Add or replace articles by id; answerable as soon as this returns. 409 while the index is locked."""
    records = [a.model_dump() for a in (body if isinstance(body, list) else [body])]
    report, ids = assistant.upsert(records, "body")
    return {**public_report(report.to_dict(), settings), "ids": ids}


@router.get("/articles/{article_id:path}", response_model=ArticleOut)
def get_article(article_id: str, assistant: AssistantDep) -> Any:
    """The article with its full text and its chunks (offsets into the text)."""
    return assistant.article(article_id).to_dict()


@router.delete("/articles/{article_id:path}", response_model=IngestOut, dependencies=[WriteAuth])
def delete_article(article_id: str, assistant: AssistantDep) -> Any:
    """Remove an article, its chunks and vectors. 404 when the index does not hold it."""
    assistant.article(article_id)  # ArticleNotFound: no new generation for a miss
    report = assistant.remove([article_id])
    if report.missing:  # removed by someone else meanwhile
        raise ArticleNotFound(f"no article with id {article_id!r}")
    return {**report.to_dict(), "ids": [article_id]}
