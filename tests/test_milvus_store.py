"""The Milvus store (index/milvus_store.py) against a real Milvus Lite engine in tmp_path, no mocks."""

from __future__ import annotations

import importlib
import sqlite3
import sys
from pathlib import Path

import faiss
import numpy as np
import pytest

pytest.importorskip("pymilvus", reason="pymilvus not installed: pip install '.[milvus]'")
pytest.importorskip("milvus_lite", reason="milvus-lite not installed: pip install '.[milvus]'")
pytest.importorskip("Stemmer", reason="PyStemmer not installed: pip install '.[milvus]'")

from index.errors import StoreUnavailable
from index.filters import Filters
from index.milvus_fields import day, filter_expr, lexical_form
from index.milvus_store import (
    MilvusCollections,
    collection_name,
    connect,
    drop_unreferenced,
    publish,
)
from index.types import Article, Chunk, SentenceRow
from rag.fusion import reciprocal_rank

pytestmark = pytest.mark.milvus

DIM = 16
SOURCES = ["BBC", "CNN", "Le Monde", None]
DATES = ["2020-01-05", "2021-06-30T12:00:00Z", "2022-03-01", None, "2019-12-31"]
SPECIAL = {  # chunk id -> text with a word the lexical tests look for
    7: "A zyxxyq was seen near the harbour.",
    23: "Migrants crossed the border at night.",
    41: "The café opened on Monday.",
    55: "新桥很长，桥上有车。",
}


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


class Corpus:
    """30 articles of 10 chunks (ids 0..299) and 10 sentences each, random unit vectors."""

    def __init__(self) -> None:
        rng = np.random.default_rng(7)
        self.articles = {
            f"a{i}": Article(
                id=f"a{i}",
                title=f"Report {i}",
                text="x" * 2000,
                date=DATES[i % len(DATES)],
                source=SOURCES[i % len(SOURCES)],
            )
            for i in range(30)
        }
        texts = [SPECIAL.get(n, f"plain words number {n}") for n in range(300)]
        self.chunks = [Chunk(n, f"a{n // 10}", n % 10, t, 0, len(t), 8) for n, t in enumerate(texts)]
        self.sentences = [SentenceRow(1000 + n, f"a{n // 10}", n % 10, 0, 10) for n in range(300)]
        self.chunk_vectors = _unit(rng.normal(size=(300, DIM)))
        self.sentence_vectors = _unit(rng.normal(size=(300, DIM)))

    def allowed(self, filters: Filters) -> set[int]:
        """Chunk ids that the local store's SQL (Filters.where) admits: the reference semantics."""
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE articles (id TEXT, source TEXT, date TEXT)")
        db.executemany(
            "INSERT INTO articles VALUES (?,?,?)", [(a.id, a.source, a.date) for a in self.articles.values()]
        )
        where, params = filters.where()
        ids = {r[0] for r in db.execute(f"SELECT id FROM articles a WHERE {where}", params)}
        return {c.id for c in self.chunks if c.article_id in ids}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    return connect(str(tmp_path_factory.mktemp("milvus") / "store.db"))


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus()


@pytest.fixture(scope="module")
def store(client, corpus: Corpus) -> MilvusCollections:
    made = MilvusCollections.create(client, "t", "gen-000001", DIM)
    made.add_chunks(corpus.chunks, corpus.articles, corpus.chunk_vectors)
    made.add_sentences(corpus.sentences, corpus.articles, corpus.sentence_vectors)
    made.flush()
    return made


@pytest.mark.parametrize("kind", ["chunks", "sentences"])
def test_dense_search_ranks_as_faiss_flat_inner_product(store, corpus: Corpus, kind: str) -> None:
    vectors = corpus.chunk_vectors if kind == "chunks" else corpus.sentence_vectors
    ids = np.array([c.id for c in corpus.chunks] if kind == "chunks" else [s.id for s in corpus.sentences])
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    flat.add_with_ids(vectors, ids.astype(np.int64))
    queries = _unit(np.random.default_rng(3).normal(size=(5, DIM)))
    scores, expected = flat.search(queries, 10)
    for q, want_ids, want_scores in zip(queries, expected, scores, strict=True):
        got = store.dense(kind, q, 10)
        assert [i for i, _ in got] == want_ids.tolist()
        assert np.allclose([s for _, s in got], want_scores, atol=1e-5)


def test_counts(store) -> None:
    assert (store.count("chunks"), store.count("sentences")) == (300, 300)


