"""The assistant as every front end uses it: one index, one embedder, one sentence cache, settings,
and the generators (extractive always; the OpenAI-compatible LLM when configured)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from index.embedding import Embedder, load_embedder
from index.reader import IndexReader, LiveIndex
from index.store import Filters
from rag.ask import AskOptions
from rag.conversation import chat
from rag.extractive import SentenceVectors
from rag.generation.base import Event, Extractive, Generator, Grounded, GroundedOptions
from rag.generation.llm import GeneratorNotConfigured, LLMClient
from rag.retrieval import Mode, SearchResult, search
from rag.settings import Settings
from rag.types import Answer

GENERATORS = ("extractive", "openai")


class Assistant:
    """Follows the index directory (a rebuild by any process is picked up on the next call)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        if settings.generator == "openai":
            settings.llm_config()  # not configured: say so now, not at the first question
        self.embedder = embedder or load_embedder(settings.model)
        self.index = LiveIndex(settings.index_dir, self.embedder)
        self.cache = SentenceVectors()
        self.generators: dict[str, Generator] = {"extractive": Extractive()}
        if settings.llm_base_url and settings.llm_model:
            s = settings
            options = GroundedOptions(
                context_tokens=s.llm_context_tokens,
                answer_tokens=s.llm_max_tokens,
                max_passages=s.llm_max_passages,
                context=s.llm_context,
                max_sentences=s.llm_max_sentences,
                support_threshold=s.support_threshold,
                drop_unsupported=s.unsupported == "drop",
                condense=s.llm_condense,
                gate=s.llm_gate,
            )
            client = LLMClient(s.llm_config())
            self.generators["openai"] = Grounded(client, self.embedder, self.cache, options)

    def reader(self) -> IndexReader:
        return self.index.get()

    def generator(self, name: str | None = None) -> Generator:
        """The generator called `name` (default: the settings'); GeneratorNotConfigured if it isn't set up."""
        name = name or self.settings.generator
        if name not in self.generators:
            if name == "openai":
                self.settings.llm_config()  # raises with what to set
            raise GeneratorNotConfigured(f"unknown generator {name!r}: choose one of {', '.join(GENERATORS)}")
        return self.generators[name]

    def options(self, **overrides: object) -> AskOptions:
        s = self.settings
        base = AskOptions(
            k=s.k,
            mode=s.mode,
            per_article=s.per_article,
            rrf_k=s.rrf_k,
            max_sentences=s.max_sentences,
            abstain_threshold=s.abstain_threshold,
        )
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(base, **given)  # type: ignore[arg-type]

    def evidence(
        self, messages: Sequence[Mapping[str, str]], generator: str | None = None, **overrides: object
    ) -> Answer:
        """Retrieval and the extractive answer: the evidence every generator starts from."""
        condense = self.generator(generator).condense
        return chat(self.reader(), self.embedder, messages, self.options(**overrides), condense)

    def respond(self, evidence: Answer, generator: str | None = None) -> Iterator[Event]:
        """The chosen generator's deltas, then the final Answer."""
        return self.generator(generator).respond(evidence.query, evidence)

    def chat(
        self, messages: Sequence[Mapping[str, str]], generator: str | None = None, **overrides: object
    ) -> Answer:
        """Messages (role/content) in, Answer out. Overrides: k, mode, per_article, filters, …"""
        return self.finish(self.evidence(messages, generator, **overrides), generator)

    def finish(self, evidence: Answer, generator: str | None = None) -> Answer:
        """`respond` without the stream: the final Answer."""
        final = None
        for item in self.respond(evidence, generator):
            if isinstance(item, Answer):
                final = item
        assert final is not None, "a generator ends with its Answer"
        return final

    def ask(self, question: str, generator: str | None = None, **overrides: object) -> Answer:
        return self.chat([{"role": "user", "content": question}], generator, **overrides)

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
