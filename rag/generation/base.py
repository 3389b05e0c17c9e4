"""Generators: what turns retrieved evidence into the answer's text.

Every question is first answered extractively (`rag.ask.ask`): that answer is the evidence — its
passages, its confidence, its abstention — and the fallback. A generator then responds with a
stream of events: zero or more `Delta` text pieces as they are produced, and last the final `Answer`.
A front end that streams shows the deltas, and when the final text differs from what it showed
(nothing streamed, a fallback, a sentence dropped by verification) shows the final text instead.

- `Extractive` (the default) gives the extractive answer as it is.
- `Grounded` has an OpenAI-compatible LLM write the answer from the passages, then verifies it
  (rag/generation/verify.py); when the LLM fails it falls back to the extractive answer with
  reason `generator_unavailable`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from index.embedding import Embedder
from rag.extractive import SentenceVectors
from rag.generation.llm import GeneratorUnavailable, LLMClient
from rag.generation.markers import MarkerFilter
from rag.generation.prompt import answer_prompt, condense_prompt, evidence_sentences
from rag.generation.verify import check
from rag.types import Answer

log = logging.getLogger(__name__)

ABSTAIN_TEXT = {
    "llm_abstained": "The articles don't say: the language model found no answer in the passages.",
    "unsupported_answer": (
        "The articles don't say: no sentence of the generated answer is supported by the passages."
    ),
}
CONDENSE_TOKENS = 64
_PREFIX = re.compile(r"^\s*(?:standalone question|question)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Delta:
    text: str


Event = Delta | Answer


class Generator(Protocol):
    name: str

    def respond(self, question: str, evidence: Answer) -> Iterator[Event]:
        """Deltas, then the final Answer (always last, always present)."""
        ...

    def condense(self, messages: Sequence[Mapping[str, str]]) -> str | None:
        """The conversation's last question as a standalone query, or None for the built-in rule."""
        ...


class Extractive:
    name = "extractive"

    def respond(self, question: str, evidence: Answer) -> Iterator[Event]:
        yield evidence

    def condense(self, messages: Sequence[Mapping[str, str]]) -> str | None:
        return None


@dataclass(frozen=True)
class GroundedOptions:
    context_tokens: int = 2048
    answer_tokens: int = 256
    max_passages: int = 5
    context: Literal["passages", "sentences"] = "passages"  # what the prompt holds (rag/generation/prompt.py)
    max_sentences: int = 5  # in "sentences" context
    support_threshold: float = 0.5
    drop_unsupported: bool = False
    gate: bool = True  # no LLM call when the extractive evidence already says "the articles don't say"
    condense: bool = True


class Grounded:
    """An LLM's answer from the passages, every marker and sentence checked before it is final."""

    def __init__(
        self, client: LLMClient, embedder: Embedder, cache: SentenceVectors, options: GroundedOptions
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.cache = cache
        self.options = options
        self.name = client.name

    def respond(self, question: str, evidence: Answer) -> Iterator[Event]:
        o = self.options
        if evidence.abstained and o.gate:
            yield evidence
            return
        t0 = time.perf_counter()
        if o.context == "sentences":
            units, limit = evidence_sentences(question, evidence, o.max_sentences), o.max_sentences
        else:
            units, limit = evidence.passages, o.max_passages
        prompt = answer_prompt(question, units, o.context_tokens, o.answer_tokens, limit, o.context)
        if not prompt.packed:
            log.warning("llm_context_tokens=%d leaves no room for a passage", o.context_tokens)
            yield self._fallback(evidence, "no passage fits the LLM's context window", t0)
            return
        markers = MarkerFilter(range(1, len(prompt.packed) + 1))
        try:
            for piece in self.client.stream(prompt.messages, o.answer_tokens):
                shown = markers.feed(piece)
                if shown:
                    yield Delta(shown)
            tail = markers.flush()
            if tail:
                yield Delta(tail)
        except GeneratorUnavailable as e:
            yield self._fallback(evidence, str(e), t0)
            return
        t1 = time.perf_counter()
        by_marker = {c: prompt.packed[n - 1] for n, c in markers.numbering.items()}
        uncited = [x for x in prompt.packed if x.n not in markers.numbering]
        by_marker.update({len(by_marker) + i: x for i, x in enumerate(uncited, start=1)})
        verified = check(
            markers.text,
            question,
            by_marker,
            prompt.instructions,
            self.embedder,
            self.cache,
            o.support_threshold,
            o.drop_unsupported,
        )
        t2 = time.perf_counter()
        timings = {
            **evidence.timings,
            "generate": (t1 - t0) * 1000,
            "verify": (t2 - t1) * 1000,
            "total": evidence.timings.get("total", 0.0) + (t2 - t0) * 1000,
        }
        if markers.invented or verified.removed:
            log.info(
                "reply checked: invented markers %s, %d sentences removed", markers.invented, verified.removed
            )
        if verified.outcome != "answered":
            yield replace(
                evidence,
                text=ABSTAIN_TEXT[verified.outcome],
                citations=[],
                abstained=True,
                reason=verified.outcome,
                as_of=None,
                timings=timings,
                generator=self.name,
                claims=[],
                short=None,
            )
            return
        dates = [c.date for c in verified.citations if c.date]
        yield replace(
            evidence,
            text=verified.text,
            citations=verified.citations,
            abstained=False,
            reason=None,
            as_of=max(dates) if dates else None,
            timings=timings,
            generator=self.name,
            claims=verified.claims,
            short=None,  # the extractive span belongs to the extractive text and its citation 1
        )

    def _fallback(self, evidence: Answer, why: str, t0: float) -> Answer:
        log.warning("answering extractively: %s", why)
        timings = {**evidence.timings, "generate": (time.perf_counter() - t0) * 1000}
        timings["total"] = evidence.timings.get("total", 0.0) + timings["generate"]
        reason = evidence.reason if evidence.abstained else "generator_unavailable"
        return replace(evidence, reason=reason, timings=timings)

    def condense(self, messages: Sequence[Mapping[str, str]]) -> str | None:
        if not self.options.condense:
            return None
        try:
            reply = self.client.complete(condense_prompt(messages), CONDENSE_TOKENS)
        except GeneratorUnavailable as e:
            log.warning("follow-up not condensed by the LLM: %s", e)
            return None
        lines = [line for line in reply.strip().splitlines() if line.strip()]
        query = _PREFIX.sub("", lines[0]).strip().strip("\"'“”") if lines else ""
        return query if 0 < len(query) <= 500 else None
