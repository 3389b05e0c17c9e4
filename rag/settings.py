"""One typed settings object for every entry point (CLI, server, eval). Environment prefix: RAG_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunking import ChunkingParams
from rag.generation.llm import GeneratorNotConfigured, LLMConfig

Mode = Literal["dense", "lexical", "hybrid"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    index_dir: Path = Path("data/index")
    articles_path: Path = Path("examples/articles")  # what POST /index/rebuild rebuilds from
    model: str = "all-MiniLM-L6-v2"  # or "fake" (tests), or a local sentence-transformers folder

    # chunking (used by full rebuilds; an existing index keeps its own)
    chunk_tokens: int = Field(200, ge=32, le=1000)
    chunk_overlap: int = Field(1, ge=0, le=5)

    # retrieval
    mode: Mode = "hybrid"
    k: int = Field(8, ge=1, le=100)
    per_article: int = Field(2, ge=1, le=50)
    rrf_k: int = Field(60, ge=1)

    # answering
    max_sentences: int = Field(3, ge=1, le=10)
    # None: the fitted answer scorer's threshold (rag/data/answerer.json, bench/fit_answerer.py)
    abstain_threshold: float | None = Field(None, ge=0.0, le=1.0)

    # generation: "extractive" (default) or "openai" (any OpenAI-compatible chat server)
    generator: Literal["extractive", "openai"] = "extractive"
    llm_base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (llama.cpp, Ollama, vLLM, …)
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(30.0, gt=0, le=600)  # seconds for a whole reply; then extractive fallback
    llm_max_tokens: int = Field(256, ge=16, le=4096)  # the answer's cap
    llm_context_tokens: int = Field(2048, ge=512)  # the model's context window (prompt + answer)
    llm_max_passages: int = Field(5, ge=1, le=20)
    # what the prompt holds: whole passages, or a few numbered sentences of the evidence (short prompts)
    llm_context: Literal["passages", "sentences"] = "passages"
    llm_max_sentences: int = Field(5, ge=1, le=20)  # in "sentences" context
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_condense: bool = True  # follow-ups rewritten into a standalone query by the LLM
    llm_gate: bool = True  # no LLM call when the extractive evidence already abstains
    support_threshold: float = Field(0.5, ge=0.0, le=1.0)  # a claim's support needed (rag/generation)
    unsupported: Literal["flag", "drop"] = "flag"  # what happens to a claim its citations do not support

    # server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    max_body_bytes: int = Field(1 << 20, ge=1024)
    max_question_chars: int = Field(2000, ge=10)
    max_concurrency: int = Field(16, ge=1)
    log_level: str = "info"

    def llm_config(self) -> LLMConfig:
        if not self.llm_base_url or not self.llm_model:
            raise GeneratorNotConfigured(
                "the openai generator needs RAG_LLM_BASE_URL and RAG_LLM_MODEL "
                "(e.g. http://127.0.0.1:8080/v1 and the model's name)"
            )
        return LLMConfig(
            base_url=self.llm_base_url,
            model=self.llm_model,
            api_key=self.llm_api_key.get_secret_value() if self.llm_api_key else None,
            timeout=self.llm_timeout,
            max_tokens=self.llm_max_tokens,
            temperature=self.llm_temperature,
        )

    def chunking(self) -> ChunkingParams:
        """Chunking for a new index (an existing index keeps the chunking it was built with)."""
        return ChunkingParams(target_tokens=self.chunk_tokens, overlap_sentences=self.chunk_overlap)


@lru_cache
def get_settings() -> Settings:
    return Settings()