@pytest.mark.parametrize(
    ("query", "chunk_id"),
    [("ZYXXYQ", 7), ("migrant", 23), ("cafe", 41), ("Café", 41), ("新桥", 55)],
    ids=["rare-word", "porter-stem", "diacritics-folded", "diacritics-query", "cjk"],
)
def test_bm25_finds_the_chunk_with_the_word(store, query: str, chunk_id: int) -> None:
    hits = store.lexical(query, 5)
    assert hits and hits[0][0] == chunk_id and hits[0][1] > 0


def test_bm25_of_a_query_without_words_is_empty(store) -> None:
    assert store.lexical("?! -- ...", 5) == []


FILTERS = {
    "source-case-insensitive": Filters(sources=("bbc",)),
    "two-sources": Filters(sources=("BBC", "le monde")),
    "articles": Filters(article_ids=("a3", "a17")),
    "since-excludes-undated": Filters(since="2021-01-01"),
    "until-excludes-undated": Filters(until="2020-01-05"),
    "since-until-datetime": Filters(since="2021-06-30", until="2021-06-30"),
    "as-of-lets-undated-pass": Filters(as_of="2020-12-31"),
    "all-together": Filters(sources=("cnn", "BBC"), article_ids=("a1", "a4", "a5"), as_of="2022-01-01"),
    "source-injection": Filters(sources=('x" or 1==1', "x' or true or '")),
    "article-injection": Filters(article_ids=('a1"] or article_key > 0 or id in ["',)),
}


@pytest.mark.parametrize("name", FILTERS)
def test_every_ranker_returns_exactly_what_the_filters_admit(store, corpus: Corpus, name: str) -> None:
    filters = FILTERS[name]
    want = corpus.allowed(filters)
    if "injection" in name:
        assert want == set()
    query = corpus.chunk_vectors[0]
    assert {i for i, _ in store.dense("chunks", query, 300, filters)} == want
    assert {i - 1000 for i, _ in store.dense("sentences", corpus.sentence_vectors[0], 300, filters)} == want
    assert {i for i, _ in store.lexical("report", 300, filters)} == want  # every chunk's title
    assert {i for i, _ in store.hybrid(query, "report", 300, filters)} == want


def test_filter_expressions_hold_only_numbers() -> None:
    expr = filter_expr(Filters(sources=('x" or 1==1',), article_ids=("a'b",), since="2020-01-01"))
    assert not set(expr) & set("\"'\\") and "1==1" not in expr
    assert filter_expr(Filters()) == ""
    assert (day(None), day("2021-06-30T12:00:00Z")) == (0, 20210630)
    with pytest.raises(ValueError):
        day("last week")


def test_group_size_caps_the_chunks_of_each_article(store, corpus: Corpus) -> None:
    query = _unit(corpus.chunk_vectors[:10].sum(axis=0, keepdims=True))[0]  # near article a0's chunks
    plain = store.dense("chunks", query, 10)
    assert sum(1 for i, _ in plain if i < 10) > 2  # without grouping, a0 fills the list
    grouped = store.dense("chunks", query, 5, group_size=2)
    per_article: dict[str, int] = {}
    for i, _ in grouped:
        article = corpus.chunks[i].article_id
        per_article[article] = per_article.get(article, 0) + 1
    assert max(per_article.values()) == 2 and len(per_article) == 5
    assert grouped[0] == plain[0]
    assert [s for _, s in grouped] == sorted((s for _, s in grouped), reverse=True)


def test_hybrid_is_the_rrf_of_the_dense_and_bm25_lists(store, corpus: Corpus) -> None:
    query, text, k = corpus.chunk_vectors[23], "migrants crossed plain number 5", 20
    dense, lexical = store.dense("chunks", query, k), store.lexical(text, k)
    expected = reciprocal_rank([dense, lexical], k=60)
    got = store.hybrid(query, text, k, rrf_k=60)
    assert len(got) == k
    for chunk_id, score in got:
        assert score == pytest.approx(expected[chunk_id], abs=1e-6)
    best = sorted(expected.values(), reverse=True)[:k]
    assert [s for _, s in got] == pytest.approx(best, abs=1e-6)  # ties may come in either order


def test_vectors_round_trip_in_the_order_asked(store, corpus: Corpus) -> None:
    got = store.vectors("chunks", [5, 2, 299])
    assert got.dtype == np.float32 and got.shape == (3, DIM)
    assert np.allclose(got, corpus.chunk_vectors[[5, 2, 299]])
    assert np.allclose(store.vectors("sentences", [1004]), corpus.sentence_vectors[[4]])
    assert store.vectors("chunks", []).shape == (0, DIM)
    with pytest.raises(KeyError):
        store.vectors("chunks", [1, 123456])


