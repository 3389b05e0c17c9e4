"""Server-Sent Events as both streaming routes send them: events, word pieces, failure mid-stream."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

from index.errors import RagError

log = logging.getLogger(__name__)

_PIECE = re.compile(r"\s+|\S+\s*")  # a word with the whitespace after it (or leading whitespace)


def text_pieces(text: str) -> list[str]:
    """`text` in word pieces whose concatenation is `text` exactly."""
    return _PIECE.findall(text)


def event(name: str, data: Any) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(data, ensure_ascii=False), sep="\n")


def error_event(code: str, message: str) -> ServerSentEvent:
    return event("error", {"code": code, "message": message})


async def guarded(
    events: AsyncIterator[ServerSentEvent],
    on_error: Callable[[str, str], ServerSentEvent] = error_event,
    public: Callable[[str], str] = str,
) -> AsyncIterator[ServerSentEvent]:
    """The events, or `on_error(code, public(message))` in place of the rest when producing them
    fails (`public`: api.redact.public_text, so that no path reaches the client)."""
    try:
        async for item in events:
            yield item
    except RagError as e:
        log.warning("stream failed: %s", e)
        yield on_error(e.code, public(str(e)))
    except Exception:  # headers are sent: the client can only learn of it through an event
        log.exception("stream failed")
        yield on_error("internal_error", "internal server error (logged on the server)")


def sse_response(events: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    # "\n" line ends: the simplest EventSource parsers split on "\n\n"
    return EventSourceResponse(events, sep="\n", ping=15, headers={"Cache-Control": "no-store"})
