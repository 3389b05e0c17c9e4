"""ASGI limits that answer before a route runs, in the error envelope (api/errors.py).

- `BufferedBody`: the whole request body is received first, within `max_bytes` (413) and within
  `timeout` seconds (408, connection closed), then replayed to the app. A slow or stalled upload
  therefore never holds an answering slot: slots are taken only by requests whose body is in.
- `ConcurrencyLimit`: 503 + Retry-After when `max_in_flight` requests are being answered.
- `LoopbackGuard`: a server without an API key answers only requests that arrived on a loopback
  address, whatever started it (`rag serve`, uvicorn on the factory, another ASGI server); the
  lifespan also refuses to start on a non-loopback RAG_HOST without a key (api/app.py). The Host
  allow-list against DNS rebinding is checked by the write-key dependency (api/deps.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import anyio
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_error
from rag.settings import ServerSettings, is_loopback


class BodyTimeout(Exception):
    pass


class BodyTooLarge(Exception):
    pass


class BufferedBody:
    """413 over `max_bytes` (declared or streamed), 408 when the body takes over `timeout` seconds."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        try:
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise BodyTooLarge
            with anyio.fail_after(self.timeout):
                body = await self._read(receive)
        except BodyTooLarge:
            await send_error(scope, receive, send, self._too_large())
            return
        except TimeoutError:
            await send_error(scope, receive, send, self._too_slow())
            return
        if body is None:  # the client left while sending: nobody to answer
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # http.disconnect, for streaming responses

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            part = message.get("body", b"")
            size += len(part)
            if size > self.max_bytes:
                raise BodyTooLarge
            parts.append(part)
            if not message.get("more_body", False):
                return b"".join(parts)

    def _too_large(self) -> HTTPException:
        message = f"request body over the limit of {self.max_bytes} bytes"
        return HTTPException(413, {"code": "payload_too_large", "message": message})

    def _too_slow(self) -> HTTPException:
        message = f"the request body did not arrive within {self.timeout:g} s (RAG_BODY_TIMEOUT)"
        return HTTPException(408, {"code": "request_timeout", "message": message}, {"Connection": "close"})


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
            await send_error(scope, receive, send, error)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class LoopbackGuard:
    """Without an API key: 403 for a request that arrived on a non-loopback address."""

    def __init__(self, app: ASGIApp, server: ServerSettings) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.server.key is not None or _on_loopback(scope):
            await self.app(scope, receive, send)
            return
        message = (
            "this server has no API key, so it answers on loopback only: set RAG_API_KEY to serve "
            "beyond this machine (writes then need `Authorization: Bearer $RAG_API_KEY`)"
        )
        await send_error(
            scope, receive, send, HTTPException(403, {"code": "loopback_only", "message": message})
        )


def _on_loopback(scope: Scope) -> bool:
    """The connection's local address is loopback (a name instead of an address, as test clients
    give, is no socket's address: not refused)."""
    local = scope.get("server")
    if not local or not local[0]:
        return True
    address = str(local[0])
    try:
        ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return True
    return is_loopback(address)


def host_name(host: str) -> str:
    """The name of a Host header: "[::1]:8000" -> "::1", "localhost:8000" -> "localhost"."""
    host = host.strip()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
