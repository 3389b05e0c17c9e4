"""What routes receive: the app's Assistant, settings and metrics, and the write-key check."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.limits import host_name
from api.metrics import Metrics
from rag.service import Assistant
from rag.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="RAG_API_KEY, required by write endpoints when set")


def _assistant(request: Request) -> Assistant:
    assistant: Assistant | None = getattr(request.app.state, "assistant", None)
    if assistant is None:  # only before the lifespan has run
        raise HTTPException(503, {"code": "starting", "message": "the server is starting; retry shortly"})
    return assistant


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


AssistantDep = Annotated[Assistant, Depends(_assistant)]
SettingsDep = Annotated[Settings, Depends(_settings)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]


def configured_key(settings: Settings) -> str | None:
    """The API key, or None when unset (an empty RAG_API_KEY counts as unset)."""
    return settings.server.key


def _cross_site(request: Request) -> bool:
    """A browser request sent by a page of another site (which a bare POST can be, without a preflight)."""
    if request.headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != request.headers.get("host", "")


def require_write_key(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 unless `Authorization: Bearer <RAG_API_KEY>` (only when a key is configured).

    Without a key (loopback only), writes from another site's page are refused with 403: otherwise
    any web page the user visits could rebuild or change the index through the browser. So are
    writes whose Host is not in RAG_ALLOWED_HOSTS (DNS rebinding: a page whose name was re-pointed
    to 127.0.0.1 is same-origin with the server, but sends its own name as Host).
    """
    key = configured_key(settings)
    if key is None:
        host = host_name(request.headers.get("host", ""))
        if host and not settings.server.host_allowed(host):
            message = (
                f"Host {host!r} is not allowed to write without an API key (DNS rebinding guard): "
                "add it to RAG_ALLOWED_HOSTS, or set RAG_API_KEY"
            )
            raise HTTPException(403, {"code": "host_not_allowed", "message": message})
        if _cross_site(request):
            raise HTTPException(
                403, {"code": "cross_site", "message": "write requests from another site's page are refused"}
            )
        return
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), key.encode()):
        message = "missing API key" if credentials is None else "wrong API key"
        raise HTTPException(
            401,
            {"code": "unauthorized", "message": f"{message}: send Authorization: Bearer $RAG_API_KEY"},
            headers={"WWW-Authenticate": "Bearer"},
        )


WriteAuth = Depends(require_write_key)
