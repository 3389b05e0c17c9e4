"""Wire schemas of the native API: requests validated here, responses documented here.

The internal types (rag.types, index.types) stay frozen dataclasses; these pydantic models are only
the HTTP contract. The OpenAI-compatible shapes live in `api.schemas_openai`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from index.store import Filters
from rag.date_range import IsoDate
from rag.registry import GeneratorName, ModeName

Role = Literal["system", "user", "assistant"]
MAX_MESSAGES = 50
MAX_TEXT = 1_000_000  # a hard cap for the schema; the request body limit is usually lower

SourceName = Annotated[str, Field(min_length=1, max_length=200)]


Count = Annotated[StrictInt, Field(ge=1, le=50)]
ArticleId = Annotated[str, Field(min_length=1, max_length=512)]


class Message(BaseModel):
    role: Role
    content: str = Field(max_length=MAX_TEXT)


class RetrievalOptions(BaseModel):
    """What a question may restrict or tune; unset fields take the server's settings."""

    k: Count | None = Field(None, description="Passages to retrieve")
    mode: ModeName | None = Field(None, description="Retrieval mode (rag.registry.MODES)")
    per_article: Count | None = Field(None, description="Passages kept per article")
    sources: list[SourceName] | None = Field(None, max_length=50, description="Only these outlets")
    since: IsoDate | None = Field(None, description="Only articles dated on or after (YYYY-MM-DD)")
    until: IsoDate | None = Field(None, description="Only articles dated on or before (YYYY-MM-DD)")
    article_ids: list[ArticleId] | None = Field(None, max_length=100, description="Only these articles")
    as_of: IsoDate | None = Field(
        None,
        description="The question's date (YYYY-MM-DD): articles dated after it are not evidence, and "
        "'this week', 'yesterday', 'latest' are read relative to it (default: the server's RAG_AS_OF)",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> RetrievalOptions:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be after until")
        return self

    def filters(self) -> Filters:
        return Filters(
            sources=tuple(self.sources or ()),
            article_ids=tuple(self.article_ids or ()),
            since=self.since.isoformat() if self.since else None,
            until=self.until.isoformat() if self.until else None,
            as_of=self.as_of.isoformat() if self.as_of else None,
        )


class ChatRequest(RetrievalOptions):
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: StrictBool = Field(False, description="Answer with Server-Sent Events")
    generator: GeneratorName | None = Field(
        None, description="Who writes the answer (default: the server's RAG_GENERATOR)"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"messages": [{"role": "user", "content": "Why are migrants leaving?"}]}]
        }
    )


class SearchRequest(RetrievalOptions):
    query: str = Field(min_length=1, max_length=MAX_TEXT)


class ArticleIn(BaseModel):
    """One article to add or replace (by id). The text is cleaned as `rag add` cleans it."""

    id: ArticleId
    title: str = Field(max_length=2000)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    date: str | None = Field(None, max_length=64, description="Publication date, ISO preferred")
    url: str | None = Field(None, max_length=2000)
    source: str | None = Field(None, max_length=200, description="The outlet")


ArticlesIn = ArticleIn | Annotated[list[ArticleIn], Field(min_length=1, max_length=1000)]


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable: invalid_request, article_not_found, index_not_found, …")
    message: str
    hint: str | None = Field(None, description="What to do about it, when there is something to do")
    details: list[dict[str, str]] | None = Field(None, description="Invalid fields (422 only)")


class ErrorOut(BaseModel):
    """Every error response: 4xx for the request, 5xx for the server, never a 200."""

    error: ErrorBody


class ReportedByOut(BaseModel):
    """Another outlet's near-duplicate copy of the story (or of the quoted sentence)."""

    outlet: str | None
    article_id: str
    date: str | None
    url: str | None


_ALSO = "Other outlets' copies of the same story (near-duplicate articles) or of the same sentence"


class PassageOut(BaseModel):
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
    rank: int
    fused: float
    dense: float | None = None
    lexical: float | None = None
    also_reported_by: list[ReportedByOut] = Field([], description=_ALSO)
    copies: int = Field(0, description="How many other copies there are (the list may stop earlier)")


class CitationOut(BaseModel):
    n: int
    article_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    quote: str = Field(description="An exact substring of the article's text: text[start:end]")
    start: int
    end: int
    score: float
    also_reported_by: list[ReportedByOut] = Field([], description=_ALSO)
    copies: int = Field(0, description="How many other outlets carry it (the list may stop earlier)")


class ClaimOut(BaseModel):
    text: str
    start: int = Field(description="Offsets into the answer's text")
    end: int
    citations: list[int] = Field(description="The [n] markers the sentence carries")
    supported: bool = Field(description="Whether a cited passage supports the sentence")
    support: float


