"""Where a generation's vectors live and how its chunks are searched: the local store or Milvus.

- local (the default): FAISS files plus the delta of incremental writes (index/delta.py), and SQLite
  FTS5 for BM25. Filters become an allow-list of ids from SQL.
- milvus (`RAG_STORE=milvus`): one collection pair per generation in Milvus Lite (a `.db` file) or a
  Milvus server/cluster (`http://host:19530`), with dense, BM25 and hybrid (Milvus's RRFRanker) search
  and the filters as Milvus expressions (index/milvus_store.py). The generation's SQLite database stays
  the document store (articles, sentences, spans, clusters), as in the local store.

Retrieval (rag/retrieval.py) asks a `SearchBackend` for ranked (id, score) lists and fuses them; it
never knows which store answered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from index.errors import StoreMismatch
from index.filters import Filters
from index.scripts import search_form

if TYPE_CHECKING:
    from index.delta import VectorView
    from index.milvus_store import MilvusCollections
    from index.store import Database

StoreKind = Literal["local", "milvus"]


@dataclass(frozen=True)
class StoreConfig:
    """Which store holds the vectors of new generations, and how to reach Milvus.

    `uri`: a path ending in `.db` (Milvus Lite, embedded in this process) or `http(s)://host:port`
    (a Milvus standalone or cluster). `prefix` names this index's collections and aliases, so that
    several indexes can share one Milvus."""

    kind: StoreKind = "local"
    uri: str | None = None
    token: str | None = None
    prefix: str = "newsrag"

    def manifest_entry(self) -> dict[str, str]:
        """What a generation's manifest records (never the URI or token: they belong to a deployment)."""
        return {"kind": self.kind} if self.kind == "local" else {"kind": self.kind, "prefix": self.prefix}

    def check(self, recorded: dict[str, Any], where: str) -> StoreConfig:
        """This config for a generation whose manifest records `recorded`; StoreMismatch when they
        differ (an index built on Milvus opened without RAG_STORE=milvus, or the other way round)."""
        kind = recorded.get("kind", "local")
        if kind != self.kind:
            raise StoreMismatch(
                f"the index in {where} keeps its vectors in the {kind} store but RAG_STORE={self.kind}; "
                f"set RAG_STORE={kind}"
                + (" and RAG_MILVUS_URI" if kind == "milvus" else "")
                + " or rebuild with `rag build`"
            )
        if kind == "milvus":
            if not self.uri:
                raise StoreMismatch("RAG_STORE=milvus needs RAG_MILVUS_URI (a .db path or http://host:port)")
            return StoreConfig("milvus", self.uri, self.token, str(recorded.get("prefix", self.prefix)))
        return self


LOCAL = StoreConfig()
_default = LOCAL


def default_store() -> StoreConfig:
    """The store used where none is passed: LOCAL, unless `use_store` changed it for this process
    (the test suite runs the retrieval and write tests once per store this way). The front ends always
    pass the configured one (rag/library.py `store_of`)."""
    return _default


def use_store(config: StoreConfig) -> StoreConfig:
    """Make `config` the process default; returns the previous one."""
    global _default
    previous, _default = _default, config
    return previous


_clients: dict[tuple[str, str | None], Any] = {}
_clients_lock = threading.Lock()


def milvus_client(config: StoreConfig) -> Any:
    """One MilvusClient per URI and token in this process (Milvus Lite serves a file to one process)."""
    from index.milvus_store import connect

    assert config.uri is not None
    with _clients_lock:
        key = (config.uri, config.token)
        if key not in _clients:
            _clients[key] = connect(config.uri, config.token)
        return _clients[key]


def fts_query(terms: list[str]) -> str | None:
    """An FTS5 MATCH expression OR-ing the terms, each quoted so that no user input is syntax.

    Quotes, AND/OR/NOT/NEAR, `*`, `-`, `:` and parentheses in a question are just text here. Each term
    is put in the search form the index holds (index/scripts.py): "新桥" becomes the phrase "新 桥".
    """
    phrases = [search_form(t.replace('"', "")).strip() for t in terms]
    return " OR ".join(f'"{p}"' for p in phrases if p) or None


