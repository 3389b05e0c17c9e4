"""Where an OpenAI completion's content ends: before the first `stop` sequence, or at `max_tokens`.

OpenAI semantics: the stop sequence itself is not returned and ends the choice with finish_reason
"stop"; reaching `max_tokens` ends it with "length". Streamed text is fed piece by piece: a tail
that could be the start of a stop sequence is held back until the next piece says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.tokens import count_tokens, truncate_tokens


class Cutoff:
    """`feed(piece)` returns what may be sent now; `flush()` the rest; then `finish` says why it ended."""

    def __init__(self, stop: Sequence[str] = (), max_tokens: int | None = None) -> None:
        self.stop = tuple(s for s in stop if s)
        self.max_tokens = max_tokens
        self.hold = max((len(s) for s in self.stop), default=1) - 1  # chars that may start a stop
        self.sent = ""
        self.pending = ""
        self.finish: str | None = None  # "stop" or "length" once ended

    def feed(self, piece: str) -> str:
        if self.finish is not None:
            return ""
        text = self.pending + piece
        found = [i for i in (text.find(s) for s in self.stop) if i >= 0]
        if found:
            ready, self.pending, self.finish = text[: min(found)], "", "stop"
        else:
            cut = len(text) - self.hold if self.hold else len(text)
            ready, self.pending = text[: max(cut, 0)], text[max(cut, 0) :]
        return self._within_tokens(ready)

    def flush(self) -> str:
        """What is held back, once the text is complete."""
        if self.finish is not None:
            return ""
        ready, self.pending = self.pending, ""
        shown = self._within_tokens(ready)
        self.finish = self.finish or "stop"
        return shown

    def _within_tokens(self, ready: str) -> str:
        if self.max_tokens is not None and ready and count_tokens(self.sent + ready) > self.max_tokens:
            allowed = truncate_tokens(self.sent + ready, self.max_tokens)
            ready, self.pending, self.finish = allowed[len(self.sent) :], "", "length"
        self.sent += ready
        return ready


def cut(text: str, stop: Sequence[str] = (), max_tokens: int | None = None) -> tuple[str, str]:
    """(content, finish_reason) of a whole text."""
    cutoff = Cutoff(stop, max_tokens)
    content = cutoff.feed(text) + cutoff.flush()
    return content, cutoff.finish or "stop"
