"""Vectors and search of index generations in Milvus: a Milvus Lite file or a Milvus server/cluster.

With RAG_STORE=milvus the generation's SQLite database stays the document store; the vectors and the
search live here, one collection pair per generation (`{prefix}_gen_000007_chunks`, `..._sentences`)
and two aliases (`{prefix}_chunks`, `{prefix}_sentences`) that `publish` switches to a complete pair,
so a query through the aliases never sees a half-built one. Searches run with Strong consistency:
what a write returned is what the next search sees.

Milvus: https://milvus.io/docs (schema, BM25 full-text search, hybrid search with RRFRanker,
grouping search, aliases). Searching goes through index/milvus_search.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from index.errors import StoreUnavailable

try:  # the optional `milvus` extra: a clear error, not an ImportError, where RAG_STORE=milvus is set
    import Stemmer  # noqa: F401
    from pymilvus import MilvusClient, MilvusException
except ImportError as e:
    raise StoreUnavailable(f"RAG_STORE=milvus needs {e.name}: pip install 'newsrag[milvus]'") from e

from index.milvus_fields import chunk_schema, day, fit, key, lexical_form, sentence_schema
from index.milvus_search import MilvusSearch
from index.types import Article, Chunk, SentenceRow

log = logging.getLogger(__name__)
# pymilvus logs every failed call at ERROR with a traceback; our StoreUnavailable says it in one line
logging.getLogger("pymilvus").setLevel(logging.CRITICAL)

CHUNKS, SENTENCES = "chunks", "sentences"
KINDS = (CHUNKS, SENTENCES)
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_GENERATION = re.compile(r"^gen-(\d+)$")
_BATCH_BYTES = 8 << 20  # per insert call: well under gRPC's 64 MiB message limit


def connect(uri: str, token: str | None = None, timeout: float = 10.0) -> MilvusClient:
    """A client for `uri`: `http(s)://host:19530` is a Milvus server or cluster; a path ending in
    `.db` is a Milvus Lite data directory (its parent is created), served in this process.

    Raises StoreUnavailable with one plain sentence when the server does not answer, the path cannot
    be used, or pymilvus/milvus-lite is not installed (`pip install newsrag[milvus]`)."""
    is_server = uri.startswith(("http://", "https://"))
    if not is_server and ("://" in uri or not uri.endswith(".db")):
        raise StoreUnavailable(
            f"RAG_MILVUS_URI must be http(s)://host:port or a path ending in .db, not {uri!r}"
        )
    if not is_server:
        try:
            Path(uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(
                f"cannot create the folder of the Milvus Lite file {uri}: {e.strerror}"
            ) from e
        uri = str(Path(uri).expanduser())
        try:
            import milvus_lite  # noqa: F401  (pymilvus imports it itself; this only names what is missing)
        except ImportError as e:
            raise StoreUnavailable("milvus-lite is not installed: pip install 'newsrag[milvus]'") from e
    try:
        return MilvusClient(uri=uri, token=token or "", timeout=timeout)
    except MilvusException as e:
        where = "the Milvus server at" if is_server else "the Milvus Lite file"
        raise StoreUnavailable(f"cannot open {where} {uri}: {_reason(e)}") from e


def _reason(e: MilvusException) -> str:
    return str(getattr(e, "message", "") or e).strip().rstrip(".")


def _check_prefix(prefix: str) -> None:
    if not _PREFIX.match(prefix) or re.search(r"(^|_)gen_\d+$", prefix):
        raise ValueError(f"Milvus collection prefix {prefix!r}: letters, digits, _ (not ending in gen_N)")


def collection_name(prefix: str, generation: str, kind: str) -> str:
    """`{prefix}_gen_000007_{kind}` for generation "gen-000007" (Milvus names allow [A-Za-z0-9_])."""
    _check_prefix(prefix)
    m = _GENERATION.match(generation)
    if not m or kind not in KINDS:
        raise ValueError(f"no Milvus collection for generation {generation!r}, kind {kind!r}")
    return f"{prefix}_gen_{m.group(1)}_{kind}"


def alias_name(prefix: str, kind: str) -> str:
    """The alias queries use: `{prefix}_{kind}`, pointing at the newest published generation's pair."""
    _check_prefix(prefix)
    return f"{prefix}_{kind}"


