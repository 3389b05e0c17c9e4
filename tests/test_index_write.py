"""Build, incremental add/update/remove, model checks and locking, with the fake embedder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import ingest
from index.embedding import FakeEmbedder
from index.errors import IndexCorrupt, IndexLocked, IndexNotFound, ModelMismatch
from index.live import IndexReader, LiveIndex
from index.lock import WriterLock
from index.search_backends import StoreConfig
from index.store import Filters
from rag.retrieval import search

pytestmark = pytest.mark.usefixtures("store")  # every test on the local store and on Milvus Lite


def article(i: int, words: str = "", **extra: object) -> dict[str, object]:
    body = " ".join(f"Sentence {j} of article {i} talks about topic{i} and {words}." for j in range(30))
    return {
        "id": f"a{i}",
        "title": f"Article {i}",
        "date": f"2020-01-{i + 1:02d}",
        "source": "Wire",
        "url": f"https://example.org/{i}",
        "text": body,
        **extra,
    }


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "articles.jsonl", [article(i) for i in range(5)])


def test_build_stores_articles_chunks_vectors_and_manifest(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    report = ingest.build(tmp_path / "idx", [corpus], emb)
    assert (report.added, report.failed, report.generation) == (5, [], "gen-000001")
    reader = IndexReader.open(tmp_path / "idx", emb)
    m = reader.manifest
    assert (m.articles, m.model.name, m.model.dim) == (5, "fake", 64)
    assert m.chunks == len(reader.vectors) == report.chunks_embedded > 5
    # every sentence is embedded too, once, and stored with exact offsets
    assert m.sentences == len(reader.sentence_vectors) == report.sentences_embedded > m.chunks
    assert emb.calls == report.chunks_embedded + report.sentences_embedded
    a = reader.db.article("a3")
    assert a is not None and a.date == "2020-01-04" and a.source == "Wire"
    for c in reader.db.chunks_of("a3"):
        assert a.text[c.start : c.end] == c.text
    # the stored vector of a chunk is the embedding of its title and text
    chunk = reader.db.chunks_of("a3")[0]
    hits = reader.vectors.search(emb.embed_query(f"Article 3\n{chunk.text}"), 1)
    assert hits[0][0] == chunk.id and hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_readding_unchanged_articles_embeds_nothing(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    report = ingest.add(tmp_path / "idx", [corpus], emb)
    assert (report.unchanged, report.added, report.updated, report.chunks_embedded) == (5, 0, 0, 0)


def test_an_add_that_changes_nothing_publishes_no_generation(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    report = ingest.add(tmp_path / "idx", [corpus], emb)
    assert (report.generation, report.articles) == ("gen-000001", 5)
    assert IndexReader.open(tmp_path / "idx").generation == "gen-000001"


def test_chunk_ids_are_not_reused_after_removing_the_newest(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    last = max(c.id for c in IndexReader.open(tmp_path / "idx").db.chunks_of("a4"))
    ingest.remove(tmp_path / "idx", ["a4"], emb)
    ingest.add(tmp_path / "idx", [write_jsonl(tmp_path / "new.jsonl", [article(8)])], emb)
    assert min(c.id for c in IndexReader.open(tmp_path / "idx").db.chunks_of("a8")) > last


def test_live_index_keeps_serving_when_a_new_generation_will_not_open(tmp_path: Path, corpus: Path) -> None:
    ingest.build(tmp_path / "idx", [corpus], FakeEmbedder())
    live = LiveIndex(tmp_path / "idx", FakeEmbedder())
    first = live.get()
    ingest.build(tmp_path / "idx", [corpus], FakeEmbedder(dim=32))  # rebuilt with another model
    assert live.get() is first  # logged, not raised: queries keep their answers
    with pytest.raises(ModelMismatch):
        LiveIndex(tmp_path / "idx", FakeEmbedder()).get()  # a fresh server has nothing to fall back on


def test_editing_one_article_reembeds_only_its_chunks(
    tmp_path: Path, corpus: Path, store: StoreConfig
) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    before = IndexReader.open(tmp_path / "idx")
    old_ids = {c.id for c in before.db.chunks_of("a2")}
    records = [article(i) for i in range(5)]
    records[2] = article(2, words="an entirely new development")
    edited = write_jsonl(tmp_path / "edited.jsonl", [*records, article(9)])
    report = ingest.add(tmp_path / "idx", [edited], emb)
    after = IndexReader.open(tmp_path / "idx")
    new_chunks = after.db.chunks_of("a2")
    assert (report.updated, report.added, report.unchanged) == (1, 1, 4)
    assert report.chunks_embedded == len(new_chunks) + len(after.db.chunks_of("a9"))
    assert old_ids.isdisjoint(c.id for c in new_chunks)
    assert len(after.vectors) == after.manifest.chunks
    assert "new development" in after.db.chunks_of("a2")[0].text
    # the old chunks are gone from lexical search too
    assert after.db.lexical('"development"', 50) and all(
        after.db.chunks([cid])[cid].article_id == "a2" for cid, _ in after.db.lexical('"development"', 50)
    )
    # the old snapshot still reads as it was (readers that opened it keep working); Milvus keeps no
    # snapshots of its vectors: there the old snapshot's search meets the new rows (dropped as unknown)
    assert before.db.chunks_of("a2")[0].id in old_ids
    assert len(before.vectors) == before.manifest.chunks or store.kind == "milvus"


def test_remove_deletes_chunks_and_vectors_and_reports_unknown_ids(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    report = ingest.remove(tmp_path / "idx", ["a1", "nope"], emb)
    assert report.removed == 1 and report.missing == ["nope"] and not report.ok
    reader = IndexReader.open(tmp_path / "idx")
    assert reader.db.article("a1") is None and reader.db.chunks_of("a1") == []
    assert len(reader.vectors) == reader.manifest.chunks
    assert reader.db.lexical('"topic1"', 10) == []


def test_removing_only_unknown_ids_publishes_no_generation(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    report = ingest.remove(tmp_path / "idx", ["nope"], emb)
    assert (report.removed, report.missing, report.generation, report.articles) == (
        0,
        ["nope"],
        "gen-000001",
        5,
    )
    assert IndexReader.open(tmp_path / "idx").generation == "gen-000001"


def test_remove_without_an_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        ingest.remove(tmp_path / "idx", ["a1"], FakeEmbedder())


def test_opening_with_another_model_names_both(tmp_path: Path, corpus: Path) -> None:
    ingest.build(tmp_path / "idx", [corpus], FakeEmbedder(dim=64))
    with pytest.raises(ModelMismatch, match="dimension 64"):
        IndexReader.open(tmp_path / "idx", FakeEmbedder(dim=32))
    with pytest.raises(ModelMismatch, match=r"'fake'.*'other'"):
        IndexReader.open(tmp_path / "idx", FakeEmbedder(name="other"))
    with pytest.raises(ModelMismatch):
        ingest.add(tmp_path / "idx", [corpus], FakeEmbedder(dim=32))


def test_a_tampered_file_is_detected_at_open(tmp_path: Path, corpus: Path, store: StoreConfig) -> None:
    if store.kind == "milvus":
        pytest.skip("the vectors are in Milvus: no vectors.faiss to tamper with")
    ingest.build(tmp_path / "idx", [corpus], FakeEmbedder())
    reader = IndexReader.open(tmp_path / "idx")
    with open(reader.folder / "vectors.faiss", "r+b") as f:
        f.seek(100)
        f.write(b"\x00\xff\x00\xff")
    with pytest.raises(IndexCorrupt, match="checksum"):
        IndexReader.open(tmp_path / "idx")


def test_opening_a_missing_index_says_run_build(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="rag build"):
        IndexReader.open(tmp_path / "nothing")


def test_second_writer_fails_fast_naming_the_pid(tmp_path: Path, corpus: Path) -> None:
    import os

    with WriterLock(tmp_path / "idx"), pytest.raises(IndexLocked, match=rf"locked by pid {os.getpid()}\b"):
        ingest.build(tmp_path / "idx", [corpus], FakeEmbedder())
    assert not (tmp_path / "idx" / "CURRENT").exists()


def test_build_with_no_readable_article_keeps_the_old_index(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(Exception, match=r"bad\.json"):
        ingest.build(tmp_path / "idx", [bad], emb)
    assert IndexReader.open(tmp_path / "idx").manifest.articles == 5


def test_good_and_bad_files_index_the_good_and_name_the_bad(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "good.jsonl", [article(1)])
    (folder / "broken.json").write_text('{"id": "x", "title": ')
    report = ingest.build(tmp_path / "idx", [folder], FakeEmbedder())
    assert report.added == 1 and [f.path for f in report.failed] == [str(folder / "broken.json")]


def test_old_generations_are_collected_keeping_two(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    for _ in range(4):
        ingest.build(tmp_path / "idx", [corpus], emb)
    names = sorted(p.name for p in (tmp_path / "idx" / "generations").iterdir())
    assert names == ["gen-000003", "gen-000004"]


def test_live_index_follows_writes_in_place_and_new_generations(
    tmp_path: Path, corpus: Path, store: StoreConfig
) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    live = LiveIndex(tmp_path / "idx", emb)
    query = emb.embed_query("Article 7\nSentence 3 of article 7 talks about topic7 and .")
    with live.lease() as first:
        assert live.get() is first
        ingest.add(tmp_path / "idx", [write_jsonl(tmp_path / "more.jsonl", [article(7)])], emb)
        with live.lease() as second:
            # an add changes the generation in place: a new snapshot of it; the leased one is unchanged
            assert second.generation == first.generation and second.version == first.version + 1
            assert second.db.article("a7") is not None and first.db.article("a7") is None
            (best, _), *_ = second.vectors.search(query, 3)
            assert second.db.chunks([best])[best].article_id == "a7"
            # the old snapshot's vectors hold no chunk its database does not know (Milvus keeps no
            # snapshots: its search may meet them, and retrieval drops them)
            hits = first.vectors.search(query, 50)
            known = first.db.chunks([cid for cid, _ in hits])
            assert len(known) == len(hits) or store.kind == "milvus"
            assert "a7" not in {p.article_id for p in search(first, emb, "article 7 topic7").passages}
    ingest.build(tmp_path / "idx", [corpus], emb)  # a rebuild publishes a new generation
    third = live.get()
    assert third.generation != "gen-000001" and third.db.article("a7") is None


def test_filters_restrict_dense_and_lexical_search(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    reader = IndexReader.open(tmp_path / "idx")
    f = Filters(since="2020-01-02", until="2020-01-03")
    allowed = np.array(reader.db.chunk_ids_matching(f))
    dense = reader.vectors.search(emb.embed_query("topic0 article"), 100, allowed)
    lexical = reader.db.lexical('"article"', 100, f)
    for hits in (dense, lexical):
        assert hits
        assert {reader.db.chunks([cid])[cid].article_id for cid, _ in hits} == {"a1", "a2"}
    assert reader.db.lexical('"article"', 100, Filters(sources=("wire",)))
    assert reader.db.lexical('"article"', 100, Filters(sources=("Other",))) == []


def test_sentences_and_spans_follow_their_article_through_edits_and_removal(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    text = "Ana Ruiz opened the bridge in Dunmore on Monday. It cost 4 million euros. Crowds cheered."
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "b", "title": "Bridge", "text": text}])
    ingest.build(tmp_path / "idx", [first], emb)
    reader = IndexReader.open(tmp_path / "idx")
    rows = reader.db.sentences_in("b", 0, len(text))
    assert [text[r.start : r.end] for r in rows] == [
        "Ana Ruiz opened the bridge in Dunmore on Monday.",
        "It cost 4 million euros.",
        "Crowds cheered.",
    ]
    assert reader.manifest.annotator.startswith("spacy:")
    spans = {(text[s.start : s.end], s.label) for s in reader.db.spans_in("b", 0, len(text))}
    assert ("Monday", "DATE") in spans and any(label in ("MONEY", "CARDINAL") for _, label in spans)
    vecs = reader.sentence_vectors.vectors([r.id for r in rows])
    assert float(vecs[1] @ emb.embed_documents(["It cost 4 million euros."])[0]) > 0.999

    edited = write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "title": "Bridge", "text": "Nobody came."}])
    ingest.add(tmp_path / "idx", [edited], emb)
    after = IndexReader.open(tmp_path / "idx")
    new_rows = after.db.sentences_in("b", 0, 100)
    assert len(new_rows) == 1 and new_rows[0].id > max(r.id for r in rows)  # ids never reused
    assert len(after.sentence_vectors) == after.manifest.sentences == 1
    assert after.db.spans_in("b", 0, 100) == [] or all(s.end <= 12 for s in after.db.spans_in("b", 0, 100))
    with pytest.raises(KeyError):
        after.sentence_vectors.vectors([rows[0].id])

    ingest.remove(tmp_path / "idx", ["b"], emb)
    gone = IndexReader.open(tmp_path / "idx")
    assert gone.manifest.sentences == len(gone.sentence_vectors) == 0
    assert gone.db.sentences_in("b", 0, 100) == [] and gone.db.spans_in("b", 0, 100) == []


def test_an_index_of_the_previous_format_asks_for_a_rebuild(tmp_path: Path, corpus: Path) -> None:
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [corpus], emb)
    reader = IndexReader.open(tmp_path / "idx")
    manifest = reader.folder / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format_version": 1}))
    with pytest.raises(IndexCorrupt, match="rebuild with `rag build`"):
        IndexReader.open(tmp_path / "idx")
