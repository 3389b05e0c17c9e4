"""A `Reply`: one answer as it is produced, for front ends that only render it.

`Assistant.reply(messages, …)` retrieves before it returns (so "no index" or a bad option is an
ordinary error, raised before a stream has started), then hands over:

- `evidence`: the passages and the extractive answer every generator starts from;
- `deltas()`: the text pieces as a generator writes them (none for the extractive answer);
- `shown`: what the deltas showed so far;
- `answer`: the final Answer (reading it drains the rest of the stream);
- `correction`: the final text when it differs from what was shown (an LLM that failed midway, a
  sentence dropped by verification), else None — what was streamed cannot be taken back, so a front
  end says what replaces it.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.generation.base import Delta, Event
from rag.reasons import Reason
from rag.types import Answer, Passage


class Reply:
    def __init__(self, evidence: Answer, events: Iterator[Event]) -> None:
        self.evidence = evidence
        self._events = events
        self._final: Answer | None = None
        self.shown = ""

    @property
    def passages(self) -> list[Passage]:
        return self.evidence.passages

    def deltas(self) -> Iterator[str]:
        """The text as it is written; iterate once (blocking: an LLM's tokens arrive slowly)."""
        for item in self._events:
            if isinstance(item, Delta):
                self.shown += item.text
                yield item.text
            else:
                self._final = item

    @property
    def answer(self) -> Answer:
        """The final Answer: authoritative for text, citations and claims."""
        if self._final is None:
            for _ in self.deltas():
                pass
        assert self._final is not None, "a generator ends with its Answer"
        return self._final

    @property
    def correction(self) -> str | None:
        """The final text when something else was shown while streaming; None otherwise."""
        text = self.answer.text
        return text if self.shown and self.shown != text else None

    @property
    def fell_back(self) -> bool:
        """The LLM failed and the extractive answer stands in for it."""
        return self.answer.reason == Reason.GENERATOR_UNAVAILABLE
