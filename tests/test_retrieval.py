"""Fusion, FTS query building, filters and the per-article cap (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import ingest
from index.embedding import FakeEmbedder
from index.live import IndexReader
from index.search_backends import StoreConfig, fts_query
from index.store import Filters
from rag.fusion import rrf
from rag.retrieval import query_words, search, selective_terms

pytestmark = pytest.mark.usefixtures("store")  # every test on the local store and on Milvus Lite


def test_rrf_adds_reciprocal_ranks() -> None:
    scores = rrf([["a", "b", "c"], ["c", "a"]], k=60)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)
    assert sorted(scores, key=lambda x: -scores[x]) == ["a", "c", "b"]


def test_rrf_weights_scale_each_ranking() -> None:
    scores = rrf([["a"], ["b"]], k=10, weights=[2.0, 1.0])
    assert scores == {"a": pytest.approx(2 / 11), "b": pytest.approx(1 / 11)}


@pytest.mark.parametrize(
    "question",
    [
        '"migrants" AND NOT caravan*',
        "-leaving OR (why",
        "NEAR(a b)",
        "title:foo",
        "^start",
        "'",
        "*",
        "“”",
        "",
    ],
)
def test_fts_query_quotes_every_term(question: str) -> None:
    match = fts_query(query_words(question))
    if match is not None:
        for part in match.split(" OR "):
            assert part.startswith('"') and part.endswith('"') and '"' not in part[1:-1]


def test_selective_terms_drop_unseen_and_very_common_words() -> None:
    df = {"the": 900, "said": 400, "ferry": 12, "kraken": 0, "strike": 30}
    assert selective_terms(["said", "ferry", "kraken", "strike"], df, 1000) == ["ferry", "strike"]
    # with fewer than two selective words left, the common ones stay: something must be searched
    assert selective_terms(["the", "said", "ferry"], df, 1000) == ["the", "said", "ferry"]
    assert selective_terms(["kraken"], df, 1000) == []


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    records = []
    for i, (source, date) in enumerate([("Alpha", "2020-01-01"), ("Beta", "2021-06-01"), ("Alpha", None)]):
        text = " ".join(f"Paragraph {j}: harbour ferry strike number {j} in town{i}." for j in range(60))
        records.append(
            {"id": f"a{i}", "title": f"Ferry strike {i}", "date": date, "source": source, "text": text}
        )
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest.build(tmp_path / "idx", [path], FakeEmbedder())
    return tmp_path / "idx"


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_per_article_cap_keeps_other_articles_in_view(index_dir: Path, mode: str, store: StoreConfig) -> None:
    reader = IndexReader.open(index_dir)
    result = search(reader, FakeEmbedder(), "ferry strike harbour", k=6, mode=mode, per_article=2)  # type: ignore[arg-type]
    ids = [p.article_id for p in result.passages]
    assert len(ids) == 6 and all(ids.count(a) == 2 for a in set(ids))
    assert [p.rank for p in result.passages] == list(range(1, 7))
    for p in result.passages:
        article = reader.db.article(p.article_id)
        assert article is not None and article.text[p.start : p.end] == p.text
        found_by = {"dense": p.dense is not None, "lexical": p.lexical is not None}
        if mode == "hybrid":
            assert any(found_by.values()) or store.kind == "milvus"  # Milvus fuses the two inside
        else:
            assert found_by == {"dense": mode == "dense", "lexical": mode == "lexical"}


def test_a_plain_lexical_search_embeds_nothing(index_dir: Path) -> None:
    emb = FakeEmbedder()
    plain = search(IndexReader.open(index_dir), emb, "ferry strike", mode="lexical", for_answer=False)
    assert plain.passages and plain.query_vector is None and "embed" not in plain.timings
    answering = search(IndexReader.open(index_dir), emb, "ferry strike", mode="lexical")
    assert answering.query_vector is not None and answering.doc_freq


def test_filters_really_filter(index_dir: Path) -> None:
    reader = IndexReader.open(index_dir)
    emb = FakeEmbedder()
    by_source = search(reader, emb, "ferry strike", filters=Filters(sources=("beta",)))
    assert {p.article_id for p in by_source.passages} == {"a1"}
    by_date = search(reader, emb, "ferry strike", filters=Filters(until="2020-12-31"))
    assert {p.article_id for p in by_date.passages} == {"a0"}  # the undated article is not "before" anything
    by_id = search(reader, emb, "ferry strike", filters=Filters(article_ids=("a2",)))
    assert {p.article_id for p in by_id.passages} == {"a2"}
    assert search(reader, emb, "ferry", filters=Filters(since="2030-01-01")).passages == []


@pytest.mark.parametrize("query", ['"ferry" AND (strike OR -harbour*)', "NEAR(", ")))", "?!", "   "])
def test_fts_syntax_in_a_query_never_crashes(index_dir: Path, query: str) -> None:
    result = search(IndexReader.open(index_dir), FakeEmbedder(), query, mode="lexical")
    assert isinstance(result.passages, list)


def test_sentence_ranker_finds_the_chunk_of_the_best_sentence_and_obeys_filters(tmp_path: Path) -> None:
    from index.annotate import NoAnnotator
    from rag.retrieval import _by_sentence

    emb = FakeEmbedder()
    filler = " ".join(f"Filler sentence {i} about nothing much at all." for i in range(60))
    records = [
        {"id": "a", "title": "A", "source": "Wire", "text": filler + " The kraken surfaced near the pier."},
        {"id": "b", "title": "B", "source": "Post", "text": "The kraken surfaced near the pier. " + filler},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest.build(tmp_path / "idx", [path], emb, annotator=NoAnnotator())
    reader = IndexReader.open(tmp_path / "idx", emb)
    ranked = _by_sentence(reader, emb.embed_query("kraken surfaced near the pier"), Filters())
    chunks = reader.db.chunks([cid for cid, _ in ranked[:2]])
    assert {c.article_id for c in chunks.values()} == {"a", "b"}
    assert all("kraken" in c.text for c in chunks.values())  # each the chunk holding the sentence
    only_post = _by_sentence(reader, emb.embed_query("kraken"), Filters(sources=("post",)))
    assert only_post and {reader.db.chunks([cid])[cid].article_id for cid, _ in only_post} == {"b"}
    found = search(reader, emb, "Where did the kraken surface?", filters=Filters(sources=("Wire",)))
    assert found.passages and {p.article_id for p in found.passages} == {"a"}


SCRIPTS = Path(__file__).parent / "data" / "scripts" / "bridge"


@pytest.fixture(scope="module")
def _scripts_indexes() -> dict[str, Path]:
    return {}  # store kind -> the index built on it, once per module


@pytest.fixture
def scripts_index(
    _scripts_indexes: dict[str, Path], store: StoreConfig, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    from index.annotate import NoAnnotator

    if store.kind not in _scripts_indexes:
        index_dir = tmp_path_factory.mktemp("scripts") / "idx"
        ingest.build(index_dir, [SCRIPTS], FakeEmbedder(), annotator=NoAnnotator())
        _scripts_indexes[store.kind] = index_dir
    return _scripts_indexes[store.kind]


@pytest.mark.parametrize(
    ("query", "article_id"),
    [
        ("桥", "zh"),  # one character of a word inside a sentence
        ("三百米", "zh"),  # a Chinese word inside a sentence
        ("新桥有多长？", "zh"),
        ("渋谷", "ja"),
        ("서울", "ko"),  # a Korean word with a particle attached ("서울에서")
        ("다리", "ko"),
        ("駅", "ja"),
        ("น้ำท่วม", "th"),  # a Thai word inside a run without spaces
        ("यातायात", "hi"),  # Devanagari with vowel signs
        ("الجسر", "ar"),
        ("הגשר", "he"),
        ("vecinos", "es"),
        ("footbridge", "en"),
        # invisible and equivalent characters in the article: soft hyphen, zero-width space, NBSP,
        # decomposed accents, ZWJ/ZWNJ, a BOM — and the same characters in the query
        ("newspaper", "invisible"),
        ("ferrymen", "invisible"),
        ("committee", "invisible"),
        ("café", "invisible"),
        ("Saint-Étienne", "invisible"),
        ("cooperative", "invisible"),
        ("news\u00adpaper", "invisible"),
        ("cafe\u0301", "invisible"),
    ],
)
def test_lexical_search_finds_words_in_every_script(scripts_index: Path, query: str, article_id: str) -> None:
    reader = IndexReader.open(scripts_index)
    result = search(reader, FakeEmbedder(), query, mode="lexical", for_answer=False)
    assert result.passages, f"{query!r} found nothing"
    assert result.passages[0].article_id == article_id
    for p in result.passages:  # the index holds the search form; passages are still exact article text
        article = reader.db.article(p.article_id)
        assert article is not None and article.text[p.start : p.end] == p.text


def test_stored_text_keeps_every_invisible_character(scripts_index: Path) -> None:
    reader = IndexReader.open(scripts_index)
    article = reader.db.article("invisible")
    assert article is not None
    # cleaning (index/cleaning.py) folds NBSP into a space and drops a BOM; the rest stays as written
    for ch in ("\u00ad", "\u200b", "\u0301", "\u200d", "\u200c"):
        assert ch in article.text
    for row in reader.db.sentences_in("invisible", 0, len(article.text)):
        assert article.text[row.start : row.end].strip() == article.text[row.start : row.end]
