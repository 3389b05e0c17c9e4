"""The OpenAI-compatible face: `POST /v1/chat/completions` (stream or not) and `GET /v1/models`.

Every request parameter is honoured or refused (api/schemas_openai.py): `n` choices, `stop` and
`max_tokens` cut the content (api/cutoff.py), sampling parameters reach an LLM generator. With the
extractive generator, which has no sampling, the `n` choices are the same answer and `seed` and
`temperature` change nothing. Content and extras: api/completion_content.py.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException
from sse_starlette import ServerSentEvent
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.completion_content import content_of, extras, sources_block, unverified_block
from api.cutoff import Cutoff, cut
from api.deps import AssistantDep, MetricsDep, SettingsDep
from api.redact import public_text
from api.schemas import check_question
from api.schemas_openai import MODEL_ID, ChatCompletion, ChatCompletionRequest, ModelList, chunk, refusal
from api.sse import guarded, sse_response, text_pieces
from rag.generation.base import Sampling
from rag.registry import GENERATORS
from rag.reply import Reply
from rag.service import Assistant
from rag.tokens import count_tokens
from rag.types import Answer

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["openai"])


def model_ids(assistant: Assistant) -> list[str]:
    """`newsrag` (the server's default generator), and one model per generator it has."""
    return [MODEL_ID] + [f"{MODEL_ID}-{name}" for name in GENERATORS if name in assistant.generators]


def generator_of(model: str, assistant: Assistant) -> str | None:
    """The generator a model id names (None: the server's default); 404 model_not_found, as OpenAI
    answers, for an id GET /v1/models does not list."""
    if model not in model_ids(assistant):
        message = (
            f"The model `{model}` does not exist: GET /v1/models lists {', '.join(model_ids(assistant))}."
        )
        raise HTTPException(404, {"code": "model_not_found", "message": message, "param": "model"})
    return None if model == MODEL_ID else model.removeprefix(f"{MODEL_ID}-")


def sampling_of(body: ChatCompletionRequest) -> Sampling:
    """The request's sampling fields, for an LLM generator (the extractive one ignores them)."""
    return Sampling(
        temperature=body.temperature,
        top_p=body.top_p,
        seed=body.seed,
        max_tokens=body.token_cap(),
        stop=body.stops(),
        presence_penalty=body.presence_penalty,
        frequency_penalty=body.frequency_penalty,
    )


@router.get("/models", response_model=ModelList)
def models(assistant: AssistantDep) -> dict[str, Any]:
    """`newsrag` (the server's default generator), and one model per generator it has."""
    data = [{"id": i, "object": "model", "created": 0, "owned_by": "newsrag"} for i in model_ids(assistant)]
    return {"object": "list", "data": data}


@router.post("/chat/completions", response_model=ChatCompletion)
async def chat_completions(
    body: ChatCompletionRequest, assistant: AssistantDep, settings: SettingsDep, metrics: MetricsDep
) -> Any:
    """OpenAI chat completions. `model`: `newsrag` (the server's generator), `newsrag-extractive` or
    `newsrag-openai` (an LLM, when configured); any other id is a 404. Unsupported parameters: 400."""
    if (refused := refusal(body)) is not None:
        param, message = refused
        raise HTTPException(400, {"code": "unsupported_parameter", "message": message, "param": param})
    generator = generator_of(body.model, assistant)
    user_turns = [
        (("body", "messages", i, "content"), m.text())
        for i, m in enumerate(body.messages)
        if m.role == "user"
    ]
    check_question(user_turns, settings.server.max_question_chars)
    if body.user or body.safety_identifier:  # what OpenAI keeps them for: telling abusers apart
        log.info("chat completion for user %r", body.user or body.safety_identifier)
    messages = [{"role": m.role, "content": m.text()} for m in body.messages]
    sampling = sampling_of(body)
    options = assistant.options(as_of=body.as_of.isoformat()) if body.as_of else None
    first = await run_in_threadpool(assistant.reply, messages, generator, options, sampling)
    replies = [first] + [assistant.another(first, generator, sampling) for _ in range(body.n - 1)]
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "created": int(time.time()),
        "model": body.model,
        "system_fingerprint": None,
    }
    prompt_tokens = sum(count_tokens(m.text()) for m in body.messages)
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        stream = Completion(base, body, metrics.observe_answer, prompt_tokens if include_usage else None)
        public = partial(public_text, settings=settings)
        return sse_response(guarded(stream.chunks(replies), on_error=stream_error, public=public))
    answers = [await run_in_threadpool(final_answer, r) for r in replies]
    return completion(base, body, answers, metrics.observe_answer, prompt_tokens)


