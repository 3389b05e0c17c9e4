"""`Grounded`: an LLM writes the answer from the passages; every marker and sentence is checked.

The stream goes through `MarkerFilter` (an invented `[n]` never reaches the user), the finished text
through `verify.check` (claims, support, narrowed citations, leak and injection guards). When the
LLM fails, the extractive answer stands in with reason `generator_unavailable`. Registered as
`openai` in `rag.registry.GENERATORS` (`from_settings`; `llm_config` says what is missing).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from index.embedding import Embedder
from rag.extractive import SentenceVectors
from rag.generation.base import DEFAULT_SAMPLING, Delta, Event, GeneratorContext, Sampling, TextSource
from rag.generation.llm import GeneratorNotConfigured, GeneratorUnavailable, LLMClient, LLMConfig
from rag.generation.markers import MarkerFilter
from rag.generation.prompt import Prompt, answer_prompt, condense_prompt, evidence_sentences
from rag.generation.verify import Verified, check
from rag.reasons import Reason
from rag.settings import LLMSettings, Settings
from rag.timeframe import TimeWindow, time_note
from rag.types import Answer

log = logging.getLogger(__name__)

ABSTAIN_TEXT = {
    Reason.LLM_ABSTAINED: "The articles don't say: the language model found no answer in the passages.",
    Reason.UNSUPPORTED_ANSWER: (
        "The articles don't say: no sentence of the generated answer is supported by the passages."
    ),
}
CONDENSE_TOKENS = 64
_PREFIX = re.compile(r"^\s*(?:standalone question|question)\s*:\s*", re.IGNORECASE)


class Grounded:
    """An LLM's answer from the passages, every marker and sentence checked before it is final."""

    def __init__(
        self,
        client: TextSource,
        embedder: Embedder,
        cache: SentenceVectors,
        options: LLMSettings | None = None,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.cache = cache
        self.options = options or LLMSettings()  # the llm section of Settings: one set of defaults
        self.name = client.name

    def respond(
        self, question: str, evidence: Answer, sampling: Sampling = DEFAULT_SAMPLING
    ) -> Iterator[Event]:
        o = self.options
        if evidence.abstained and o.gate:
            yield evidence
            return
        t0 = time.perf_counter()
        if o.context == "sentences":  # a few numbered sentences: short prompts for small models
            units, limit = evidence_sentences(question, evidence, o.max_sentences), o.max_sentences
        else:
            units, limit = evidence.passages, o.max_passages
        prompt = answer_prompt(question, units, o.context_tokens, o.max_tokens, limit, o.context)
        if not prompt.packed:
            log.warning("llm_context_tokens=%d leaves no room for a passage", o.context_tokens)
            yield self._fallback(evidence, "no passage fits the LLM's context window", t0)
            return
        markers = MarkerFilter(range(1, len(prompt.packed) + 1))
        try:
            yield from self._stream(prompt, markers, sampling)
        except GeneratorUnavailable as e:
            yield self._fallback(evidence, str(e), t0)
            return
        t1 = time.perf_counter()
        verified = self._verify(question, prompt, markers)
        t2 = time.perf_counter()
        timings = {
            **evidence.timings,
            "generate": (t1 - t0) * 1000,
            "verify": (t2 - t1) * 1000,
            "total": evidence.timings.get("total", 0.0) + (t2 - t0) * 1000,
        }
        yield self._final(evidence, verified, timings)

    def _stream(self, prompt: Prompt, markers: MarkerFilter, sampling: Sampling) -> Iterator[Delta]:
        """The reply as it arrives, with markers checked (held back until complete)."""
        for piece in self.client.stream(prompt.messages, self.options.max_tokens, sampling):
            shown = markers.feed(piece)
            if shown:
                yield Delta(shown)
        tail = markers.flush()
        if tail:
            yield Delta(tail)

    def _verify(self, question: str, prompt: Prompt, markers: MarkerFilter) -> Verified:
        # citation numbers as shown -> the passage each names; passages left uncited numbered after them
        by_marker = {c: prompt.packed[n - 1] for n, c in markers.numbering.items()}
        uncited = [x for x in prompt.packed if x.n not in markers.numbering]
        by_marker.update({len(by_marker) + i: x for i, x in enumerate(uncited, start=1)})
        o = self.options
        return check(
            markers.text,
            question,
            by_marker,
            prompt.instructions,
            self.embedder,
            self.cache,
            o.support_threshold,
            o.unsupported == "drop",
        )

    def _final(self, evidence: Answer, verified: Verified, timings: dict[str, float]) -> Answer:
        if verified.outcome != "answered":
            reason = Reason(verified.outcome)
            return replace(
                evidence,
                text=ABSTAIN_TEXT[reason],
                citations=[],
                abstained=True,
                reason=verified.outcome,
                as_of=None,
                timings=timings,
                generator=self.name,
                claims=[],
                short=None,
                note=None,
                conflicts=[],
            )
        dates = [c.date for c in verified.citations if c.date]
        return replace(
            evidence,
            text=verified.text,
            citations=verified.citations,
            abstained=False,
            reason=None,
            as_of=max(dates) if dates else None,
            timings=timings,
            generator=self.name,
            claims=verified.claims,
            short=None,  # the model's own words answer; the extractive span may not be what it cited
            # its citations are its own: the note is about their dates, and the extractive answer's
            # disagreeing reports (numbered as its citations were) are not this answer's
            note=_time_note(evidence, max(dates) if dates else None),
            conflicts=[],
        )

    def _fallback(self, evidence: Answer, why: str, t0: float) -> Answer:
        log.warning("answering extractively: %s", why)
        timings = {**evidence.timings, "generate": (time.perf_counter() - t0) * 1000}
        timings["total"] = evidence.timings.get("total", 0.0) + timings["generate"]
        reason = evidence.reason if evidence.abstained else Reason.GENERATOR_UNAVAILABLE.value
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


def llm_config(settings: Settings) -> LLMConfig:
    """The LLM server of `settings.llm`; GeneratorNotConfigured saying what to set when it has none."""
    llm = settings.llm
    if not llm.base_url or not llm.model:
        raise GeneratorNotConfigured(
            "the openai generator needs RAG_LLM_BASE_URL and RAG_LLM_MODEL "
            "(e.g. http://127.0.0.1:8080/v1 and the model's name)"
        )
    return LLMConfig(
        base_url=llm.base_url,
        model=llm.model,
        api_key=llm.api_key.get_secret_value() if llm.api_key else None,
        timeout=llm.timeout,
        max_tokens=llm.max_tokens,
        temperature=llm.temperature,
    )


def from_settings(settings: Settings, context: GeneratorContext) -> Grounded:
    client = LLMClient(llm_config(settings))
    return Grounded(client, context.embedder, context.cache, settings.llm)


def _time_note(evidence: Answer, newest: str | None) -> str | None:
    """The time note for an LLM's answer: about its own citations' newest date (rag/timeframe.py)."""
    if not evidence.time_window:
        return None
    window = TimeWindow.from_dict(evidence.time_window)
    return time_note(window, newest[:10] if newest else None, bool(evidence.time_window.get("widened")))
