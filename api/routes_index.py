"""The index and the server itself: background rebuild, status, health, readiness, metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, JobsDep, MetricsDep, SettingsDep, WriteAuth
from api.schemas import IndexOut, JobOut
from index.errors import IndexNotFound, RagError
from index.ingest import build
from index.lock import WriterLock
from index.reader import IndexReader
from index.writer import Progress
from rag.service import Assistant

router = APIRouter(tags=["index"])


def _reader_or_none(assistant: Assistant) -> IndexReader | None:
    try:
        return assistant.reader()
    except IndexNotFound:
        return None


def _ensure_unlocked(settings: SettingsDep) -> None:
    """IndexLocked (409) now rather than a job that fails at once: `rag build` may hold the lock."""
    lock = WriterLock(settings.index_dir)
    lock.acquire()
    lock.release()


@router.post("/index/rebuild", status_code=202, response_model=JobOut, dependencies=[WriteAuth])
def rebuild(assistant: AssistantDep, settings: SettingsDep, jobs: JobsDep, response: Response) -> Any:
    """Rebuild from RAG_ARTICLES_PATH in the background; queries use the old index until it is done."""
    source = settings.articles_path
    if not source.exists():
        message = f"articles path {source} does not exist (set RAG_ARTICLES_PATH)"
        raise HTTPException(409, {"code": "articles_path_missing", "message": message})
    _ensure_unlocked(settings)

    def work(progress: Progress) -> Any:
        return build(settings.index_dir, [source], assistant.embedder, settings.chunking(), progress)

    job = jobs.start(work)
    response.headers["Location"] = "/index"
    return jobs.snapshot() or {"id": job.id}


@router.get("/index", response_model=IndexOut)
def index_status(assistant: AssistantDep, settings: SettingsDep, jobs: JobsDep) -> Any:
    """The served generation's manifest (null before the first build) and the last rebuild job."""
    reader = _reader_or_none(assistant)
    return {
        "index_dir": str(settings.index_dir),
        "manifest": reader.manifest.to_dict() if reader is not None else None,
        "job": jobs.snapshot(),
    }


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (says nothing about the index: see /ready)."""
    return {"status": "ok"}


@router.get("/ready")
def ready(assistant: AssistantDep) -> dict[str, Any]:
    """200 when an index opens with the configured model, else 503 with a hint."""
    reader = assistant.reader()
    m = reader.manifest
    return {"status": "ready", "generation": m.generation, "articles": m.articles, "chunks": m.chunks}


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(assistant: AssistantDep, metrics: MetricsDep) -> Response:
    """Prometheus text format: requests and latency per route, index size, answers and abstentions."""
    try:
        reader: IndexReader | None = await run_in_threadpool(assistant.reader)
    except RagError:
        reader = None
    return Response(metrics.render(reader), media_type="text/plain; version=0.0.4; charset=utf-8")
