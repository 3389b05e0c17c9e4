"""One typed settings object for every entry point (CLI, server, eval). Environment prefix: RAG_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunking import ChunkingParams

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
    abstain_threshold: float = Field(0.37, ge=0.0, le=1.0)  # bench/calibrate_abstention.py; README

    # server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    max_body_bytes: int = Field(1 << 20, ge=1024)
    max_question_chars: int = Field(2000, ge=10)
    max_concurrency: int = Field(16, ge=1)
    log_level: str = "info"

    def chunking(self) -> ChunkingParams:
        """Chunking for a new index (an existing index keeps the chunking it was built with)."""
        return ChunkingParams(target_tokens=self.chunk_tokens, overlap_sentences=self.chunk_overlap)


@lru_cache
def get_settings() -> Settings:
    return Settings()
