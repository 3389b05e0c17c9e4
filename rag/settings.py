"""One typed settings object for every entry point (CLI, server, eval), in sections that are the
options the code takes: `index`, `retrieval`, `answer`, `llm`, `server`. A leaf: it imports only the
registry of names (rag/registry.py).

From the environment (prefix `RAG_`, or `.env`), two spellings:
- the flat names users have in their configs, e.g. `RAG_K`, `RAG_INDEX_DIR`, `RAG_LLM_MODEL` — the
  table FLAT below says which section field each one sets (README, "Configuration");
- nested names, `RAG_<SECTION>__<FIELD>`, e.g. `RAG_RETRIEVAL__K`.
A flat name wins over the nested one. `Settings(k=5, index_dir=…)` takes the flat names too;
`settings.updated(k=5)` is a validated copy.
"""

from __future__ import annotations

import ipaddress
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rag.registry import GeneratorName, ModeName
from rag.timeframe import resolve_as_of


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IndexSettings(_Section):
    dir: Path = Path("data/index")
    name: str | None = Field(None, max_length=100)  # how responses name the index (default: dir's name)
    articles_path: Path = Path("examples/articles")  # what POST /index/rebuild rebuilds from
    model: str = "all-MiniLM-L6-v2"  # or "fake" (tests), or a local sentence-transformers folder
    # chunking of new indexes (an existing index keeps its own)
    chunk_tokens: int = Field(200, ge=32, le=1000)
    chunk_overlap: int = Field(1, ge=0, le=5)
    # what one input file may cost (index/limits.py): over a limit, the file is refused whole
    max_file_bytes: int = Field(256 << 20, ge=1024)  # after decompression
    max_article_chars: int = Field(1_000_000, ge=1000)
    max_records: int = Field(200_000, ge=1)  # per file
    max_failures_listed: int = Field(20, ge=1)  # per file; the rest are summed up in one line
    # where the vectors of new generations live (index/search_backends.py): "local" (FAISS + SQLite
    # FTS5) or "milvus" (RAG_MILVUS_URI: a .db path for Milvus Lite, or http(s)://host:19530)
    store: Literal["local", "milvus"] = "local"
    milvus_uri: str | None = Field(None, max_length=1000)  # default: milvus.db in the index folder
    milvus_token: SecretStr | None = None
    milvus_prefix: str = Field("newsrag", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

    @property
    def public_name(self) -> str:
        """The index as HTTP responses name it: never a path (paths go to the server log only)."""
        return self.name or self.dir.name or "index"


class RetrievalSettings(_Section):
    mode: ModeName = "hybrid"
    k: int = Field(8, ge=1, le=100)
    per_article: int = Field(2, ge=1, le=50)
    rrf_k: int = Field(60, ge=1)


class AnswerSettings(_Section):
    max_sentences: int = Field(3, ge=1, le=10)
    # None: the fitted answer scorer's threshold (rag/data/answerer.json, bench/fit_answerer.py)
    abstain_threshold: float | None = Field(None, ge=0.0, le=1.0)
    generator: GeneratorName = "extractive"  # a key of rag.registry.GENERATORS
    # a question's as-of date when it gives none: "today", "newest" (the newest article's date: for an
    # archive) or YYYY-MM-DD; nothing dated after it is evidence (rag/timeframe.py)
    as_of: str = "today"

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str) -> str:
        resolve_as_of(value)  # BadAsOf (a ValueError: a validation error) unless today/newest/a date
        return value.strip().lower()


