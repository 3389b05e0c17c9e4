"""The error hierarchy shared by every layer (rag/ and api/ extend or map it)."""

from __future__ import annotations


class RagError(Exception):
    """Base of every error newsrag raises on purpose. `code` is machine-readable."""

    code = "rag_error"


class IndexNotFound(RagError):
    code = "index_not_found"


class IndexCorrupt(RagError):
    code = "index_corrupt"


class IndexLocked(RagError):
    code = "index_locked"


class IndexDiskFull(RagError):
    """No space left on the index's disk during a write; the index was left as it was."""

    code = "disk_full"


class ModelMismatch(RagError):
    code = "model_mismatch"


class ModelNotFound(RagError):
    """The configured embedding model's files are not on this machine (nothing is ever downloaded)."""

    code = "model_not_found"


class BadArticle(RagError):
    """An input file or record that cannot be turned into an article."""

    code = "bad_article"


class ArticleNotFound(RagError):
    code = "article_not_found"


class StoreUnavailable(RagError):
    """The configured search store (RAG_STORE=milvus) cannot be reached, opened or used: a server
    that does not answer, a Milvus Lite file that cannot be opened, a client package not installed."""

    code = "store_unavailable"


class StoreMismatch(RagError):
    """The index keeps its vectors in another store than the one configured (RAG_STORE)."""

    code = "store_mismatch"
