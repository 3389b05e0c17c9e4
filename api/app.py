"""The FastAPI application: `create_app(settings)` and the uvicorn factory `api.app:app_factory`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import install_error_handlers
from api.limits import BufferedBody, ConcurrencyLimit, LoopbackGuard
from api.metrics import Metrics, MetricsMiddleware
from api.routes_articles import router as articles_router
from api.routes_chat import router as chat_router
from api.routes_index import router as index_router
from api.routes_openai import router as openai_router
from api.schemas import ErrorOut
from index.errors import RagError
from rag.service import Assistant
from rag.settings import Settings, get_settings, is_loopback

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
UNLIMITED_PATHS = ("/health", "/ready", "/metrics")  # answered even when overloaded


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: the environment's). The embedder loads once, in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_bind(settings)
        assistant = Assistant(settings)
        assistant.compact_in_background = True  # a write's request never waits for a compaction
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

    app = FastAPIOffline(  # /docs and /redoc with their assets from the package, not a CDN
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

    # the last added runs first: metrics see every answer, the limits answer before routing; a
    # request takes an answering slot only once its whole body is in (slow uploads hold none)
    server = settings.server
    app.add_middleware(ConcurrencyLimit, max_in_flight=server.max_concurrency, exempt=UNLIMITED_PATHS)
    app.add_middleware(BufferedBody, max_bytes=server.max_body_bytes, timeout=server.body_timeout)
    app.add_middleware(LoopbackGuard, server=server)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(StartupMessage)
    return app


class StartupMessage:
    """A failed start (UnsafeBind, a generator not set up, …) is reported by its message, not by the
    traceback Starlette sends as `lifespan.startup.failed`'s message (uvicorn logs it as it is)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def short(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed" and message.get("message"):
                lines = [line for line in str(message["message"]).splitlines() if line.strip()]
                name, _, text = lines[-1].partition(": ")
                message = {**message, "message": f"{name.rsplit('.', 1)[-1]}: {text}" if text else lines[-1]}
            await send(message)

        await self.app(scope, receive, short)


class UnsafeBind(RuntimeError):
    """The server would listen beyond loopback without an API key."""


def check_bind(settings: Settings) -> None:
    """UnsafeBind (the server does not start) for a non-loopback RAG_HOST without RAG_API_KEY.

    Here, in the lifespan, so that it holds whatever starts the app; a server started on another
    interface than RAG_HOST says (uvicorn --host) is caught per request by api.limits.LoopbackGuard.
    """
    if not is_loopback(settings.server.host) and settings.server.key is None:
        message = (
            f"refusing to serve on {settings.server.host} without an API key: set RAG_API_KEY "
            "(write endpoints then need `Authorization: Bearer $RAG_API_KEY`), or serve on 127.0.0.1"
        )
        raise UnsafeBind(message)  # reported by uvicorn (see StartupMessage)


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
