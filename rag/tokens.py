"""Token counts for the OpenAI-compatible `usage` field: the chunker's tokenizer (cl100k, offline)."""

from __future__ import annotations

from index.chunking import ChunkingParams, get_encoding


def count_tokens(text: str) -> int:
    return len(get_encoding(ChunkingParams().tokenizer).encode_ordinary(text))
