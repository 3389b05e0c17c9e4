"""Generators: what turns retrieved evidence into the answer's text.

Every question is first answered extractively (`rag.ask.ask`): that answer is the evidence — its
passages, its confidence, its abstention — and the fallback. A generator then responds with a
stream of events: zero or more `Delta` text pieces as they are produced, and last the final `Answer`.
`rag.reply.Reply` reads that stream for every front end.

- `Extractive` (the default) gives the extractive answer as it is.
- `Grounded` (rag/generation/grounded.py) has an OpenAI-compatible LLM write the answer from the
  passages, then verifies it; `rag/generation/fake.py` is its in-process, scripted text source.

Generators are registered by name in `rag.registry.GENERATORS`, each with a factory
`(settings, context) -> Generator` that raises GeneratorNotConfigured when it is not set up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from index.embedding import Embedder
from rag.extractive import SentenceVectors
from rag.types import Answer

if TYPE_CHECKING:
    from rag.settings import Settings


@dataclass(frozen=True)
class Delta:
    text: str


Event = Delta | Answer


@dataclass(frozen=True)
class Sampling:
    """A request's sampling parameters for an LLM (the OpenAI Chat Completions names and meanings);
    None leaves the server's setting (RAG_LLM_TEMPERATURE, RAG_LLM_MAX_TOKENS) or the LLM's default.

    The extractive generator has no sampling: it ignores these (its answer is deterministic, so
    every seed and temperature gives the same text); front ends still cut its text at `stop` and
    `max_tokens` (api/routes_openai.py).
    """

    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    max_tokens: int | None = None  # a cap: the lower of this and the server's wins
    stop: tuple[str, ...] = ()
    presence_penalty: float | None = None
    frequency_penalty: float | None = None


DEFAULT_SAMPLING = Sampling()


class Generator(Protocol):
    name: str

    def respond(
        self, question: str, evidence: Answer, sampling: Sampling = DEFAULT_SAMPLING
    ) -> Iterator[Event]:
        """Deltas, then the final Answer (always last, always present)."""
        ...

    def condense(self, messages: Sequence[Mapping[str, str]]) -> str | None:
        """The conversation's last question as a standalone query, or None for the built-in rule."""
        ...


class TextSource(Protocol):
    """Where an LLM's text comes from: `LLMClient` (HTTP) or `ScriptedLLM` (tests, in-process)."""

    @property
    def name(self) -> str: ...

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        max_tokens: int | None = None,
        sampling: Sampling = DEFAULT_SAMPLING,
    ) -> Iterator[str]:
        """Text pieces as they arrive; GeneratorUnavailable when the source fails."""
        ...

    def complete(self, messages: Sequence[dict[str, str]], max_tokens: int) -> str: ...


class GeneratorContext(Protocol):
    """What a generator factory may use of the assistant building it."""

    @property
    def embedder(self) -> Embedder: ...

    @property
    def cache(self) -> SentenceVectors: ...


class Extractive:
    name = "extractive"

    def respond(
        self, question: str, evidence: Answer, sampling: Sampling = DEFAULT_SAMPLING
    ) -> Iterator[Event]:
        yield evidence  # no sampling: the same text for every seed and temperature

    def condense(self, messages: Sequence[Mapping[str, str]]) -> str | None:
        return None


def extractive(settings: Settings, context: GeneratorContext) -> Generator:
    return Extractive()
