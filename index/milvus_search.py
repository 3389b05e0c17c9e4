"""Searching a generation's Milvus collections: dense, BM25, hybrid (RRF), vectors and chunk rows.

Scores are returned "higher is better" whatever the engine: cosine for dense; BM25 for lexical
(Milvus Lite 3.2 returns BM25 as a negative distance, a server as a positive score: the magnitude is
the score); the RRF sum for hybrid (Cormack et al., 2009, computed by Milvus's RRFRanker).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from pymilvus import AnnSearchRequest, MilvusClient, MilvusException, RRFRanker

from index.errors import StoreUnavailable
from index.filters import Filters
from index.milvus_fields import MAX_VARCHAR, admits, filter_expr, fit, lexical_form

log = logging.getLogger(__name__)
T = TypeVar("T")
_FETCH = 1_000  # ids per query() call: keeps the `id in [...]` expression small
_ROW_FIELDS = ["article_id", "source", "date", "title", "ordinal", "start", "end", "text"]


@dataclass(frozen=True)
class ChunkRow:
    """A chunk as the Milvus collection holds it, enough to show a result without SQLite.
    `truncated`: the stored text was cut at MAX_VARCHAR bytes, so `text` is shorter than end-start."""

    id: int
    article_id: str
    source: str | None
    date: str | None  # ISO date (YYYY-MM-DD); None when undated
    title: str
    ordinal: int
    start: int
    end: int
    text: str
    truncated: bool


class MilvusSearch:
    """The read side of MilvusCollections; `names` maps "chunks"/"sentences" to collection or alias."""

    def __init__(self, client: MilvusClient, names: Mapping[str, str]) -> None:
        self.client = client
        self.names = dict(names)
        self._dims: dict[str, int] = {}

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except MilvusException as e:
            log.debug("Milvus call %s failed", getattr(fn, "__name__", fn), exc_info=True)
            message = str(getattr(e, "message", "") or e).strip().rstrip(".")
            raise StoreUnavailable(f"the Milvus store failed: {message}") from e

    def _hits(
        self, raw: Any, filters: Filters | None, score: Callable[[float], float]
    ) -> list[tuple[int, float]]:
        out = []
        for hit in raw[0] if raw else []:
            entity = hit.get("entity", {})
            if admits(filters, entity.get("source", ""), entity.get("article_id", "")):
                out.append((int(hit["id"]), score(float(hit["distance"]))))
        return out

    @staticmethod
    def _fields(filters: Filters | None) -> list[str]:
        return ["article_id", "source"] if filters and (filters.sources or filters.article_ids) else ["id"]

    def dense(
        self,
        kind: str,
        query_vector: np.ndarray,
        k: int,
        filters: Filters | None = None,
        group_size: int | None = None,
    ) -> list[tuple[int, float]]:
        """(id, cosine) of the k nearest `kind` rows to `query_vector` (dim,), best first, within
        `filters`. With `group_size`, Milvus's grouping search: the k best ARTICLES, each with at
        most `group_size` of its rows (so up to k * group_size results), merged best first."""
        grouping: dict[str, Any] = {}
        if group_size:
            grouping = {"group_by_field": "article_id", "group_size": group_size}
        raw = self._call(
            self.client.search,
            self.names[kind],
            data=[_vector(query_vector)],
            anns_field="vector",
            limit=k,
            filter=filter_expr(filters),
            search_params={"metric_type": "COSINE"},
            output_fields=["article_id", "source"] if group_size else self._fields(filters),
            **grouping,
        )
        return sorted(self._hits(raw, filters, float), key=lambda h: -h[1])

    def lexical(self, text: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) of the k best chunks for the words of `text` (analysed by
        lexical_form, title and text of each chunk), best first; [] when `text` has no word."""
        terms = fit(lexical_form(text), MAX_VARCHAR)
        if not terms:
            return []
        raw = self._call(
            self.client.search,
            self.names["chunks"],
            data=[terms],
            anns_field="sparse",
            limit=k,
            filter=filter_expr(filters),
            search_params={"metric_type": "BM25"},
            output_fields=self._fields(filters),
        )
        return self._hits(raw, filters, abs)

    def hybrid(
        self,
        query_vector: np.ndarray,
        text: str,
        k: int,
        filters: Filters | None = None,
        rrf_k: int = 60,
        limit: int | None = None,
    ) -> list[tuple[int, float]]:
        """(chunk id, RRF score) of the `limit` (default k) best chunks by Milvus hybrid_search: the
        top-k dense and the top-k BM25 lists fused by RRFRanker(rrf_k), sum of 1/(rrf_k + rank);
        limit=2k keeps every chunk of both lists. Dense only when `text` has no word."""
        expr = filter_expr(filters)
        reqs = [
            AnnSearchRequest(
                data=[_vector(query_vector)],
                anns_field="vector",
                param={"metric_type": "COSINE"},
                limit=k,
                expr=expr or None,
            )
        ]
        terms = fit(lexical_form(text), MAX_VARCHAR)
        if terms:
            reqs.append(
                AnnSearchRequest(
                    data=[terms],
                    anns_field="sparse",
                    param={"metric_type": "BM25"},
                    limit=k,
                    expr=expr or None,
                )
            )
        raw = self._call(
            self.client.hybrid_search,
            self.names["chunks"],
            reqs,
            RRFRanker(rrf_k),
            limit=limit or k,
            output_fields=self._fields(filters),
        )
        return self._hits(raw, filters, float)

    def _fetch(self, kind: str, ids: Sequence[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        wanted = [int(i) for i in ids]
        for i in range(0, len(wanted), _FETCH):
            part = wanted[i : i + _FETCH]
            for row in self._call(self.client.query, self.names[kind], ids=part, output_fields=fields):
                found[int(row["id"])] = row
        return found

    def vectors(self, kind: str, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of `ids`, float32 (len(ids), dim), in the order asked.
        Raises KeyError naming the first id that is not in the collection."""
        found = self._fetch(kind, ids, ["vector"])
        missing = [i for i in ids if int(i) not in found]
        if missing:
            raise KeyError(missing[0])
        if not ids:
            return np.zeros((0, self._dim(kind)), dtype=np.float32)
        return np.asarray([found[int(i)]["vector"] for i in ids], dtype=np.float32)

    def vectors_or_zeros(self, kind: str, ids: Sequence[int]) -> np.ndarray:
        """As `vectors`, with a zero row for an id the collection no longer holds (Milvus keeps no
        snapshots: a row removed while a request runs must not fail it; cosine 0 is never chosen)."""
        found = self._fetch(kind, ids, ["vector"])
        out = np.zeros((len(ids), self._dim(kind)), dtype=np.float32)
        for row, i in enumerate(ids):
            if int(i) in found:
                out[row] = found[int(i)]["vector"]
        return out

    def _dim(self, kind: str) -> int:
        if kind not in self._dims:  # a collection's dimension never changes: one call per kind
            info = self._call(self.client.describe_collection, self.names[kind])
            self._dims[kind] = int(next(f for f in info["fields"] if f["name"] == "vector")["params"]["dim"])
        return self._dims[kind]

    def rows(self, ids: Sequence[int]) -> list[ChunkRow]:
        """The chunks of `ids` that exist, in the order asked, with their article's metadata."""
        found = self._fetch("chunks", ids, _ROW_FIELDS)
        return [_chunk_row(int(i), found[int(i)]) for i in ids if int(i) in found]


def _vector(v: np.ndarray) -> list[float]:
    return np.asarray(v, dtype=np.float32).reshape(-1).tolist()


def _chunk_row(id_: int, r: Mapping[str, Any]) -> ChunkRow:
    d = int(r["date"])
    iso = f"{d // 10_000:04d}-{d // 100 % 100:02d}-{d % 100:02d}" if d else None
    start, end, text = int(r["start"]), int(r["end"]), str(r["text"])
    return ChunkRow(
        id=id_,
        article_id=str(r["article_id"]),
        source=str(r["source"]) or None,
        date=iso,
        title=str(r["title"]),
        ordinal=int(r["ordinal"]),
        start=start,
        end=end,
        text=text,
        truncated=len(text) < end - start,
    )
