"""The assistant as every front end uses it: one index, one embedder, one sentence cache, settings,
and the generators (extractive always; the OpenAI-compatible LLM when configured)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

from index.embedding import Embedder
from index.store import Filters
from rag.ask import AskOptions
from rag.conversation import chat
from rag.extractive import SentenceVectors
from rag.generation.base import Extractive, Generator, Grounded, GroundedOptions
from rag.generation.llm import GeneratorNotConfigured, LLMClient
from rag.library import Library
from rag.reply import Reply
from rag.retrieval import Mode, SearchResult, search
from rag.settings import Settings
from rag.types import Answer

GENERATORS = ("extractive", "openai")


class Assistant(Library):
    """Follows the index directory (a rebuild by any process is picked up on the next call).

    Reads: `reply` (and `chat`, `ask`), `search`; writes and whole articles: see `Library`.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        if settings.generator == "openai":
            settings.llm_config()  # not configured: say so now, not at the first question
        super().__init__(settings, embedder)
        self.cache = SentenceVectors()

    @cached_property
    def generators(self) -> dict[str, Generator]:
        generators: dict[str, Generator] = {"extractive": Extractive()}
        s = self.settings
        if s.llm_base_url and s.llm_model:
            options = GroundedOptions(
                context_tokens=s.llm_context_tokens,
                answer_tokens=s.llm_max_tokens,
                max_passages=s.llm_max_passages,
                support_threshold=s.support_threshold,
                drop_unsupported=s.unsupported == "drop",
                condense=s.llm_condense,
                gate=s.llm_gate,
            )
            client = LLMClient(s.llm_config())
            generators["openai"] = Grounded(client, self.embedder, self.cache, options)
        return generators

    def generator(self, name: str | None = None) -> Generator:
        """The generator called `name` (default: the settings'); GeneratorNotConfigured if it isn't set up."""
        name = name or self.settings.generator
        if name not in self.generators:
            if name == "openai":
                self.settings.llm_config()  # raises with what to set
            raise GeneratorNotConfigured(f"unknown generator {name!r}: choose one of {', '.join(GENERATORS)}")
        return self.generators[name]

    def options(
        self,
        *,
        k: int | None = None,
        mode: Mode | None = None,
        per_article: int | None = None,
        filters: Filters | None = None,
    ) -> AskOptions:
        """The settings' answering options, with the given (non-None) values instead."""
        s = self.settings
        return AskOptions(
            k=k or s.k,
            mode=mode or s.mode,
            per_article=per_article or s.per_article,
            rrf_k=s.rrf_k,
            max_sentences=s.max_sentences,
            abstain_threshold=s.abstain_threshold,
            filters=filters or Filters(),
        )

    def reply(
        self,
        messages: Sequence[Mapping[str, str]],
        generator: str | None = None,
        options: AskOptions | None = None,
    ) -> Reply:
        """Messages (role/content) in; the evidence now, the text as it is written, the final Answer.

        Retrieval runs before this returns: a missing index or an unknown generator raises here,
        before any front end has started a stream.
        """
        chosen = self.generator(generator)
        evidence = chat(
            self.reader(), self.embedder, messages, options or self.options(), self.cache, chosen.condense
        )
        return Reply(evidence, chosen.respond(evidence.query, evidence))

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
    ) -> SearchResult:
        s = self.settings
        return search(
            self.reader(),
            self.embedder,
            query,
            k=k or s.k,
            mode=mode or s.mode,
            filters=filters,
            per_article=per_article or s.per_article,
            rrf_k=s.rrf_k,
            for_answer=False,
        )