def test_rows_carry_the_article_metadata(store) -> None:
    rows = store.rows([41, 999_999, 35])
    assert [r.id for r in rows] == [41, 35]
    assert (rows[0].article_id, rows[0].source, rows[0].date, rows[0].title) == (
        "a4",
        "BBC",
        "2019-12-31",
        "Report 4",
    )
    assert (rows[0].text, rows[0].truncated) == ("The café opened on Monday.", False)
    assert (rows[1].source, rows[1].date) == (None, None)


def test_removal_writes_over_long_text_and_upsert(client, corpus: Corpus) -> None:
    made = MilvusCollections.create(client, "rm", "gen-000001", DIM)
    long_text = "café " * 14_000 + "needle"  # 84,006 bytes: over a VARCHAR's 65,535
    chunks = [*corpus.chunks[:20], Chunk(500, "a0", 10, long_text, 0, len(long_text), 10)]
    made.add_chunks(chunks, corpus.articles, np.vstack([corpus.chunk_vectors[:20], corpus.chunk_vectors[:1]]))
    (row,) = made.rows([500])
    assert row.truncated and len(row.text.encode()) <= 65_535 and long_text.startswith(row.text)
    assert made.lexical("needle", 5) == []  # cut off with the tail: said in the README
    made.flush()  # sealed rows are removed too
    made.add_chunks(corpus.chunks[7:8], corpus.articles, corpus.chunk_vectors[7:8])  # upsert: no duplicate
    assert made.count("chunks") == 21
    made.remove("chunks", [7, 3, 424242])
    assert made.count("chunks") == 19
    assert made.lexical("zyxxyq", 5) == []
    assert 3 not in {i for i, _ in made.dense("chunks", corpus.chunk_vectors[3], 21)}


def _pair(client, prefix: str, generation: str, corpus: Corpus, n: int) -> None:
    made = MilvusCollections.create(client, prefix, generation, DIM)
    made.add_chunks(corpus.chunks[:n], corpus.articles, corpus.chunk_vectors[:n])


def test_aliases_switch_and_old_pairs_are_dropped(client, corpus: Corpus) -> None:
    _pair(client, "al", "gen-000001", corpus, 5)
    _pair(client, "al", "gen-000002", corpus, 9)
    _pair(client, "al_other", "gen-000001", corpus, 1)  # another prefix: never touched
    publish(client, "al", "gen-000001")
    published = MilvusCollections.published(client, "al")
    assert published.count("chunks") == 5
    publish(client, "al", "gen-000002")
    assert published.count("chunks") == 9  # the same object, through the aliases
    assert {i for i, _ in published.dense("chunks", corpus.chunk_vectors[8], 3)} >= {8}
    assert drop_unreferenced(client, "al", keep=set()) == [
        collection_name("al", "gen-000001", kind) for kind in ("chunks", "sentences")
    ]  # gen-000002 is published: kept even when not in `keep`
    names = set(client.list_collections())
    assert collection_name("al_other", "gen-000001", "chunks") in names
    assert collection_name("al", "gen-000002", "chunks") in names
    assert published.count("chunks") == 9


@pytest.mark.parametrize("name", ["Bad-Prefix", "t_gen_3", "1t"])
def test_prefixes_that_could_collide_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        collection_name(name, "gen-000001", "chunks")


def test_analysed_text_stems_folds_and_spaces_cjk() -> None:
    assert lexical_form("Migrants' Café in 新桥, naïve") == "migrant cafe in 新 桥 naiv"


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("http://127.0.0.1:1", "cannot open the Milvus server"),
        ("data/milvus", "path ending in .db"),
        ("ftp://example.org/x.db", "path ending in .db"),
    ],
)
def test_connect_errors_are_one_plain_sentence(uri: str, says: str) -> None:
    with pytest.raises(StoreUnavailable, match=says) as err:
        connect(uri)
    assert err.value.code == "store_unavailable" and "\n" not in str(err.value)


def test_a_lite_file_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot create the folder"):
        connect(str(tmp_path / "file" / "sub" / "m.db"))


def test_missing_packages_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "milvus_lite", None)
    with pytest.raises(StoreUnavailable, match="milvus-lite is not installed"):
        connect(str(tmp_path / "m.db"))
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    monkeypatch.delitem(sys.modules, "index.milvus_store")
    with pytest.raises(StoreUnavailable, match="needs pymilvus"):
        importlib.import_module("index.milvus_store")
