"""The one place where failures become HTTP: `{"error": {"code", "message"}}` with the right status.

Exception handlers map RagError subclasses, validation errors, HTTPExceptions and anything unexpected
(500, logged, generic message). Two ASGI middlewares produce the same envelope before a route runs:
the request body limit (413) and the in-flight request limit (503 + Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.errors import (
    ArticleNotFound,
    BadArticle,
    IndexCorrupt,
    IndexDiskFull,
    IndexLocked,
    IndexNotFound,
    ModelMismatch,
    RagError,
)
from rag.generation.llm import GeneratorNotConfigured
from rag.library import ArticlesPathMissing

log = logging.getLogger(__name__)

# the first class in an error's MRO found here decides its status
RAG_STATUS: dict[type[RagError], int] = {
    ArticleNotFound: 404,
    IndexLocked: 409,
    ArticlesPathMissing: 409,
    BadArticle: 422,
    IndexNotFound: 503,
    IndexCorrupt: 503,
    IndexDiskFull: 507,
    ModelMismatch: 503,
    GeneratorNotConfigured: 400,
}
HINTS: dict[type[RagError], str] = {
    IndexNotFound: "run `rag build PATH` (or POST /index/rebuild) to create the index",
    ModelMismatch: "rebuild the index with the configured model, or set RAG_MODEL to the index's model",
    IndexCorrupt: "rebuild the index with `rag build PATH`",
    GeneratorNotConfigured: "set RAG_LLM_BASE_URL and RAG_LLM_MODEL, or ask the extractive generator",
    IndexLocked: "another writer holds the index; retry when it finishes",
    IndexDiskFull: "free space on the index disk, then retry the write; reads keep working",
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers
    )


def _lookup(exc: RagError, table: Mapping[type[RagError], Any]) -> Any:
    return next((table[cls] for cls in type(exc).__mro__ if cls in table), None)


def rag_status(exc: RagError) -> int:
    return int(_lookup(exc, RAG_STATUS) or 500)


async def _rag_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RagError)
    status = rag_status(exc)
    if status >= 500 and status not in (503, 507):
        log.error("unmapped %s on %s %s: %s", exc.code, request.method, request.url.path, exc)
    extra = {"hint": hint} if (hint := _lookup(exc, HINTS)) else {}
    headers = {"Retry-After": "5"} if isinstance(exc, IndexLocked) else None
    return error_response(status, exc.code, str(exc), headers, **extra)


def _field(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def _detail(error: Mapping[str, Any]) -> dict[str, str]:
    kind, loc = str(error.get("type", "")), tuple(error.get("loc", ()))
    if kind == "json_invalid":  # loc is ("body", character offset)
        reason = (error.get("ctx") or {}).get("error", "")
        return {"field": "body", "message": f"invalid JSON at character {loc[-1]}: {reason}", "type": kind}
    return {"field": _field(loc), "message": str(error.get("msg", "")), "type": kind}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_detail(e) for e in exc.errors()]
    message = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5]) or "invalid request"
    return error_response(422, "invalid_request", message, details=details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # FastAPI's subclass allows a dict detail
    detail = exc.detail
    if isinstance(detail, dict) and "code" in detail:
        code, message = str(detail["code"]), str(detail.get("message", ""))
    else:
        code = CODES.get(exc.status_code) or HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        message = str(detail)
    return error_response(exc.status_code, code, message, exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error (logged on the server)")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RagError, _rag_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def too_large(limit: int) -> HTTPException:
    return HTTPException(
        413, {"code": "payload_too_large", "message": f"request body over the limit of {limit} bytes"}
    )


class BodySizeLimit:
    """413 when Content-Length, or the body actually streamed, exceeds `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(scope, receive, send, too_large(self.max_bytes))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # raised inside the route's body parsing: the HTTPException handler answers 413
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, limited, send)


class ConcurrencyLimit:
    """503 + Retry-After when `max_in_flight` requests are already being served (streams included).

    Probes and metrics are exempt so that an overloaded server still reports on itself.
    """

    def __init__(self, app: ASGIApp, max_in_flight: int, exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.exempt = frozenset(exempt)
        self.in_flight = 0  # one event loop: no lock needed between the check and the increment

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            error = HTTPException(
                503,
                {"code": "overloaded", "message": f"{self.in_flight} requests in flight; retry shortly"},
                headers={"Retry-After": "1"},
            )
            await _send_error(scope, receive, send, error)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _send_error(scope: Scope, receive: Receive, send: Send, exc: StarletteHTTPException) -> None:
    response = await _http_error(Request(scope, receive), exc)
    await response(scope, receive, send)
