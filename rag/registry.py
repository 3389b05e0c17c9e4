"""Closed vocabularies, each defined once: retrieval modes and generators (abstention reasons are
`rag.reasons.Reason`, answer types `rag.answer_types.AnswerType`).

Settings, the API's schemas (OpenAPI enums), the CLI's choices and the page (`GET /vocabulary`) are
derived from these tables. This module imports nothing of rag/ but the fusion functions, so that
`rag.settings` can stay a leaf; generators are named by import path and loaded on first use.

- A retrieval mode is the rankers it runs and how their ranked lists are fused
  (rag/fusion.py). A new mode: its fusion function, and one entry in MODES.
- A generator is a factory `(settings, embedder, sentence cache) -> Generator | None` (None: not
  configured). A new generator: its module, and one entry in GENERATORS.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rag.fusion import reciprocal_rank, scores_of_one

Ranker = Literal["dense", "lexical", "sentences"]
Fuse = Callable[[Sequence[Sequence[tuple[int, float]]], int], dict[int, float]]


@dataclass(frozen=True)
class ModeSpec:
    rankers: tuple[Ranker, ...]
    fuse: Fuse  # (one ranked (chunk id, score) list per ranker, rrf_k) -> chunk id -> fused score
    description: str


MODES: dict[str, ModeSpec] = {
    "dense": ModeSpec(("dense",), scores_of_one, "MiniLM vectors only (FAISS, cosine)"),
    "lexical": ModeSpec(("lexical",), scores_of_one, "BM25 only (SQLite FTS5)"),
    "hybrid": ModeSpec(
        ("dense", "lexical", "sentences"),
        reciprocal_rank,
        "dense chunks, BM25 and dense sentences (each chunk at its best sentence's rank) fused with RRF",
    ),
}


@dataclass(frozen=True)
class GeneratorSpec:
    factory: str  # "module:function" (settings, context) -> Generator; GeneratorNotConfigured if not set up
    description: str
    check: str | None = None  # "module:function" (settings) -> raises GeneratorNotConfigured; no model loaded


GENERATORS: dict[str, GeneratorSpec] = {
    "extractive": GeneratorSpec(
        "rag.generation.base:extractive", "sentences of the articles, cited (no LLM; the default)"
    ),
    "openai": GeneratorSpec(
        "rag.generation.grounded:from_settings",
        "an OpenAI-compatible LLM (RAG_LLM_*) writes from the passages; every sentence checked",
        check="rag.generation.grounded:llm_config",
    ),
}


def load(path: str) -> Any:
    """The object named by "package.module:attribute"."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


# for pydantic and FastAPI a Literal of the registry's names (validation, OpenAPI enums); for mypy a str
if TYPE_CHECKING:
    ModeName = str
    GeneratorName = str
else:
    ModeName = Literal[tuple(MODES)]
    GeneratorName = Literal[tuple(GENERATORS)]
