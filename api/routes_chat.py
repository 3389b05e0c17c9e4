"""`POST /chat`: messages in, an Answer out — as JSON, or as Server-Sent Events.

SSE contract (`stream: true`), in this order:
  event `passages`   data: [Passage, …]                  the retrieved passages
  event `delta`      data: {"text": "…"}                  zero or more, as the answer is produced (an
                                                          LLM's tokens arrive live, markers checked)
  event `replace`    data: {"text": "…"}                  only when the final text differs from the
                                                          deltas (an LLM failed midway and the extractive
                                                          answer replaced it; verification dropped a sentence)
  event `citations`  data: [Citation, …]                  the evidence of the [n] markers
  event `done`       data: Answer without `passages`      the complete answer (authoritative)
If the stream fails midway, one `error` event (data: {"code", "message"}) replaces the rest. Failures
before the first event (no index, bad input) are ordinary HTTP errors, never a 200 stream.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.deps import AssistantDep, MetricsDep, SettingsDep
from api.schemas import AnswerOut, ChatRequest, check_question, user_texts
from index.errors import RagError
from rag.generation.base import Delta, Event
from rag.types import Answer

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

_PIECE = re.compile(r"\s+|\S+\s*")  # a word with the whitespace after it (or leading whitespace)
SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The Answer, or (stream: true) SSE events passages, delta…, citations, done",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def text_pieces(text: str) -> list[str]:
    """`text` in word pieces whose concatenation is `text` exactly."""
    return _PIECE.findall(text)


def event(name: str, data: Any) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(data, ensure_ascii=False), sep="\n")


class Produced:
    """A generator's events read off the event loop (an LLM's tokens block): `deltas()` yields the
    text pieces as they come; afterwards `shown` is their concatenation and `final` the Answer,
    already passed to `observe`."""

    def __init__(self, events: Iterator[Event], observe: Callable[[Answer], None]) -> None:
        self.events = events
        self.observe = observe
        self.shown = ""
        self._final: Answer | None = None

    async def deltas(self) -> AsyncIterator[str]:
        async for item in iterate_in_threadpool(self.events):
            if isinstance(item, Delta):
                self.shown += item.text
                yield item.text
            else:
                self._final = item
        self.observe(self.final)

    @property
    def final(self) -> Answer:
        assert self._final is not None, "a generator ends with its Answer"
        return self._final


async def answer_events(
    evidence: Answer, events: Iterator[Event], observe: Callable[[Answer], None]
) -> AsyncIterator[ServerSentEvent]:
    yield event("passages", [p.to_dict() for p in evidence.passages])
    produced = Produced(events, observe)
    async for text in produced.deltas():
        yield event("delta", {"text": text})
    final, shown = produced.final, produced.shown
    if not shown:
        for piece in text_pieces(final.text):
            yield event("delta", {"text": piece})
    elif shown != final.text:
        yield event("replace", {"text": final.text})
    yield event("citations", [c.to_dict() for c in final.citations])
    yield event("done", final.to_dict(with_passages=False))


def error_event(code: str, message: str) -> ServerSentEvent:
    return event("error", {"code": code, "message": message})


async def guarded(
    events: AsyncIterator[ServerSentEvent], on_error: Callable[[str, str], ServerSentEvent] = error_event
) -> AsyncIterator[ServerSentEvent]:
    """The events, or `on_error(code, message)` in place of the rest when producing them fails."""
    try:
        async for item in events:
            yield item
    except RagError as e:
        log.warning("stream failed: %s", e)
        yield on_error(e.code, str(e))
    except Exception:  # headers are sent: the client can only learn of it through an event
        log.exception("stream failed")
        yield on_error("internal_error", "internal server error (logged on the server)")


def sse_response(events: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    # "\n" line ends: the simplest EventSource parsers split on "\n\n"
    return EventSourceResponse(events, sep="\n", ping=15, headers={"Cache-Control": "no-store"})


@router.post("/chat", response_model=AnswerOut, responses=SSE_DOC)
async def chat(body: ChatRequest, assistant: AssistantDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    """Answer the last user message (earlier turns resolve follow-ups), citing the articles."""
    check_question(user_texts(body.messages), settings.max_question_chars)
    messages = [{"role": m.role, "content": m.content} for m in body.messages]
    evidence = await run_in_threadpool(assistant.evidence, messages, body.generator, **body.overrides())
    if body.stream:
        events = assistant.respond(evidence, body.generator)
        return sse_response(guarded(answer_events(evidence, events, metrics.observe_answer)))
    answer = await run_in_threadpool(assistant.finish, evidence, body.generator)
    metrics.observe_answer(answer)
    return answer.to_dict(with_passages=True)