def completion(
    base: dict[str, Any],
    body: ChatCompletionRequest,
    answers: Sequence[Answer],
    observe: Callable[[Answer], None],
    prompt_tokens: int,
) -> dict[str, Any]:
    """The non-streamed `chat.completion`: one choice per answer, extras of the first at the top."""
    choices, completion_tokens = [], 0
    for i, answer in enumerate(answers):
        observe(answer)
        content, finish = cut(content_of(answer), body.stops(), body.token_cap())
        completion_tokens += count_tokens(content)
        choice = {"index": i, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        choices.append({**choice, "logprobs": None, **(extras(answer) if len(answers) > 1 else {})})
    token_usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    return {
        **base,
        "object": "chat.completion",
        "choices": choices,
        "usage": token_usage,
        **extras(answers[0]),
    }


class Completion:
    """A streamed completion: per choice, the role, the answer's text as it is produced, the
    sources, then a final chunk with finish_reason and that choice's extras; a usage chunk last
    when asked for. Choices follow one another (each chunk names its choice's index)."""

    def __init__(
        self,
        base: dict[str, Any],
        body: ChatCompletionRequest,
        observe: Callable[[Answer], None],
        prompt_tokens: int | None,
    ) -> None:
        # with include_usage, every chunk has "usage": null but the last, as OpenAI sends them
        self.base = {**base, "usage": None} if prompt_tokens is not None else base
        self.body = body
        self.observe = observe
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = 0

    async def chunks(self, replies: Sequence[Reply]) -> AsyncIterator[ServerSentEvent]:
        for index, reply in enumerate(replies):
            async for event in self.choice(index, reply):
                yield event
        if self.prompt_tokens is not None:
            total = self.prompt_tokens + self.completion_tokens
            token_usage = {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}
            yield data(
                {
                    **self.base,
                    "object": "chat.completion.chunk",
                    "choices": [],
                    "usage": {**token_usage, "total_tokens": total},
                }
            )
        yield ServerSentEvent(data="[DONE]")

    async def choice(self, index: int, reply: Reply) -> AsyncIterator[ServerSentEvent]:
        base, cutoff = self.base, Cutoff(self.body.stops(), self.body.token_cap())
        yield data(chunk(base, {"role": "assistant", "content": ""}, index=index))
        async for text in iterate_in_threadpool(reply.deltas()):  # an LLM's tokens block
            if shown := cutoff.feed(text):
                yield data(chunk(base, {"content": shown}, index=index))
        final = reply.answer
        self.observe(final)
        for piece in [*text_pieces(rest_of(reply, final)), ""]:
            if shown := (cutoff.feed(piece) if piece else cutoff.flush()):
                yield data(chunk(base, {"content": shown}, index=index))
        self.completion_tokens += count_tokens(cutoff.sent)
        yield data({**chunk(base, {}, finish=cutoff.finish, index=index), **extras(final)})


def rest_of(reply: Reply, final: Answer) -> str:
    """What follows the streamed deltas: the whole content when nothing was streamed (extractive),
    else the flagged claims and the sources, or a note and the answer that replaces what was shown."""
    if reply.correction is not None:  # what was streamed cannot be taken back: say what replaces it
        note = "the language model failed midway" if reply.fell_back else "checked"
        return f"\n\n({note}; the answer is:)\n{content_of(final)}"
    if reply.shown:  # an LLM's text (such answers carry no short line, see grounded.py)
        note = f"\n\n_{final.note}_" if final.note else ""  # after the text: it was streamed first
        return note + unverified_block(final) + sources_block(final.citations)
    return content_of(final)


def final_answer(reply: Reply) -> Answer:
    """The reply's final Answer (run in a thread pool: it waits for an LLM to finish)."""
    return reply.answer  # drains an LLM's stream: blocking


def data(payload: dict[str, Any]) -> ServerSentEvent:
    """One SSE `data:` event holding `payload` as JSON (non-ASCII kept)."""
    return ServerSentEvent(data=json.dumps(payload, ensure_ascii=False))


def stream_error(code: str, message: str) -> ServerSentEvent:
    """How OpenAI reports a failure inside a stream (its client raises APIError on it)."""
    return ServerSentEvent(data=json.dumps({"error": {"code": code, "message": message}}))
