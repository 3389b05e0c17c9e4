"""The FastAPI application: `create_app(settings)` and the uvicorn factory `api.app:app_factory`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.errors import BodySizeLimit, ConcurrencyLimit, install_error_handlers
from api.metrics import Metrics, MetricsMiddleware
from api.routes_articles import router as articles_router
from api.routes_chat import router as chat_router
from api.routes_index import router as index_router
from api.routes_openai import router as openai_router
from api.schemas import ErrorOut
from index.errors import RagError
from rag.service import Assistant
from rag.settings import Settings, get_settings

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
UNLIMITED_PATHS = ("/health", "/ready", "/metrics")  # answered even when overloaded


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: the environment's). The embedder loads once, in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assistant = Assistant(settings)
        await run_in_threadpool(lambda: assistant.embedder)  # the model loads once, here
        app.state.assistant = assistant
        try:  # open the index now rather than in the first query; without one, /ready says what to do
            reader = await run_in_threadpool(assistant.reader)
            log.info("serving %s (%s, model %s)", settings.index.dir, reader.generation, settings.index.model)
        except RagError as e:
            log.warning("not ready: %s", e)
        yield
        if not assistant.jobs.join(timeout=0):
            log.warning("shutting down during a rebuild: it is abandoned, the index keeps its old generation")

    app = FastAPI(
        title="newsrag",
        version="0.1.0",
        summary="Cited answers from news articles, or a plain statement that they do not say.",
        lifespan=lifespan,
        responses={
            "4XX": {"model": ErrorOut, "description": "The request cannot be served as sent"},
            "5XX": {"model": ErrorOut, "description": "No index yet (503 with a hint), overloaded, or a bug"},
        },
    )
    app.state.settings = settings
    app.state.metrics = Metrics()

    install_error_handlers(app)
    for router in (chat_router, openai_router, articles_router, index_router):
        app.include_router(router)
    _add_chat_page(app)

    # the last added runs first: metrics see every answer, the limits answer before routing
    app.add_middleware(BodySizeLimit, max_bytes=settings.server.max_body_bytes)
    app.add_middleware(
        ConcurrencyLimit, max_in_flight=settings.server.max_concurrency, exempt=UNLIMITED_PATHS
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app


def _add_chat_page(app: FastAPI) -> None:
    page = STATIC_DIR / "index.html"

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        if not page.is_file():
            raise HTTPException(404, {"code": "not_found", "message": "the chat page is not installed"})
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def app_factory() -> FastAPI:
    """For `uvicorn --factory api.app:app_factory`: settings from the environment (RAG_*)."""
    return create_app(get_settings())
