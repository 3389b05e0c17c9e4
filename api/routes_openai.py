"""The OpenAI-compatible face: `POST /v1/chat/completions` (stream or not) and `GET /v1/models`.

The content is the answer with its [n] markers, then a "Sources:" list, so that any chat UI shows the
evidence; the structured citations ride along in the extra `citations` field (the final chunk of a
stream carries them too).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter
from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.deps import AssistantDep, MetricsDep, SettingsDep
from api.routes_chat import guarded, sse_response, text_pieces
from api.schemas import check_question
from api.schemas_openai import (
    MODEL_ID,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    ModelList,
    chunk,
)
from index.chunking import ChunkingParams, get_encoding
from rag.types import Answer, Citation

router = APIRouter(prefix="/v1", tags=["openai"])


def sources_block(citations: Sequence[Citation]) -> str:
    """'\\n\\nSources:\\n[1] Title — Outlet, date, url' lines ('' without citations)."""
    if not citations:
        return ""
    lines = []
    for c in citations:
        details = ", ".join(part for part in (c.source, c.date, c.url) if part)
        lines.append(f"[{c.n}] {c.title or c.article_id}" + (f" — {details}" if details else ""))
    return "\n\nSources:\n" + "\n".join(lines)


def _tokens(text: str) -> int:
    return len(get_encoding(ChunkingParams().tokenizer).encode_ordinary(text))


def usage(messages: Sequence[ChatMessage], content: str) -> dict[str, int]:
    prompt = sum(_tokens(m.text()) for m in messages)
    completion = _tokens(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def extras(answer: Answer) -> dict[str, Any]:
    return {
        "citations": [c.to_dict() for c in answer.citations],
        "newsrag": {"abstained": answer.abstained, "reason": answer.reason, "as_of": answer.as_of},
    }


def completion_chunks(
    base: dict[str, Any], answer: Answer, content: str, token_usage: dict[str, int] | None
) -> Iterator[ServerSentEvent]:
    """Role first, content in word pieces, then a final chunk with finish_reason and the citations."""
    if token_usage is not None:
        base = {**base, "usage": None}  # as OpenAI does when include_usage is asked for

    def data(payload: dict[str, Any]) -> ServerSentEvent:
        return ServerSentEvent(data=json.dumps(payload, ensure_ascii=False))

    yield data(chunk(base, {"role": "assistant", "content": ""}))
    for piece in text_pieces(content):
        yield data(chunk(base, {"content": piece}))
    yield data({**chunk(base, {}, finish="stop"), **extras(answer)})
    if token_usage is not None:
        yield data({**base, "object": "chat.completion.chunk", "choices": [], "usage": token_usage})
    yield ServerSentEvent(data="[DONE]")


def stream_error(code: str, message: str) -> ServerSentEvent:
    """How OpenAI reports a failure inside a stream (its client raises APIError on it)."""
    return ServerSentEvent(data=json.dumps({"error": {"code": code, "message": message}}))


@router.get("/models", response_model=ModelList)
def models(settings: SettingsDep) -> dict[str, Any]:
    """One model: newsrag, the cited extractive answerer over this server's index."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "newsrag"}],
    }


@router.post("/chat/completions", response_model=ChatCompletion)
async def chat_completions(
    body: ChatCompletionRequest, assistant: AssistantDep, settings: SettingsDep, metrics: MetricsDep
) -> Any:
    """OpenAI chat completions; the `model` field is accepted whatever it names."""
    user_turns = [
        (("body", "messages", i, "content"), m.text())
        for i, m in enumerate(body.messages)
        if m.role == "user"
    ]
    check_question(user_turns, settings.max_question_chars)
    messages = [{"role": m.role, "content": m.text()} for m in body.messages]
    answer = await run_in_threadpool(assistant.chat, messages)
    metrics.observe_answer(answer)
    content = answer.text + sources_block(answer.citations)
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "created": int(time.time()),
        "model": MODEL_ID,
        "system_fingerprint": None,
    }
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        token_usage = usage(body.messages, content) if include_usage else None
        chunks = completion_chunks(base, answer, content, token_usage)
        return sse_response(guarded(chunks, on_error=stream_error))
    return {
        **base,
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": usage(body.messages, content),
        **extras(answer),
    }