def publish(client: MilvusClient, prefix: str, generation: str) -> None:
    """Point the aliases `{prefix}_chunks` and `{prefix}_sentences` at `generation`'s pair (create or
    alter, one alias after the other: a reader between the two may pair the new chunks with the old
    sentences; both are complete)."""
    existing = set(client.list_aliases().get("aliases", []))
    for kind in KINDS:
        alias, target = alias_name(prefix, kind), collection_name(prefix, generation, kind)
        if alias in existing:
            client.alter_alias(collection_name=target, alias=alias)
        else:
            client.create_alias(collection_name=target, alias=alias)


def drop_unreferenced(client: MilvusClient, prefix: str, keep: set[str]) -> list[str]:
    """Drop this prefix's generation collections whose generation is not in `keep` (names like
    "gen-000007") and that no alias points at; returns the dropped names. Collections of another
    prefix, or not named by collection_name, are never touched."""
    pattern = re.compile(rf"^{re.escape(prefix)}_gen_(\d+)_({'|'.join(KINDS)})$")
    _check_prefix(prefix)
    aliased = {
        client.describe_alias(alias=a)["collection_name"] for a in client.list_aliases().get("aliases", [])
    }
    dropped = []
    for name in client.list_collections():
        m = pattern.match(name)
        if m and f"gen-{m.group(1)}" not in keep and name not in aliased:
            client.drop_collection(name)
            dropped.append(name)
    return dropped


