"""What the Milvus collections hold: their schemas, the analysed text BM25 ranks, the hashed keys and
dates that filters compare, and the filter expressions made only of our own integers.

Analysed text: Milvus Lite 3.2 has only the "standard" (`\\w+`, lower-cased) and "jieba" analyzers; a
Milvus server has more ("english" stems with Snowball English, which is not FTS5's Porter). So the text
is analysed HERE, once, the way the local store's FTS5 `porter unicode61 remove_diacritics 2` does it:
the search form of index/scripts.py (CJK characters and Thai words spaced), lower case, Latin
diacritics removed, words of letters, marks and digits, ASCII words Porter-stemmed (Porter 1980, via
PyStemmer, the Snowball project's C build). Words joined by single spaces pass unchanged through the
"standard" analyzer of either engine, so Lite and a cluster rank alike.

Filters: Milvus Lite 3.2 ignores `filter_params` templates (a server supports them), so a user's
outlet or article id never enters an expression as text: each is stored and compared as a 63-bit
BLAKE2b key (`source_key`, `article_key`), and dates as yyyymmdd integers. The expression holds only
integers this module computed; results are checked against the real strings after the search.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from datetime import date

import regex
import Stemmer  # PyStemmer
from pymilvus import CollectionSchema, DataType, Function, FunctionType, MilvusClient

from index.filters import Filters
from index.scripts import search_form

MAX_VARCHAR = 65_535  # bytes (UTF-8): the largest VARCHAR a Milvus server or Lite accepts
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_local = threading.local()  # a PyStemmer stemmer is not thread-safe: one per thread


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("porter")
    return stemmer


def _fold_latin(word: str) -> str:
    """`word` without the combining marks of Latin letters ("café" -> "cafe"), as FTS5's
    remove_diacritics 2; the vowel signs of other scripts (Devanagari, Thai) are letters' parts."""
    if word.isascii():
        return word
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.category(ch) == "Mn" and out and ord(out[-1]) < 0x0250:
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def lexical_form(text: str) -> str:
    """The words BM25 ranks `text` by, space-separated: see the module doc. Used for documents and
    queries alike, so that "Migrants" finds "migrant" and "Café" finds "cafe"."""
    found = [_fold_latin(w) for w in _WORD.findall(search_form(text).lower())]
    stemmer = _stemmer()
    return " ".join(stemmer.stemWord(w) if w.isascii() else w for w in found)


def fit(text: str, max_bytes: int = MAX_VARCHAR) -> str:
    """`text` cut to at most `max_bytes` of UTF-8, at a character boundary (VARCHAR limits bytes)."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def key(value: str) -> int:
    """A signed 64-bit (non-negative, 63 bits used) BLAKE2b key of `value`; outlets are keyed
    lower-cased by the caller, so "BBC" and "bbc" filter alike."""
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def day(iso: str | None) -> int:
    """yyyymmdd of an ISO date or datetime (its first 10 characters); 0 for None (undated).
    Raises ValueError for a string that is no ISO date."""
    if not iso:
        return 0
    d = date.fromisoformat(iso[:10])
    return d.year * 10_000 + d.month * 100 + d.day


def filter_expr(filters: Filters | None) -> str:
    """A Milvus boolean expression for `filters` ("" when it restricts nothing), built only from
    integers: hashed outlets (case-insensitive) and article ids, yyyymmdd dates. `since`/`until`
    exclude undated articles (date 0); `as_of` lets them pass, as Filters.where() does in SQL."""
    if not filters:
        return ""
    parts: list[str] = []
    if filters.sources:
        parts.append(f"source_key in {sorted({key(s.lower()) for s in filters.sources})}")
    if filters.article_ids:
        parts.append(f"article_key in {sorted({key(a) for a in filters.article_ids})}")
    if filters.since:
        parts.append(f"date >= {max(day(filters.since), 1)}")
    if filters.until:
        parts.append(f"(date > 0 and date <= {day(filters.until)})")
    if filters.as_of:
        parts.append(f"(date == 0 or date <= {day(filters.as_of)})")
    return " and ".join(parts)


def admits(filters: Filters | None, source: str, article_id: str) -> bool:
    """Whether a hit's real outlet and article id pass `filters` (a key collision never leaks)."""
    if not filters:
        return True
    if filters.sources and source.lower() not in {fit(s).lower() for s in filters.sources}:
        return False
    return not (filters.article_ids and article_id not in {fit(a) for a in filters.article_ids})


def _common(schema: CollectionSchema, dim: int) -> None:
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("article_id", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("article_key", DataType.INT64)
    schema.add_field("source", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("source_key", DataType.INT64)
    schema.add_field("date", DataType.INT64)  # yyyymmdd, 0 = undated


def chunk_schema(dim: int) -> CollectionSchema:
    """Chunks: our chunk id, its vector, display fields (`text` as stored, cut to MAX_VARCHAR bytes),
    `terms` (lexical_form of title and text) and the BM25 Function's `sparse` vector of them."""
    schema = MilvusClient.create_schema(auto_id=False)
    _common(schema, dim)
    schema.add_field("title", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("ordinal", DataType.INT64)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field(
        "terms",
        DataType.VARCHAR,
        max_length=MAX_VARCHAR,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["terms"],
            output_field_names=["sparse"],
        )
    )
    return schema


def sentence_schema(dim: int) -> CollectionSchema:
    """Sentences: our sentence id, its vector, and what filters and grouping need."""
    schema = MilvusClient.create_schema(auto_id=False)
    _common(schema, dim)
    return schema
