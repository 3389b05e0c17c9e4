"""The read path's data: passages found, citations given, answers returned."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportedBy:
    """Another outlet's copy of the same story (a near-duplicate article, index/clusters.py) or of the
    same sentence: shown as "also reported by"."""

    outlet: str | None
    article_id: str
    date: str | None
    url: str | None


def also_reported(reports: tuple[ReportedBy, ...], copies: int) -> str:
    """'also reported by: Outlet A, Outlet B (2)' — each outlet once, then how many copies in all — or
    '' when no other outlet carries it."""
    if not copies or not reports:
        return ""
    names = dict.fromkeys(r.outlet or r.article_id for r in reports)
    return f"also reported by: {', '.join(names)} ({copies})"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and its scores (None where a ranker missed it)."""

    chunk_id: int
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    tokens: int
    title: str
    source: str | None
    date: str | None
    url: str | None
    rank: int  # 1-based, after fusion and the per-article cap
    fused: float
    dense: float | None = None
    lexical: float | None = None
    # the other articles of its near-duplicate cluster, collapsed into this result (canonical order)
    also_reported_by: tuple[ReportedBy, ...] = ()
    copies: int = 0  # how many there are (the list stops at rag.retrieval.MAX_REPORTS)
    # article offsets of the passage's sentences that address the assistant or the reader (flagged at
    # ingest, index/instructions.py): never quoted, packed for an LLM or counted as support. Internal:
    # not part of the wire format (the text itself is unchanged).
    withheld: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("withheld")
        return data


@dataclass(frozen=True)
class Citation:
    """Evidence for one `[n]` marker: `quote == article.text[start:end]`."""

    n: int
    article_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    quote: str
    start: int
    end: int
    score: float
    # the other outlets carrying it: copies of its article, and articles with the same sentence
    also_reported_by: tuple[ReportedBy, ...] = ()
    copies: int = 0  # how many there are (the list may stop earlier)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ShortAnswer:
    """The exact answer span inside the first citation's quote, for typed questions ("who", "when",
    "how many", "where", "what …"): `article.text[start:end] == text`."""

    text: str
    start: int  # offsets into the article's text, like the citation's
    end: int
    label: str  # the span's type: an OntoNotes entity label (PERSON, DATE, CARDINAL, …) or "NP"
    citation: int = 1  # the `n` of the citation whose quote holds it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    """One of several reports that disagree on the asked fact (rag/conflicts.py): its value, the `n`
    of the citation quoting it, and who reported it when."""

    value: str
    citation: int
    source: str | None
    date: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer, checked against the passages it cites.

    `start`/`end` are offsets into `Answer.text`; `citations` are the [n] markers it carries;
    `support` is the best support found (0..1) among its cited passages.
    """

    text: str
    start: int
    end: int
    citations: list[int]
    supported: bool
    support: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    reason: str | None  # machine-readable: why it abstained (no_passages, llm_abstained, …) or fell back
    as_of: str | None  # the newest date among the cited articles
    timings: dict[str, float]  # milliseconds per stage: embed, search, answer, total
    query: str = ""  # the standalone retrieval query (a follow-up rewritten with earlier turns)
    passages: list[Passage] = field(default_factory=list)
    confidence: float = 0.0  # the evidence score abstention is decided on (0..1)
    generator: str = "extractive"  # or "openai:<model>" when an LLM wrote the text
    claims: list[Claim] = field(default_factory=list)  # a generated answer's sentences, each checked
    short: ShortAnswer | None = None  # the exact short answer of a typed question, inside citation 1
    # the question's as-of date and the date window its time words made (rag/timeframe.py TimeWindow)
    time_window: dict[str, Any] | None = None
    note: str | None = None  # said before the answer: the evidence is older than the question implies
    conflicts: list[Report] = field(default_factory=list)  # reports that disagree, newest first

    def to_dict(self, with_passages: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if with_passages:
            data["passages"] = [p.to_dict() for p in self.passages]
        else:
            data.pop("passages")
        return data
