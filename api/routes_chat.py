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

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from fastapi import APIRouter
from sse_starlette import ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.deps import AssistantDep, MetricsDep, SettingsDep
from api.redact import public_text
from api.schemas import AnswerOut, ChatRequest, check_question, user_texts
from api.sse import event, guarded, sse_response, text_pieces
from rag.reply import Reply
from rag.types import Answer

router = APIRouter(tags=["chat"])

SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The Answer, or (stream: true) SSE events passages, delta…, citations, done",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


async def answer_events(reply: Reply, observe: Callable[[Answer], None]) -> AsyncIterator[ServerSentEvent]:
    yield event("passages", [p.to_dict() for p in reply.passages])
    async for text in iterate_in_threadpool(reply.deltas()):  # an LLM's tokens block
        yield event("delta", {"text": text})
    final = reply.answer
    observe(final)
    if not reply.shown:
        for piece in text_pieces(final.text):
            yield event("delta", {"text": piece})
    elif reply.correction is not None:
        yield event("replace", {"text": reply.correction})
    yield event("citations", [c.to_dict() for c in final.citations])
    yield event("done", final.to_dict(with_passages=False))


@router.post("/chat", response_model=AnswerOut, responses=SSE_DOC)
async def chat(body: ChatRequest, assistant: AssistantDep, settings: SettingsDep, metrics: MetricsDep) -> Any:
    """Answer the last user message (earlier turns resolve follow-ups), citing the articles."""
    check_question(user_texts(body.messages), settings.server.max_question_chars)
    messages = [{"role": m.role, "content": m.content} for m in body.messages]
    options = assistant.options(
        k=body.k, mode=body.mode, per_article=body.per_article, filters=body.filters(),
        as_of=body.as_of.isoformat() if body.as_of else None,
    )  # fmt: skip
    reply = await run_in_threadpool(assistant.reply, messages, body.generator, options)
    if body.stream:
        public = partial(public_text, settings=settings)
        return sse_response(guarded(answer_events(reply, metrics.observe_answer), public=public))
    answer = await run_in_threadpool(lambda: reply.answer)
    metrics.observe_answer(answer)
    return answer.to_dict(with_passages=True)
