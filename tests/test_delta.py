"""Incremental writes (index/delta.py): vector views against brute force, automatic compaction, and a
write's cost not growing with the index (counted in rows it reads, not timed)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import delta, ingest
from index import writer as writer_module
from index.delta import CHUNK, VectorView
from index.embedding import FakeEmbedder
from index.errors import IndexLocked
from index.live import IndexReader, LiveIndex
from index.sources import articles_from_records
from index.vectors import FaissStore
from rag.library import Library
from rag.settings import Settings

DIM = 16


def _db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);" + delta.SCHEMA)
    return conn


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 4)), min_size=1, max_size=12), st.integers(0, 99))
def test_a_view_after_any_writes_searches_like_brute_force(writes: list[tuple[int, int]], seed: int) -> None:
    """Each write adds some vectors and tombstones some live ids; the view advanced write by write
    (segments merged as they come) finds what a brute-force search over the live vectors finds."""
    rng = np.random.default_rng(seed)
    base = FaissStore(DIM)
    live: dict[int, np.ndarray] = {}
    first = _unit(rng, 20)
    base.add(np.arange(1, 21, dtype=np.int64), first)
    live.update(zip(range(1, 21), first, strict=True))
    conn, view, next_id = _db(), VectorView(base), 21
    for version, (adds, removes) in enumerate(writes, start=1):
        vecs = _unit(rng, adds)
        ids = np.arange(next_id, next_id + adds, dtype=np.int64)
        next_id += adds
        gone = list(rng.choice(sorted(live), size=min(removes, len(live)), replace=False))
        conn.execute("BEGIN")
        delta.put_vectors(conn, CHUNK, ids, vecs, version)
        delta.put_tombstones(conn, CHUNK, gone, version)
        delta.set_version(conn, version)
        conn.execute("COMMIT")
        view = view.advanced(conn, CHUNK, version - 1)
        live.update(zip(ids.tolist(), vecs, strict=True))
        for i in gone:
            live.pop(int(i))
    assert len(view) == len(live)
    assert len(view.segments) <= max(1, int(np.log2(max(next_id, 2))) + 1)
    query = _unit(rng, 1)[0]
    expected = sorted(live, key=lambda i: -float(live[i] @ query))[:5]
    assert [i for i, _ in view.search(query, 5)] == expected
    allowed = np.array(sorted(live)[::2], dtype=np.int64)
    want = sorted(allowed.tolist(), key=lambda i: -float(live[i] @ query))[:3]
    assert [i for i, _ in view.search(query, 3, allowed)] == want
    some = sorted(live)[:4]
    np.testing.assert_allclose(view.vectors(some), np.stack([live[i] for i in some]), atol=1e-6)


def _record(i: int) -> dict[str, str]:
    words = " ".join(f"word{i}x{j}" for j in range(40))
    return {"id": f"r{i}", "title": f"Report {i}", "text": f"Report {i} says {words}. It ended."}


def test_writes_compact_by_themselves_once_the_delta_outgrows_its_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write in place reports `compaction_due` once the delta outgrows its share; the Library (a
    command) then compacts inline: a new generation with the delta folded in."""
    monkeypatch.setattr(writer_module, "COMPACT_MIN", 10)
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(8)))
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [source], emb)
    due = [
        ingest.add_articles(tmp_path / "idx", articles_from_records([_record(i)], "b"), emb).compaction_due
        for i in range(8, 12)
    ]
    assert due[0] is False and due[-1] is True  # still written in place: the caller compacts
    assert (tmp_path / "idx" / "CURRENT").read_text().strip() == "gen-000001"
    library = Library(Settings(index_dir=tmp_path / "idx", model="fake"), emb)
    generations = {library.upsert([_record(i)])[0].generation for i in range(12, 20)}
    assert (tmp_path / "idx" / "CURRENT").read_text().strip() != "gen-000001" and len(generations) > 1
    reader = IndexReader.open(tmp_path / "idx")
    assert reader.manifest.articles == 20 and len(reader.vectors) == reader.manifest.chunks
    assert sorted(reader.db.article_ids()) == sorted(f"r{i}" for i in range(20))
    added, removed = delta.sizes(reader.db.conn)
    assert added + removed < 10 * 4  # folded at least once


def test_a_server_compacts_in_the_background_and_refuses_writes_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "COMPACT_MIN", 10)
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(8)))
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [source], emb)
    library = Library(Settings(index_dir=tmp_path / "idx", model="fake"), emb)
    library.compact_in_background = True
    started = threading.Event()
    proceed = threading.Event()
    real = ingest.compact

    def slow_compact(*args: object, **kwargs: object) -> ingest.IngestReport:
        started.set()
        assert proceed.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "compact", slow_compact)
    for i in range(8, 12):
        report, _ = library.upsert([_record(i)])
        if report.compaction_due:
            break
    assert report.compaction_due and report.generation == "gen-000001"  # the write returned at once
    assert started.wait(30)
    with pytest.raises(IndexLocked, match="compacted"):
        library.upsert([_record(50)])
    with library.lease() as reader:  # reads go on
        assert reader.db.article("r8") is not None
    proceed.set()
    assert library.jobs.join(timeout=30)
    assert library.jobs.snapshot()["state"] == "succeeded"  # type: ignore[index]
    assert library.reader().generation == "gen-000002"
    assert library.upsert([_record(50)])[0].added == 1