class SearchBackend(Protocol):
    """Ranked (id, score) lists, best first, at most k long, restricted by `filters`."""

    native_hybrid: bool  # True: `hybrid` fuses dense and BM25 inside the store

    def dense(self, query: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        """Chunk ids by cosine with the query vector (shape (dim,), normalised)."""
        ...

    def sentences(self, query: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        """Sentence ids by cosine with the query vector."""
        ...

    def lexical(self, terms: list[str], k: int, filters: Filters) -> list[tuple[int, float]]:
        """Chunk ids by BM25 of any of `terms` (higher is better)."""
        ...

    def hybrid(
        self, query: np.ndarray, terms: list[str], k: int, filters: Filters, rrf_k: int
    ) -> list[tuple[int, float]]:
        """Chunk ids by RRF of the dense and BM25 lists (k of each), with the RRF scores."""
        ...

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of sentence ids, shape (len(ids), dim); KeyError for an unknown id."""
        ...

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of chunk ids, shape (len(ids), dim); KeyError for an unknown id."""
        ...


class LocalSearch:
    """FAISS (plus delta) for vectors, SQLite FTS5 for BM25, over one snapshot (index/live.py)."""

    native_hybrid = False

    def __init__(self, db: Database, vectors: VectorView, sentences: VectorView) -> None:
        self.db = db
        self.vectors = vectors
        self.sentence_store = sentences

    def dense(self, query: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        allowed = np.array(self.db.chunk_ids_matching(filters), dtype=np.int64) if filters else None
        return self.vectors.search(query, k, allowed)

    def sentences(self, query: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        allowed = np.array(self.db.sentence_ids_matching(filters), dtype=np.int64) if filters else None
        return self.sentence_store.search(query, k, allowed)

    def lexical(self, terms: list[str], k: int, filters: Filters) -> list[tuple[int, float]]:
        match = fts_query(terms)
        return self.db.lexical(match, k, filters) if match else []

    def hybrid(
        self, query: np.ndarray, terms: list[str], k: int, filters: Filters, rrf_k: int
    ) -> list[tuple[int, float]]:
        raise NotImplementedError("the local store fuses in rag/retrieval.py")

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        return self.sentence_store.vectors(ids)

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        return self.vectors.vectors(ids)


class MilvusSearch:
    """The same lists from a generation's Milvus collections (index/milvus_store.py)."""

    native_hybrid = True

    def __init__(self, collections: MilvusCollections) -> None:
        self.collections = collections

    def dense(self, query: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        return self.collections.dense("chunks", query, k, filters or None)

    def sentences(self, query: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        return self.collections.dense("sentences", query, k, filters or None)

    def lexical(self, terms: list[str], k: int, filters: Filters) -> list[tuple[int, float]]:
        return self.collections.lexical(" ".join(terms), k, filters or None)

    def hybrid(
        self, query: np.ndarray, terms: list[str], k: int, filters: Filters, rrf_k: int
    ) -> list[tuple[int, float]]:
        return self.collections.hybrid(query, " ".join(terms), k, filters or None, rrf_k, limit=2 * k)

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        return self._vectors("sentences", ids)

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        return self._vectors("chunks", ids)

    def _vectors(self, kind: str, ids: list[int]) -> np.ndarray:
        """A row removed since the request's search began (Milvus keeps no snapshots) reads as zeros."""
        return self.collections.vectors_or_zeros(kind, ids)


class MilvusVectors:
    """One kind of a generation's Milvus vectors behind the FaissStore/VectorView interface (length,
    search, vectors by id), so that `IndexReader.vectors` and `.sentence_vectors` mean the same on
    both stores. Retrieval filters through `MilvusSearch`; `allowed` here is applied to the results of
    a search over every row (an inspection path, not a fast one)."""

    def __init__(self, collections: MilvusCollections, kind: str, dim: int) -> None:
        self.collections = collections
        self.kind = kind
        self.dim = dim

    def __len__(self) -> int:
        return self.collections.count(self.kind)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if allowed is None:
            return self.collections.dense(self.kind, query, k)
        keep = {int(i) for i in allowed}
        hits = self.collections.dense(self.kind, query, max(len(self), 1))
        return [(i, score) for i, score in hits if i in keep][:k]

    def vectors(self, ids: list[int]) -> np.ndarray:
        return self.collections.vectors(self.kind, ids)
