"""The one place where failures become HTTP: `{"error": {"code", "message"}}` with the right status.

Exception handlers map RagError subclasses, validation errors, HTTPExceptions and anything unexpected
(500, logged, generic message); the ASGI limits of api/limits.py answer through `send_error`.
- Under /v1 the envelope is OpenAI's (`{"error": {"message", "type", "param", "code"}}`, our code
  kept) and an invalid request is a 400, as OpenAI answers, so its clients raise what they expect.
- Every 503 carries Retry-After.
- Messages name no path or pid (api/redact.py); the server log keeps the whole message.
- A 405 lists in Allow every method the path supports (across all its routes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from api.redact import public_text
from index.errors import (
    ArticleNotFound,
    BadArticle,
    IndexCorrupt,
    IndexDiskFull,
    IndexLocked,
    IndexNotFound,
    ModelMismatch,
    RagError,
    StoreMismatch,
    StoreUnavailable,
)
from rag.generation.llm import GeneratorNotConfigured
from rag.library import ArticlesPathMissing

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5  # a 503's advice when nothing more precise is known
OPENAI_PREFIX = "/v1/"
STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

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
    StoreMismatch: 503,
    StoreUnavailable: 503,
    GeneratorNotConfigured: 400,
}
HINTS: dict[type[RagError], str] = {
    IndexNotFound: "run `rag build PATH` (or POST /index/rebuild) to create the index",
    ModelMismatch: "rebuild the index with the configured model, or set RAG_MODEL to the index's model",
    IndexCorrupt: "rebuild the index with `rag build PATH`",
    GeneratorNotConfigured: "set RAG_LLM_BASE_URL and RAG_LLM_MODEL, or ask the extractive generator",
    IndexLocked: "another writer holds the index; retry when it finishes",
    IndexDiskFull: "free space on the index disk, then retry the write; reads keep working",
    StoreMismatch: "set RAG_STORE (and RAG_MILVUS_URI) to the store the index was built on, or rebuild it",
    StoreUnavailable: "check that the Milvus server at RAG_MILVUS_URI answers (or that its Lite file opens)",
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
    path: str = "",
    **extra: Any,
) -> JSONResponse:
    """The envelope (OpenAI's under /v1); a 503 always with Retry-After."""
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", str(RETRY_AFTER_S))
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    if path.startswith(OPENAI_PREFIX):
        body = {"message": message, "type": openai_type(status), "param": None, **body}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def openai_type(status: int) -> str:
    """OpenAI's error `type` for a status."""
    if status == 401:
        return "authentication_error"
    if status == 403:
        return "permission_error"
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 else "invalid_request_error"


def _lookup(exc: RagError, table: Mapping[type[RagError], Any]) -> Any:
    return next((table[cls] for cls in type(exc).__mro__ if cls in table), None)


def rag_status(exc: RagError) -> int:
    return int(_lookup(exc, RAG_STATUS) or 500)


async def _rag_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RagError)
    status = rag_status(exc)
    if status >= 500 and status not in (503, 507):
        log.error("unmapped %s on %s %s: %s", exc.code, request.method, request.url.path, exc)
    else:  # the whole message, paths included, for the operator
        log.info("%d %s on %s %s: %s", status, exc.code, request.method, request.url.path, exc)
    extra = {"hint": hint} if (hint := _lookup(exc, HINTS)) else {}
    headers = {"Retry-After": str(RETRY_AFTER_S)} if isinstance(exc, IndexLocked) else None
    message = public_text(str(exc), request.app.state.settings)
    return error_response(status, exc.code, message, headers, request.url.path, **extra)


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
    message = str(error.get("msg", "")).removeprefix("Value error, ")  # pydantic's wrapper of our words
    return {"field": _field(loc), "message": message, "type": kind}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_detail(e) for e in exc.errors()]
    message = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5]) or "invalid request"
    path = request.url.path
    if not path.startswith(OPENAI_PREFIX):
        return error_response(422, "invalid_request", message, details=details)
    unknown = [d["field"] for d in details if d["type"] == "extra_forbidden"]
    if unknown:  # OpenAI's words for it
        message = f"Unrecognized request argument supplied: {', '.join(unknown)}"
        return error_response(400, "unknown_parameter", message, None, path, param=unknown[0])
    param = details[0]["field"] if details else None
    return error_response(400, "invalid_request", message, None, path, param=param, details=details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # FastAPI's subclass allows a dict detail
    detail, extra = exc.detail, dict[str, Any]()
    if isinstance(detail, dict) and "code" in detail:
        code, message = str(detail["code"]), str(detail.get("message", ""))
        extra = {k: v for k, v in detail.items() if k not in ("code", "message")}
    else:
        code = CODES.get(exc.status_code) or HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        message = str(detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and "router" in request.scope:
        headers["Allow"] = ", ".join(allowed_methods(request.scope))
    return error_response(exc.status_code, code, message, headers, request.url.path, **extra)


def allowed_methods(scope: Scope) -> list[str]:
    """Every standard method some route of the app serves at this path (a 405's Allow header):
    each is tried against the routes, nested routers included, through their public `matches`."""
    routes = scope["router"].routes
    return [
        method
        for method in STANDARD_METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = "internal server error (logged on the server)"
    return error_response(500, "internal_error", message, None, request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RagError, _rag_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def send_error(scope: Scope, receive: Receive, send: Send, exc: StarletteHTTPException) -> None:
    """Answer `exc` in the envelope from an ASGI middleware (before any route runs)."""
    response = await _http_error(Request(scope, receive), exc)
    await response(scope, receive, send)
