"""A scripted, in-process LLM: `Grounded`'s text source in tests, as FakeEmbedder is the embedder's.

    llm = ScriptedLLM(["Migrants left because the shelter was full [1]."])
    assistant.generators["openai"] = Grounded(llm, assistant.embedder, assistant.cache)

Each call takes the next scripted reply (the last one repeats); a reply may be made from the prompt
(a callable of the messages), and `fail_after=n` streams n pieces, then fails as a dead server would.
Route and CLI tests of the LLM path need no HTTP stub unless they test HTTP (tests/llm_stub.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from rag.generation.base import DEFAULT_SAMPLING, Sampling
from rag.generation.llm import GeneratorUnavailable

_PIECE = re.compile(r"\s*\S+")  # a word with the whitespace before it


@dataclass
class Scripted:
    text: str | Callable[[Sequence[dict[str, str]]], str]
    fail_after: int | None = None  # pieces streamed before the source fails


@dataclass
class ScriptedLLM:
    replies: list[Scripted | str]
    model: str = "scripted"
    requests: list[list[dict[str, str]]] = field(default_factory=list)
    samplings: list[Sampling] = field(default_factory=list)  # what each call was asked for

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    def _next(self) -> Scripted:
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply if isinstance(reply, Scripted) else Scripted(reply)

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        max_tokens: int | None = None,
        sampling: Sampling = DEFAULT_SAMPLING,
    ) -> Iterator[str]:
        self.requests.append(list(messages))
        self.samplings.append(sampling)
        reply = self._next()
        text = reply.text(messages) if callable(reply.text) else reply.text
        for i, piece in enumerate(_PIECE.findall(text)):
            if reply.fail_after is not None and i >= reply.fail_after:
                raise GeneratorUnavailable("the scripted language model failed midway")
            yield piece
        if not text.strip():
            raise GeneratorUnavailable("the language model sent an empty reply")

    def complete(self, messages: Sequence[dict[str, str]], max_tokens: int) -> str:
        return "".join(self.stream(messages, max_tokens))