def test_a_snapshot_costs_the_write_not_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows a reader reads to follow one write in place are that write's, however many came before."""
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(30)))
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [source], emb)
    live = LiveIndex(tmp_path / "idx", emb)
    live.get()
    read: list[int] = []
    real = delta._rows

    def counted(
        conn: sqlite3.Connection, kind: int, after: int, dim: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        ids, vecs = real(conn, kind, after, dim)
        read.append(len(ids))
        return ids, vecs

    monkeypatch.setattr(delta, "_rows", counted)
    for i in range(30, 36):
        ingest.add_articles(tmp_path / "idx", articles_from_records([_record(i)], "b"), emb)
        read.clear()
        reader = live.get()
        assert reader.db.article(f"r{i}") is not None
        per_write = sum(read)
        assert 0 < per_write <= 2 * 10  # one article's chunks and sentences, not everything since the build


class _PausingEmbedder(FakeEmbedder):
    """Stops in its first embedding call until told to go on: a write held open mid-transaction."""

    def __init__(self) -> None:
        super().__init__()
        self.started, self.go = threading.Event(), threading.Event()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.started.set()
        assert self.go.wait(30)
        return super().embed_documents(texts)


def test_readers_never_wait_for_a_write_in_place(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(10)))
    ingest.build(tmp_path / "idx", [source], FakeEmbedder())
    embedder = _PausingEmbedder()
    live = LiveIndex(tmp_path / "idx", FakeEmbedder())
    write = threading.Thread(
        target=ingest.add_articles,
        args=(tmp_path / "idx", articles_from_records([_record(99)], "b"), embedder),
    )
    write.start()
    try:
        assert embedder.started.wait(30)  # the write's transaction is open, its rows inserted
        with live.lease() as reader:  # a new reader, while the writer holds the database
            hits = reader.vectors.search(FakeEmbedder().embed_query("Report 3 says"), 5)
            assert hits and reader.db.article("r3") is not None and reader.db.article("r99") is None
            assert reader.db.lexical('"report"', 5)
        # the reads were done while the writer still held its transaction (a blocked reader would
        # have waited until the writer gave up after 30 s)
        assert write.is_alive() and not embedder.go.is_set()
    finally:
        embedder.go.set()
        write.join(30)
    with live.lease() as reader:
        assert reader.db.article("r99") is not None


def test_big_generations_hold_an_hnsw_graph_and_search_like_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over APPROXIMATE_FROM vectors a generation's files hold an HNSW graph (index/vectors.py): built
    at the seal, searched with efSearch, made flat again to fold a delta in, and exact for a filter
    that allows few ids. Here the line is lowered to this small index's size."""
    from index import vectors as faiss_files

    monkeypatch.setattr(faiss_files, "APPROXIMATE_FROM", 20)
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(30)))
    emb = FakeEmbedder()
    ingest.build(tmp_path / "idx", [source], emb)
    reader = IndexReader.open(tmp_path / "idx")
    assert reader.vectors.base.approximate and reader.sentence_vectors.base.approximate
    flat = reader.vectors.base.as_flat()
    assert not flat.approximate and len(flat) == len(reader.vectors)
    for i in (0, 7, 29):
        query = emb.embed_query(f"Report {i} says word{i}x3 word{i}x9")
        assert reader.vectors.search(query, 3) == flat.search(query, 3)  # small graph: exact
        allowed = np.array([c.id for c in reader.db.chunks_of(f"r{i}")], dtype=np.int64)
        assert reader.vectors.search(query, 2, allowed) == flat.search(query, 2, allowed)
    ingest.add_articles(tmp_path / "idx", articles_from_records([_record(40)], "b"), emb)
    assert ingest.compact(tmp_path / "idx", emb).generation == "gen-000002"
    after = IndexReader.open(tmp_path / "idx")
    assert after.vectors.base.approximate and len(after.vectors) == after.manifest.chunks
    query = emb.embed_query("Report 40 says word40x3")
    (best, _), *_ = after.vectors.search(query, 1)
    assert after.db.chunks([best])[best].article_id == "r40"


def test_the_wal_restarts_while_a_server_follows_writes(tmp_path: Path) -> None:
    """The served snapshot is re-pinned after each write's checkpoint, so no reader holds the WAL's
    frames and SQLite reuses the WAL from its start: it stays the size of a few writes instead of growing
    by every write (150 writes: 35 MB beside a 2 MB database before)."""
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(20)))
    library = Library(Settings(index_dir=tmp_path / "idx", model="fake"), FakeEmbedder())
    library.build([source])
    library.reader()
    sizes = []
    for i in range(20, 80):
        library.upsert([_record(i)])
        with library.lease() as reader:
            assert reader.db.article(f"r{i}") is not None
            wal = reader.folder / "index.sqlite-wal"
        sizes.append(wal.stat().st_size)
    assert max(sizes[-20:]) <= max(sizes[:20]) * 2  # bounded, not growing with the writes
