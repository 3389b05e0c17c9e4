"""Citation markers in a streamed LLM reply, checked as they arrive.

The model cites the passages it was given as `[n]` (also `[1, 2]`, `[1][3]`, `[passage 2]`, `[1-2]`).
`MarkerFilter` holds a bracket back until it closes, then writes the markers renumbered in order of
first appearance (`[1]`, `[2]`, … — the citation numbers of the answer) and drops every number that
names no passage given to the model. Other bracketed text passes unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_OPEN, _CLOSE = "[【", "]】"
_MAX_MARKER = 40  # a longer bracket is prose, not a marker
_BODY = re.compile(
    r"^\s*(?:(?:passages?|sources?|articles?|refs?|p)\s*)?"
    r"(\d{1,3}(?:\s*(?:,|;|-|–|and|&)\s*(?:(?:passages?|sources?|p)\s*)?\d{1,3})*)\s*$",
    re.IGNORECASE,
)
_NUMBER_OR_RANGE = re.compile(r"(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?")
MARKER = re.compile(r"\[(\d+)\]")  # a marker as MarkerFilter writes it


def marker_numbers(body: str) -> list[int] | None:
    """The passage numbers a bracket's inside names, or None if it is not a citation marker."""
    m = _BODY.match(body)
    if not m:
        return None
    numbers: list[int] = []
    for a, b in _NUMBER_OR_RANGE.findall(m.group(1)):
        lo, hi = int(a), int(b) if b else int(a)
        numbers.extend(range(lo, hi + 1) if 0 <= hi - lo <= 10 else (lo, hi))
    return numbers


class MarkerFilter:
    """Feed it the reply's pieces; it returns what may be shown so far, markers already checked."""

    def __init__(self, valid: Iterable[int]) -> None:
        self.valid = set(valid)
        self.numbering: dict[int, int] = {}  # passage number given to the model -> citation number
        self.invented: list[int] = []  # numbers the model cited that name no passage
        self._out: list[str] = []
        self._bracket: str | None = None  # an open bracket being held back
        self._space = ""  # whitespace held back: dropped if a removed marker follows it

    @property
    def text(self) -> str:
        return "".join(self._out)

    def feed(self, piece: str) -> str:
        emitted: list[str] = []
        for ch in piece:
            self._char(ch, emitted)
        return self._emit(emitted)

    def flush(self) -> str:
        emitted: list[str] = []
        if self._bracket is not None:
            emitted.append(self._space + self._bracket)
            self._bracket, self._space = None, ""
        emitted.append(self._space)
        self._space = ""
        return self._emit(emitted)

    def _emit(self, emitted: list[str]) -> str:
        text = "".join(emitted)
        self._out.append(text)
        return text

    def _char(self, ch: str, emitted: list[str]) -> None:
        if self._bracket is not None:
            self._bracket += ch
            if ch in _CLOSE:
                self._close(emitted)
            elif ch in _OPEN:  # "[[9]": the first bracket was prose, the second may be a marker
                emitted.append(self._space + self._bracket[:-1])
                self._bracket, self._space = ch, ""
            elif len(self._bracket) > _MAX_MARKER:
                emitted.append(self._space + self._bracket)
                self._bracket, self._space = None, ""
            return
        if ch in _OPEN:
            self._bracket = ch
        elif ch.isspace():
            self._space += ch
        else:
            emitted.append(self._space + ch)
            self._space = ""

    def _close(self, emitted: list[str]) -> None:
        assert self._bracket is not None
        numbers = marker_numbers(self._bracket[1:-1])
        if numbers is None:
            emitted.append(self._space + self._bracket)
            self._bracket, self._space = None, ""
            return
        cited: list[int] = []
        for n in numbers:
            if n not in self.valid:
                self.invented.append(n)
                continue
            c = self.numbering.setdefault(n, len(self.numbering) + 1)
            if c not in cited:
                cited.append(c)
        if cited:
            emitted.append(self._space + "".join(f"[{c}]" for c in cited))
            self._space = ""
        else:  # an invented marker disappears with the space before it ("ends here [9]." -> "ends here.")
            self._space = ""
        self._bracket = None
