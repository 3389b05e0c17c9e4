"""The OpenAI-compatible face: `POST /v1/chat/completions` (stream or not) and `GET /v1/models`.

The content is the answer with its [n] markers, then a "Sources:" list, so that any chat UI shows the
evidence; the structured citations ride along in the extra `citations` field (the final chunk of a
stream carries them too).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter
from sse_starlette import ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.deps import AssistantDep, MetricsDep, SettingsDep
from api.schemas import check_question
from api.schemas_openai import (
    MODEL_ID,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    ModelList,
    chunk,
)
from api.sse import guarded, sse_response, text_pieces
from rag.quoting import display
from rag.registry import GENERATORS
from rag.reply import Reply
from rag.tokens import count_tokens
from rag.types import Answer, Citation

router = APIRouter(prefix="/v1", tags=["openai"])


def sources_block(citations: Sequence[Citation]) -> str:
    """'\\n\\nSources:\\n[1] Title — Outlet, date, url' lines ('' without citations)."""
    if not citations:
        return ""
    lines = []
    for c in citations:
        url = c.url if c.url and c.url.lower().startswith(("http://", "https://")) else None  # no javascript:
        details = ", ".join(part for part in (c.source, c.date, url) if part)
        lines.append(f"[{c.n}] {display(c.title or c.article_id)}" + (f" — {details}" if details else ""))
    return "\n\nSources:\n" + "\n".join(lines)


def usage(messages: Sequence[ChatMessage], content: str) -> dict[str, int]:
    prompt = sum(count_tokens(m.text()) for m in messages)
    completion = count_tokens(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def extras(answer: Answer) -> dict[str, Any]:
    return {
        "citations": [c.to_dict() for c in answer.citations],
        "newsrag": {
            "abstained": answer.abstained,
            "reason": answer.reason,
            "as_of": answer.as_of,
            "generator": answer.generator,
            "text": answer.text,
            "short": answer.short.to_dict() if answer.short else None,
            "claims": [c.to_dict() for c in answer.claims],
        },
    }


def unverified_block(answer: Answer) -> str:
    """'\n\nNot supported by the cited passages:\n- …' for flagged claims ('' when there are none)."""
    flagged = [c.text for c in answer.claims if not c.supported]
    return (
        "\n\nNot supported by the cited passages:\n" + "\n".join(f"- {t}" for t in flagged) if flagged else ""
    )


def short_line(answer: Answer) -> str:
    """'**Émile Lévêque** [1]\n\n' for a typed question's short answer ('' without one)."""
    s = answer.short
    return f"**{display(s.text)}** [{s.citation}]\n\n" if s is not None and not answer.abstained else ""


def content_of(answer: Answer) -> str:
    """The short answer (if any), the answer with its markers, flagged claims, then the sources."""
    return short_line(answer) + answer.text + unverified_block(answer) + sources_block(answer.citations)


async def completion_chunks(
    base: dict[str, Any],
    reply: Reply,
    observe: Callable[[Answer], None],
    prompt_tokens: int | None,
) -> AsyncIterator[ServerSentEvent]:
    """Role first, the answer's text as it is produced, the sources, then a final chunk with
    finish_reason and the citations (and a usage chunk when asked for)."""
    if prompt_tokens is not None:
        base = {**base, "usage": None}  # as OpenAI does when include_usage is asked for

    def data(payload: dict[str, Any]) -> ServerSentEvent:
        return ServerSentEvent(data=json.dumps(payload, ensure_ascii=False))

    yield data(chunk(base, {"role": "assistant", "content": ""}))
    async for text in iterate_in_threadpool(reply.deltas()):  # an LLM's tokens block
        yield data(chunk(base, {"content": text}))
    final, shown = reply.answer, reply.shown
    observe(final)
    rest = content_of(final)
    if reply.correction is not None:  # what was streamed cannot be taken back: say what replaces it
        note = "the language model failed midway" if reply.fell_back else "checked"
        rest = f"\n\n({note}; the answer is:)\n{rest}"
    elif shown:  # the text was streamed (an LLM's: such answers carry no short line, see grounded.py)
        rest = unverified_block(final) + sources_block(final.citations)
    for piece in text_pieces(rest):
        yield data(chunk(base, {"content": piece}))
    yield data({**chunk(base, {}, finish="stop"), **extras(final)})
    if prompt_tokens is not None:
        completion = count_tokens(shown + rest)
        token_usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion}
        token_usage["total_tokens"] = prompt_tokens + completion
        yield data({**base, "object": "chat.completion.chunk", "choices": [], "usage": token_usage})
    yield ServerSentEvent(data="[DONE]")


def stream_error(code: str, message: str) -> ServerSentEvent:
    """How OpenAI reports a failure inside a stream (its client raises APIError on it)."""
    return ServerSentEvent(data=json.dumps({"error": {"code": code, "message": message}}))


def generator_of(model: str) -> str | None:
    """`newsrag-openai` / `newsrag-extractive` choose the generator; any other name, the server's."""
    name = model.removeprefix(f"{MODEL_ID}-")
    return name if name in GENERATORS and model != name else None


@router.get("/models", response_model=ModelList)
def models(assistant: AssistantDep) -> dict[str, Any]:
    """`newsrag` (the server's default generator), and one model per generator it has."""
    ids = [MODEL_ID] + [f"{MODEL_ID}-{name}" for name in GENERATORS if name in assistant.generators]
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 0, "owned_by": "newsrag"} for i in ids],
    }


@router.post("/chat/completions", response_model=ChatCompletion)
async def chat_completions(
    body: ChatCompletionRequest, assistant: AssistantDep, settings: SettingsDep, metrics: MetricsDep
) -> Any:
    """OpenAI chat completions. `model`: `newsrag-openai` or `newsrag-extractive` choose who writes
    the answer; any other name gets the server's default."""
    user_turns = [
        (("body", "messages", i, "content"), m.text())
        for i, m in enumerate(body.messages)
        if m.role == "user"
    ]
    check_question(user_turns, settings.server.max_question_chars)
    messages = [{"role": m.role, "content": m.text()} for m in body.messages]
    generator = generator_of(body.model)
    reply = await run_in_threadpool(assistant.reply, messages, generator)
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "created": int(time.time()),
        "model": body.model if generator else MODEL_ID,
        "system_fingerprint": None,
    }
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        prompt_tokens = sum(count_tokens(m.text()) for m in body.messages) if include_usage else None
        chunks = completion_chunks(base, reply, metrics.observe_answer, prompt_tokens)
        return sse_response(guarded(chunks, on_error=stream_error))
    answer = await run_in_threadpool(lambda: reply.answer)
    metrics.observe_answer(answer)
    content = content_of(answer)
    return {
        **base,
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": usage(body.messages, content),
        **extras(answer),
    }
