"""The OpenAI chat-completions wire shapes, as far as newsrag speaks them.

Every parameter of the Chat Completions request is declared here and is either honoured or refused
(`refusal`, a 400 in OpenAI's error shape); an unknown one is refused too, never silently ignored.
Content may be a string or a list of text parts. Responses add two fields OpenAI does not have:
`citations` and `newsrag` (the same in a non-streamed reply and in a stream's final chunk).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from api.schemas import (
    MAX_MESSAGES,
    MAX_TEXT,
    CitationOut,
    ClaimOut,
    ReportOut,
    ShortAnswerOut,
    TimeWindowOut,
)
from rag.date_range import IsoDate

MODEL_ID = "newsrag"
MAX_CHOICES = 8  # n: each choice of an LLM generator is one more LLM call
MAX_STOPS = 4  # as OpenAI

Probability = Annotated[StrictFloat, Field(ge=0.0, le=1.0)]
Penalty = Annotated[StrictFloat, Field(ge=-2.0, le=2.0)]
StopText = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field(max_length=64)
    text: str | None = Field(None, max_length=MAX_TEXT)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: (
        Annotated[str, Field(max_length=MAX_TEXT)]
        | Annotated[list[ContentPart], Field(max_length=100)]
        | None
    ) = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_usage: StrictBool = False
    include_obfuscation: StrictBool | None = None  # only false: nothing is padded here


class ChatCompletionRequest(BaseModel):
    """OpenAI's request, every field typed strictly; see README "OpenAI-compatible endpoint" for
    what each does here. Sampling fields reach an LLM generator; the extractive one has none."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": MODEL_ID, "messages": [{"role": "user", "content": "Why are migrants leaving?"}]}
            ]
        },
    )

    model: StrictStr = Field(MODEL_ID, max_length=200, description="An id of GET /v1/models")
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    # honoured
    n: StrictInt = Field(1, ge=1, le=MAX_CHOICES, description="Choices to return")
    max_tokens: StrictInt | None = Field(
        None, ge=1, description="Cut the content here (finish_reason length)"
    )
    max_completion_tokens: StrictInt | None = Field(None, ge=1, description="As max_tokens")
    stop: StopText | Annotated[list[StopText], Field(max_length=MAX_STOPS)] | None = None
    temperature: Annotated[StrictFloat, Field(ge=0.0, le=2.0)] | None = None
    top_p: Probability | None = None
    seed: StrictInt | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    user: StrictStr | None = Field(None, max_length=256, description="Logged with the request")
    safety_identifier: StrictStr | None = Field(None, max_length=256, description="As user")
    store: StrictBool | None = Field(None, description="Only false: nothing is stored")
    logprobs: StrictBool | None = Field(None, description="Only false")
    service_tier: Literal["auto", "default"] | None = None
    modalities: list[Literal["text"]] | None = None
    # refused unless empty or their "off" value (see `refusal`)
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: StrictStr | dict[str, Any] | None = None
    parallel_tool_calls: StrictBool | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: StrictStr | dict[str, Any] | None = None
    top_logprobs: StrictInt | None = None
    logit_bias: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None
    reasoning_effort: StrictStr | None = None
    verbosity: StrictStr | None = None
    prompt_cache_key: StrictStr | None = None
    # newsrag's own
    as_of: IsoDate | None = Field(
        None,
        description="newsrag: the question's date (YYYY-MM-DD); articles dated after it are not evidence, "
        "and 'this week', 'latest' are read from it (default: the server's RAG_AS_OF)",
    )

    def stops(self) -> tuple[str, ...]:
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())

    def token_cap(self) -> int | None:
        caps = [c for c in (self.max_tokens, self.max_completion_tokens) if c is not None]
        return min(caps) if caps else None


OFF: dict[str, Any] = {  # a refused parameter may still be sent with its "off" value
    "tools": [],
    "functions": [],
    "tool_choice": "none",
    "function_call": "none",
    "logit_bias": {},
    "metadata": {},
    "store": False,
    "logprobs": False,
}
WHY_REFUSED = {
    "tools": "newsrag answers from its articles and calls no tools",
    "tool_choice": "newsrag calls no tools",
    "parallel_tool_calls": "newsrag calls no tools",
    "functions": "newsrag calls no functions",
    "function_call": "newsrag calls no functions",
    "logprobs": "newsrag reports no token log probabilities",
    "top_logprobs": "newsrag reports no token log probabilities",
    "logit_bias": "newsrag's answers are not sampled from token logits it controls",
    "store": "newsrag stores no completions",
    "metadata": "metadata is kept with stored completions, and newsrag stores none",
    "audio": "newsrag answers in text only",
    "prediction": "newsrag does not use predicted outputs",
    "web_search_options": "newsrag answers from its articles, not the web",
    "reasoning_effort": "newsrag's models are not reasoning models",
    "verbosity": "newsrag does not tune verbosity",
    "prompt_cache_key": "newsrag keeps no prompt cache",
}


def refusal(body: ChatCompletionRequest) -> tuple[str, str] | None:
    """(param, message) for the first parameter newsrag cannot honour as sent, else None."""
    for name, why in WHY_REFUSED.items():
        value = getattr(body, name)
        if value is not None and not (name in OFF and value == OFF[name]):
            return name, f"Unsupported parameter: '{name}': {why}."
    fmt = body.response_format
    if fmt is not None and fmt != {"type": "text"}:
        return "response_format", 'Unsupported value: \'response_format\': only {"type": "text"}.'
    if body.stream_options is not None and not body.stream:
        return "stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled."
    for i, message in enumerate(body.messages):
        parts = message.content if isinstance(message.content, list) else []
        for j, part in enumerate(parts):
            if part.type != "text":
                param = f"messages[{i}].content[{j}].type"
                return (
                    param,
                    f"Unsupported value: '{param}': newsrag reads text parts only, not {part.type!r}.",
                )
    if body.stream_options is not None and body.stream_options.include_obfuscation:
        return "stream_options.include_obfuscation", "Unsupported value: newsrag does not pad stream chunks."
    return None


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None


class NewsragInfo(BaseModel):
    abstained: bool
    reason: str | None
    as_of: str | None
    generator: str = Field(description='"extractive" or "openai:<model>"')
    text: str = Field(description="The answer alone, with its [n] markers (no sources block)")
    short: ShortAnswerOut | None = None
    claims: list[ClaimOut] = []
    time_window: TimeWindowOut | None = None
    note: str | None = None
    conflicts: list[ReportOut] = []


class Choice(BaseModel):
    """With n > 1, each choice also carries its own `citations` and `newsrag` (as the top level)."""

    model_config = ConfigDict(extra="allow")

    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    usage: Usage
    system_fingerprint: str | None = None
    citations: list[CitationOut] = Field(description="Evidence for the [n] markers of the first choice")
    newsrag: NewsragInfo


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "newsrag"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def chunk(
    base: dict[str, Any], delta: dict[str, Any], finish: str | None = None, index: int = 0
) -> dict[str, Any]:
    """One `chat.completion.chunk` with a single choice."""
    choice = {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}
    return {**base, "object": "chat.completion.chunk", "choices": [choice]}