class MilvusCollections(MilvusSearch):
    """One generation's chunk and sentence collections (or, from `published`, the aliases).

    Chunk and sentence ids are ours (the SQLite rows' ids), never Milvus's. Vectors are float32 of
    the index's dimension, L2-normalised by the embedder: COSINE then ranks as the local FAISS inner
    product does."""

    def __init__(self, client: MilvusClient, names: Mapping[str, str]) -> None:
        super().__init__(client, names)

    @classmethod
    def open(cls, client: MilvusClient, prefix: str, generation: str) -> MilvusCollections:
        """A published generation's pair, loaded for search (a Milvus Lite file opened by a new
        process has its collections released). StoreUnavailable when they do not exist."""
        made = cls(client, {k: collection_name(prefix, generation, k) for k in KINDS})
        for name in made.names.values():
            if not made._call(client.has_collection, name):
                raise StoreUnavailable(f"Milvus has no collection {name} for generation {generation}")
            made._call(client.load_collection, name)
        return made

    @classmethod
    def published(cls, client: MilvusClient, prefix: str) -> MilvusCollections:
        """The pair the aliases point at: what queries should use."""
        return cls(client, {k: alias_name(prefix, k) for k in KINDS})

    @classmethod
    def create(
        cls,
        client: MilvusClient,
        prefix: str,
        generation: str,
        dim: int,
        index_type: str = "FLAT",
        index_params: Mapping[str, object] | None = None,
    ) -> MilvusCollections:
        """Create `generation`'s empty pair (dropping a leftover of a writer that died). Dense index
        `index_type` (FLAT: exact, as the local store; HNSW, IVF_FLAT... with `index_params`), COSINE;
        sparse SPARSE_INVERTED_INDEX with BM25 (k1 1.2, b 0.75, as SQLite FTS5)."""
        made = cls(client, {k: collection_name(prefix, generation, k) for k in KINDS})
        for kind, schema in ((CHUNKS, chunk_schema(dim)), (SENTENCES, sentence_schema(dim))):
            name = made.names[kind]
            if client.has_collection(name):
                client.drop_collection(name)
            params = client.prepare_index_params()
            params.add_index(
                "vector", index_type=index_type, metric_type="COSINE", params=dict(index_params or {})
            )
            if kind == CHUNKS:
                params.add_index(
                    "sparse",
                    index_type="SPARSE_INVERTED_INDEX",
                    metric_type="BM25",
                    params={"bm25_k1": 1.2, "bm25_b": 0.75},
                )
            # indexes created without waiting (on an empty collection there is nothing to wait for; a
            # synchronous create polls AllocTimestamp, which Milvus Lite lacks: 1 s of retries), then loaded
            client.create_collection(name, schema=schema, consistency_level="Strong")
            client.create_index(name, params, sync=False)
            client.load_collection(name)
        return made

    def add_chunks(
        self, chunks: Sequence[Chunk], articles: Mapping[str, Article], vectors: np.ndarray
    ) -> None:
        """Upsert chunks (by id) with their vectors (n, dim) and their articles' metadata. The text
        for display and for BM25 is cut to 64 KiB of UTF-8 (rows() then says truncated)."""
        rows = []
        for c, v in zip(chunks, _rows_of(vectors, len(chunks)), strict=True):
            a = articles[c.article_id]
            rows.append(
                {
                    **_common(c.id, v, a),
                    "title": fit(a.title),
                    "ordinal": c.ordinal,
                    "start": c.start,
                    "end": c.end,
                    "text": fit(c.text),
                    "terms": fit(lexical_form(a.title + "\n" + c.text)),
                }
            )
        self._upsert(CHUNKS, rows)

    def add_sentences(
        self, sentences: Sequence[SentenceRow], articles: Mapping[str, Article], vectors: np.ndarray
    ) -> None:
        """Upsert sentences (by id) with their vectors (n, dim) and their articles' filter fields."""
        rows = [
            _common(s.id, v, articles[s.article_id])
            for s, v in zip(sentences, _rows_of(vectors, len(sentences)), strict=True)
        ]
        self._upsert(SENTENCES, rows)

    def _upsert(self, kind: str, rows: list[dict[str, object]]) -> None:
        batch: list[dict[str, object]] = []
        size = 0
        for row in rows:
            batch.append(row)
            size += 64 + 4 * len(row["vector"]) + sum(len(str(row.get(f, ""))) for f in ("text", "terms"))  # type: ignore[arg-type]
            if size >= _BATCH_BYTES:
                self._call(self.client.upsert, self.names[kind], batch)
                batch, size = [], 0
        if batch:
            self._call(self.client.upsert, self.names[kind], batch)

    def flush(self) -> None:
        """Seal what was written into segments: call once when a write (build, add, remove) ends.
        Milvus Lite searches unflushed rows row by row (10k chunks: dense 420 ms, 35 ms flushed); a
        server flushes by itself but sooner this way. Not per batch: many small segments cost too."""
        for name in self.names.values():
            self._call(self.client.flush, name)

    def remove(self, kind: str, ids: Sequence[int]) -> None:
        """Delete rows by id (unknown ids are ignored)."""
        for i in range(0, len(ids), 1000):
            self._call(self.client.delete, self.names[kind], ids=[int(x) for x in ids[i : i + 1000]])

    def ids(self, kind: str, batch: int = 10_000) -> np.ndarray:
        """Every id in the `kind` collection (int64, unsorted), read in batches by Milvus's query
        iterator: O(rows), for a reconciliation, never per query."""
        it = self._call(self.client.query_iterator, self.names[kind], batch_size=batch, output_fields=["id"])
        found: list[int] = []
        try:
            while rows := self._call(it.next):
                found += [int(r["id"]) for r in rows]
        finally:
            it.close()
        return np.array(found, dtype=np.int64)

    def count(self, kind: str) -> int:
        """Rows in the `kind` collection ("chunks" or "sentences")."""
        res = self._call(self.client.query, self.names[kind], filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"])


def _rows_of(vectors: np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"expected {n} vectors as an (n, dim) array, got shape {arr.shape}")
    return arr


def _common(id_: int, vector: np.ndarray, a: Article) -> dict[str, object]:
    source = a.source or ""
    return {
        "id": int(id_),
        "vector": vector.tolist(),
        "article_id": fit(a.id),
        "article_key": key(a.id),
        "source": fit(source),
        "source_key": key(source.lower()),
        "date": day(a.date),
    }
