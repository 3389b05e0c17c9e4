"""The assistant as every front end uses it: one index, one embedder, one sentence cache, settings,
and the generators of `rag.registry.GENERATORS` that are configured."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property

from index.embedding import Embedder
from index.store import Filters
from rag.ask import AskOptions
from rag.conversation import chat
from rag.extractive import SentenceVectors
from rag.generation.base import DEFAULT_SAMPLING, Generator, Sampling
from rag.generation.llm import GeneratorNotConfigured
from rag.library import Library
from rag.registry import GENERATORS, load
from rag.reply import Reply
from rag.retrieval import Mode, SearchResult, search
from rag.scorer import default_scorer
from rag.settings import Settings
from rag.timeframe import resolve_as_of
from rag.types import Answer


def check_generator(settings: Settings) -> None:
    """GeneratorNotConfigured, saying what to set, when the default generator is not set up."""
    spec = GENERATORS[settings.answer.generator]
    if spec.check is not None:
        load(spec.check)(settings)


class Assistant(Library):
    """Follows the index directory (a rebuild by any process is picked up on the next call).

    Reads: `reply` (and `chat`, `ask`), `search`; writes and whole articles: see `Library`.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        check_generator(settings)  # not configured: say so now, not at the first question
        default_scorer()  # a damaged rag/data/answerer.json is a ScorerError at start, not a 5xx later
        super().__init__(settings, embedder)
        self.cache = SentenceVectors()
        self._unavailable: dict[str, GeneratorNotConfigured] = {}

    @cached_property
    def generators(self) -> dict[str, Generator]:
        """Every registered generator that is configured, by name."""
        built: dict[str, Generator] = {}
        for name, spec in GENERATORS.items():
            try:
                built[name] = load(spec.factory)(self.settings, self)
            except GeneratorNotConfigured as e:
                self._unavailable[name] = e
        return built

    def generator(self, name: str | None = None) -> Generator:
        """The generator called `name` (default: the settings'); GeneratorNotConfigured if it isn't set up."""
        name = name or self.settings.answer.generator
        if name in self.generators:
            return self.generators[name]
        if name in self._unavailable:
            raise self._unavailable[name]
        raise GeneratorNotConfigured(f"unknown generator {name!r}: choose one of {', '.join(GENERATORS)}")

    def options(
        self,
        *,
        k: int | None = None,
        mode: Mode | None = None,
        per_article: int | None = None,
        filters: Filters | None = None,
        as_of: str | None = None,
    ) -> AskOptions:
        """The settings' answering options, with the given (non-None) values instead.

        `as_of` (YYYY-MM-DD, "today" or "newest"; default the settings') becomes an ISO date here, or
        stays "newest" for `ask` to resolve against the generation it reads; BadAsOf for anything else."""
        r, a = self.settings.retrieval, self.settings.answer
        wanted = as_of or a.as_of
        # "newest" is resolved by `ask` against the generation it reads (no index is opened here)
        as_of_value = "newest" if wanted.strip().lower() == "newest" else resolve_as_of(wanted)
        return AskOptions(
            k=k or r.k,
            mode=mode or r.mode,
            per_article=per_article or r.per_article,
            rrf_k=r.rrf_k,
            max_sentences=a.max_sentences,
            abstain_threshold=a.abstain_threshold,
            filters=filters or Filters(),
            as_of=as_of_value,
        )

    def reply(
        self,
        messages: Sequence[Mapping[str, str]],
        generator: str | None = None,
        options: AskOptions | None = None,
        sampling: Sampling = DEFAULT_SAMPLING,
    ) -> Reply:
        """Messages (role/content) in; the evidence now, the text as it is written, the final Answer.

        Retrieval runs before this returns: a missing index or an unknown generator raises here,
        before any front end has started a stream. `sampling` goes to an LLM generator.
        """
        chosen = self.generator(generator)
        with self.lease() as reader:
            evidence = chat(reader, self.embedder, messages, options or self.options(), chosen.condense)
        return Reply(evidence, chosen.respond(evidence.query, evidence, sampling))

    def another(
        self, reply: Reply, generator: str | None = None, sampling: Sampling = DEFAULT_SAMPLING
    ) -> Reply:
        """A further reply from the same evidence (another of OpenAI's `n` choices): no new retrieval."""
        evidence = reply.evidence
        return Reply(evidence, self.generator(generator).respond(evidence.query, evidence, sampling))

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        generator: str | None = None,
        options: AskOptions | None = None,
    ) -> Answer:
        """`reply` without the stream: the final Answer."""
        return self.reply(messages, generator, options).answer

    def ask(self, question: str, generator: str | None = None, options: AskOptions | None = None) -> Answer:
        return self.chat([{"role": "user", "content": question}], generator, options)

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        mode: Mode | None = None,
        filters: Filters | None = None,
        per_article: int | None = None,
        as_of: str | None = None,
    ) -> SearchResult:
        """Ranked passages (no answer): articles dated after the as-of date left out (the filters'
        `as_of` when they have one, else `as_of`, else the settings'), near-duplicates collapsed."""
        o = self.options(k=k, mode=mode, per_article=per_article, filters=filters, as_of=as_of)
        if o.as_of not in (None, "newest") and not o.filters.as_of:  # the settings' as-of applies here too
            o = replace(o, filters=replace(o.filters, as_of=o.as_of))
        with self.lease() as reader:
            return search(
                reader,
                self.embedder,
                query,
                k=o.k,
                mode=o.mode,
                filters=o.filters,
                per_article=o.per_article,
                rrf_k=o.rrf_k,
                for_answer=False,
            )