class ShortAnswerOut(BaseModel):
    text: str = Field(description="The exact answer span: article.text[start:end]")
    start: int = Field(description="Offsets into the cited article's text")
    end: int
    label: str = Field(
        description="Its type: an OntoNotes entity label (PERSON, DATE, CARDINAL, …) or NP/NAME"
    )
    citation: int = Field(description="The n of the citation whose quote holds it")


class TimeWindowOut(BaseModel):
    """The question's as-of date and what its time words made of it (README "News sense")."""

    as_of: str = Field(description="The question's date: nothing dated after it was evidence")
    since: str | None = Field(None, description="First article date searched (inclusive)")
    until: str | None = Field(None, description="Last article date searched (inclusive)")
    recency: bool = Field(False, description="'latest', 'currently': newer reports were preferred")
    expression: str | None = Field(None, description="The question's words the window came from")
    narrowed: bool = Field(False, description="Whether the window restricted dates beyond as_of")
    widened: bool = Field(False, description="Nothing in the window answered: the answer is from outside it")


class ReportOut(BaseModel):
    """One of several reports that disagree on the asked fact (newest first in `conflicts`)."""

    value: str = Field(description="The reported value (a number, name or date)")
    citation: int = Field(description="The [n] of the citation quoting it")
    source: str | None
    date: str | None


class AnswerOut(BaseModel):
    text: str = Field(description="The answer with [n] citation markers")
    citations: list[CitationOut]
    abstained: bool
    reason: str | None
    as_of: str | None
    timings: dict[str, float]
    query: str = ""
    passages: list[PassageOut] = []
    confidence: float = 0.0
    generator: str = Field("extractive", description='"extractive" or "openai:<model>"')
    claims: list[ClaimOut] = Field(
        [], description="A generated answer's sentences, each checked against its cited passages"
    )
    short: ShortAnswerOut | None = Field(
        None, description="A typed question's exact short answer (who, when, how many, …), inside a quote"
    )
    time_window: TimeWindowOut | None = Field(
        None, description="The question's as-of date and the date window its time words made"
    )
    note: str | None = Field(
        None, description="Said before the answer: e.g. its evidence is older than the question implies"
    )
    conflicts: list[ReportOut] = Field(
        [], description="Reports that disagree on the asked fact, newest first (each quoted in the text)"
    )


class SearchOut(BaseModel):
    query: str
    passages: list[PassageOut]
    timings: dict[str, float]


class ChunkOut(BaseModel):
    id: int
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    tokens: int


class ArticleOut(BaseModel):
    id: str
    title: str
    text: str
    date: str | None
    url: str | None
    source: str | None
    content_hash: str
    generation: str
    chunks: list[ChunkOut]


class IngestOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    removed: int
    chunks_embedded: int
    failed: list[dict[str, str]]
    missing: list[str]
    generation: str | None
    articles: int
    chunks: int
    seconds: float
    ids: list[str] = []


class Term(BaseModel):
    name: str
    description: str


class VocabularyOut(BaseModel):
    """The closed vocabularies the API speaks: what a request may choose, what an answer may say."""

    modes: list[Term]
    generators: list[Term] = Field(description="Every registered generator (see `configured`)")
    configured: list[str] = Field(description="The generators this server can use now")
    default_generator: str
    reasons: list[Term] = Field(description="Answer.reason values")
    answer_types: list[str]


class JobOut(BaseModel):
    id: str
    state: Literal["running", "succeeded", "failed"]
    phase: str = Field("embedding", description="reading, chunking, annotating or embedding")
    done: int = Field(description="Files read, articles chunked or annotated, texts embedded")
    total: int = Field(description="Of how many, in this phase")
    error: str | None
    started: str
    finished: str | None
    report: dict[str, Any] | None


class IndexOut(BaseModel):
    name: str = Field(description="The index's configured name (RAG_INDEX_NAME; paths stay in the log)")
    manifest: dict[str, Any] | None
    job: JobOut | None


def check_question(texts: Sequence[tuple[tuple[str | int, ...], str]], limit: int) -> None:
    """422 unless the last text (the question) has content and every text is within `limit` chars.

    `texts` holds (location in the body, text) pairs; the limit is a setting, so pydantic cannot
    check it while parsing.
    """
    errors: list[dict[str, Any]] = []
    if not texts or not texts[-1][1].strip():
        loc = texts[-1][0] if texts else ("body", "messages")
        errors.append({"loc": loc, "msg": "the question is empty", "type": "string_too_short"})
    for loc, text in texts:
        if len(text) > limit:
            msg = f"String should have at most {limit} characters"
            errors.append({"loc": loc, "msg": msg, "type": "string_too_long"})
    if errors:
        raise RequestValidationError(errors)


def user_texts(messages: Sequence[Message]) -> list[tuple[tuple[str | int, ...], str]]:
    """The user turns with their body locations (earlier turns count towards follow-ups)."""
    return [
        (("body", "messages", i, "content"), m.content) for i, m in enumerate(messages) if m.role == "user"
    ]