class LLMSettings(_Section):
    """Any OpenAI-compatible chat server (llama.cpp, Ollama, vLLM, …) for the `openai` generator."""

    base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1
    model: str | None = None
    api_key: SecretStr | None = None
    timeout: float = Field(30.0, gt=0, le=600)  # seconds for a whole reply; then extractive fallback
    max_tokens: int = Field(256, ge=16, le=4096)  # the answer's cap
    context_tokens: int = Field(2048, ge=512)  # the model's context window (prompt + answer)
    max_passages: int = Field(5, ge=1, le=20)
    # what the prompt holds: whole passages, or a few numbered sentences of the evidence (short prompts)
    context: Literal["passages", "sentences"] = "passages"
    max_sentences: int = Field(5, ge=1, le=20)  # in "sentences" context
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    condense: bool = True  # follow-ups rewritten into a standalone query by the LLM
    gate: bool = True  # no LLM call when the extractive evidence already abstains
    support_threshold: float = Field(0.5, ge=0.0, le=1.0)  # a claim's support needed (rag/generation)
    unsupported: Literal["flag", "drop"] = "flag"  # what happens to a claim its citations do not support


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: SecretStr | None = None
    max_body_bytes: int = Field(1 << 20, ge=1024)
    max_question_chars: int = Field(2000, ge=10)
    max_concurrency: int = Field(16, ge=1)
    body_timeout: float = Field(10.0, gt=0, le=600)  # seconds to receive a whole request body, then 408
    # Host header values a server without an API key answers (DNS rebinding); loopback IPs always pass
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    log_level: str = "info"

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """RAG_ALLOWED_HOSTS=localhost,myhost.lan (a JSON list works too)."""
        if isinstance(value, str):
            value = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
        return tuple(h.strip().lower().strip("[]") for h in value if h.strip()) if value else value

    @property
    def key(self) -> str | None:
        """The API key, or None when unset (an empty RAG_API_KEY counts as unset)."""
        return (self.api_key.get_secret_value() if self.api_key is not None else "") or None

    def host_allowed(self, host: str) -> bool:
        """Whether a Host header's name (no port) may reach a server without a key: a name of
        `allowed_hosts`, or a loopback IP literal (an IP literal cannot be rebound)."""
        name = host.strip().lower().strip("[]")
        return name in self.allowed_hosts or is_loopback(name)


def is_loopback(host: str) -> bool:
    """True for "localhost" and loopback IP literals ("127.0.0.1", "::1", "[::1]"): other names may
    resolve anywhere."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# flat name (RAG_ + upper case in the environment) -> (section, field)
FLAT: dict[str, tuple[str, str]] = {
    "index_dir": ("index", "dir"),
    "articles_path": ("index", "articles_path"),
    "index_name": ("index", "name"),
    "model": ("index", "model"),
    "chunk_tokens": ("index", "chunk_tokens"),
    "chunk_overlap": ("index", "chunk_overlap"),
    **{name: ("index", name) for name in ("max_file_bytes", "max_article_chars", "max_records")},
    "max_failures_listed": ("index", "max_failures_listed"),
    **{name: ("index", name) for name in ("store", "milvus_uri", "milvus_token", "milvus_prefix")},
    **{name: ("retrieval", name) for name in RetrievalSettings.model_fields},
    "max_sentences": ("answer", "max_sentences"),
    "abstain_threshold": ("answer", "abstain_threshold"),
    "generator": ("answer", "generator"),
    "as_of": ("answer", "as_of"),
    **{f"llm_{name}": ("llm", name) for name in LLMSettings.model_fields},
    "support_threshold": ("llm", "support_threshold"),
    "unsupported": ("llm", "unsupported"),
    **{name: ("server", name) for name in ServerSettings.model_fields},
}
PREFIX = "RAG_"


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Flat names into their sections: {"k": 5, "llm_model": "m"} -> {"retrieval": {"k": 5},
    "llm": {"model": "m"}}; a section given whole is merged, the flat names winning."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        if key in FLAT:
            section, name = FLAT[key]
            nested.setdefault(section, {})[name] = value
        elif isinstance(value, dict):
            nested.setdefault(key, {}).update({**value, **nested.get(key, {})})
        else:
            nested[key] = value
    return nested


class _FlatNames(PydanticBaseSettingsSource):
    """RAG_K, RAG_INDEX_DIR, … from the environment (or a .env file) into their sections."""

    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, str | None]) -> None:
        super().__init__(settings_cls)
        self.values = {k.upper(): v for k, v in values.items() if v is not None}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every flat name at once

    def __call__(self) -> dict[str, Any]:
        found = {
            name: self.values[PREFIX + name.upper()] for name in FLAT if PREFIX + name.upper() in self.values
        }
        return nest(found)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_nested_delimiter="__", env_file=".env", extra="ignore", frozen=True
    )

    index: IndexSettings = IndexSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    server: ServerSettings = ServerSettings()

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        return nest(data) if isinstance(data, dict) else data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        dotenv = dotenv_values(".env") if os.path.isfile(".env") else {}
        return (
            init_settings,
            _FlatNames(settings_cls, dict(os.environ)),
            env_settings,
            _FlatNames(settings_cls, dict(dotenv)),
            dotenv_settings,
        )

    def updated(self, **flat: Any) -> Settings:
        """A validated copy with these values (flat names, as the environment spells them)."""
        data = self.model_dump()
        for section, values in nest(flat).items():
            data[section] = {**data.get(section, {}), **values}
        return Settings.model_validate(data)


@lru_cache
def get_settings() -> Settings:
    return Settings()
