"""Token counts for the OpenAI-compatible `usage` field: the chunker's tokenizer (cl100k, offline)."""

from __future__ import annotations

from index.chunking import ChunkingParams, get_encoding


def count_tokens(text: str) -> int:
    return len(get_encoding(ChunkingParams().tokenizer).encode_ordinary(text))


def truncate_tokens(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` tokens (a character cut in half is dropped)."""
    encoding = get_encoding(ChunkingParams().tokenizer)
    tokens = encoding.encode_ordinary(text)
    if len(tokens) <= limit:
        return text
    head = b"".join(encoding.decode_single_token_bytes(t) for t in tokens[:limit])
    return head.decode("utf-8", errors="ignore")
