"""The index and the server itself: background rebuild, status, health, readiness, metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, MetricsDep, SettingsDep, WriteAuth
from api.redact import public_job, public_manifest, public_text
from api.schemas import IndexOut, JobOut, VocabularyOut
from index.errors import RagError
from index.manifest import Manifest
from rag.answer_types import AnswerType
from rag.reasons import DESCRIPTIONS as REASONS
from rag.reasons import Reason
from rag.registry import GENERATORS, MODES

router = APIRouter(tags=["index"])


@router.post("/index/rebuild", status_code=202, response_model=JobOut, dependencies=[WriteAuth])
def rebuild(assistant: AssistantDep, response: Response) -> Any:
    """Rebuild from RAG_ARTICLES_PATH in the background; queries use the old index until it is done."""
    job = assistant.start_rebuild()
    response.headers["Location"] = "/index"
    return public_job(assistant.jobs.snapshot(), assistant.settings) or {"id": job.id}


def _manifest_or_none(assistant: AssistantDep) -> Manifest | None:
    try:
        return assistant.reader().manifest
    except RagError:
        return None


@router.get("/index", response_model=IndexOut)
def index_status(assistant: AssistantDep, settings: SettingsDep) -> Any:
    """The served generation's manifest (null before the first build) and the last rebuild job."""
    manifest = _manifest_or_none(assistant)
    return {
        "name": settings.index.public_name,
        "manifest": public_manifest(manifest) if manifest is not None else None,
        "job": public_job(assistant.jobs.snapshot(), settings),
    }


@router.get("/vocabulary", response_model=VocabularyOut)
def vocabulary(assistant: AssistantDep) -> dict[str, Any]:
    """Retrieval modes, generators, abstention reasons and answer types, from their registries."""
    return {
        "modes": [{"name": n, "description": m.description} for n, m in MODES.items()],
        "generators": [{"name": n, "description": g.description} for n, g in GENERATORS.items()],
        "configured": list(assistant.generators),
        "default_generator": assistant.settings.answer.generator,
        "reasons": [{"name": r.value, "description": REASONS[r]} for r in Reason],
        "answer_types": [t.value for t in AnswerType],
    }


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (says nothing about the index: see /ready)."""
    return {"status": "ok"}


@router.get("/ready")
def ready(assistant: AssistantDep, settings: SettingsDep) -> dict[str, Any]:
    """200 when the index opens with the configured model and answers a query, else 503 with a hint.

    `status` is "degraded", with a `warning`, while the current generation is damaged and the newest
    good one before it is served (queries work, from older data)."""
    with assistant.lease() as reader:
        reader.probe()  # IndexCorrupt (503) if its files changed under it or SQLite cannot read them
        m, fallback = reader.manifest, reader.fallback
    out: dict[str, Any] = {"status": "degraded" if fallback else "ready", "generation": m.generation}
    out.update(articles=m.articles, chunks=m.chunks)
    if fallback is not None:
        out["warning"] = public_text(fallback.warning(), settings)  # no paths: the log has them
    return out


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(assistant: AssistantDep, metrics: MetricsDep) -> Response:
    """Prometheus text format: requests and latency per route, index size, answers and abstentions."""
    manifest = await run_in_threadpool(_manifest_or_none, assistant)
    return Response(metrics.render(manifest), media_type="text/plain; version=0.0.4; charset=utf-8")
