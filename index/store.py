"""SQLite storage of one generation: articles, chunks and the FTS5 table for lexical search.

`Filters` (what a search may return) lives in index/filters.py and is importable from here too."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from index import delta
from index.filters import Filters
from index.schema import SCHEMA
from index.scripts import search_form
from index.types import Article, Chunk, SentenceRow, SpanRow

DATABASE = "index.sqlite"


Member = tuple[str, str | None, str | None, str | None]  # a cluster member's (id, source, date, url)

_ARTICLE_COLS = "id, title, date, url, source, text, content_hash"
_CHUNK_COLS = 'id, article_id, ordinal, text, start, "end", tokens'
_SENTENCE_COLS = 'id, article_id, ordinal, start, "end", flag'


def _article(row: Sequence[object]) -> Article:
    return Article(
        id=str(row[0]),
        title=str(row[1]),
        date=row[2],  # type: ignore[arg-type]
        url=row[3],  # type: ignore[arg-type]
        source=row[4],  # type: ignore[arg-type]
        text=str(row[5]),
        content_hash=str(row[6]),
    )


def _chunk(row: Sequence[object]) -> Chunk:
    return Chunk(*row)  # type: ignore[arg-type]


class Database:
    """One generation's SQLite file. Writers open it read-write in a staging folder; readers read-only."""

    def __init__(self, path: Path, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self._newest: tuple[str | None] | None = None  # newest_date(), once known (read-only only)
        if readonly:
            # WAL mode: a reader sees the last committed write while another is being written, and never
            # waits for it; `snapshot()` pins one committed state for a request
            uri = f"file:{path}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        else:
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
            self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __del__(self) -> None:
        # CPython's sqlite3.Connection sits in a reference cycle (its statement cache), so without an
        # explicit close its file stays open until the cyclic GC happens to run
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()

    def snapshot(self) -> int:
        """Start a read transaction: every later read sees the state of one committed write, whose
        version (index/delta.py) this returns, until `close()`."""
        self.conn.execute("BEGIN")
        return delta.version(self.conn)

    def copy_to(self, path: Path) -> None:
        """A consistent copy of the database, committed writes in the WAL included (SQLite's backup)."""
        target = sqlite3.connect(path)
        try:
            self.conn.backup(target)
        finally:
            target.close()

    # -- writes ------------------------------------------------------------------------------------
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def put_article(self, article: Article) -> None:
        self.conn.execute(
            f"INSERT OR REPLACE INTO articles ({_ARTICLE_COLS}) VALUES (?,?,?,?,?,?,?)",
            (
                article.id,
                article.title,
                article.date,
                article.url,
                article.source,
                article.text,
                article.content_hash,
            ),
        )

    def put_chunks(self, chunks: Sequence[Chunk], title: str) -> None:
        self.conn.executemany(
            f"INSERT INTO chunks ({_CHUNK_COLS}) VALUES (?,?,?,?,?,?,?)",
            [(c.id, c.article_id, c.ordinal, c.text, c.start, c.end, c.tokens) for c in chunks],
        )
        self.conn.executemany(
            "INSERT INTO chunks_fts (rowid, text, title) VALUES (?,?,?)",
            [(c.id, search_form(c.text), search_form(title)) for c in chunks],
        )

    def next_id(self, table: str) -> int:
        """Ids of `table` ("chunks" or "sentences") are never reused, even after the newest rows were
        removed: a client holding one must not find other text under it later."""
        assert table in ("chunks", "sentences")
        row = self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
        kept = self.conn.execute("SELECT value FROM meta WHERE key = ?", (f"next_{table}_id",)).fetchone()
        if kept is None and table == "chunks":
            kept = self.conn.execute("SELECT value FROM meta WHERE key = 'next_chunk_id'").fetchone()
        return max(int(row[0]), int(kept[0]) if kept else 1)

    def set_next_id(self, table: str, value: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"next_{table}_id", str(value))
        )

    def put_sentences(self, rows: Sequence[SentenceRow]) -> None:
        self.conn.executemany(
            'INSERT INTO sentences (id, article_id, ordinal, start, "end", flag) VALUES (?,?,?,?,?,?)',
            [(r.id, r.article_id, r.ordinal, r.start, r.end, r.flag) for r in rows],
        )

    def put_spans(self, article_id: str, spans: Iterable[tuple[int, int, str]]) -> None:
        self.conn.executemany(
            'INSERT INTO spans (article_id, start, "end", label) VALUES (?,?,?,?)',
            [(article_id, start, end, label) for start, end, label in spans],
        )

    def delete_article(self, article_id: str) -> tuple[list[int], list[int]]:
        """Delete an article, its chunks, sentences and spans; returns the removed (chunk ids, sentence
        ids), for the two vector stores."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE article_id=?", (article_id,))]
        sids = [r[0] for r in self.conn.execute("SELECT id FROM sentences WHERE article_id=?", (article_id,))]
        self.conn.executemany("DELETE FROM chunks_fts WHERE rowid=?", [(i,) for i in ids])
        self.conn.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        self.conn.execute("DELETE FROM sentences WHERE article_id=?", (article_id,))
        self.conn.execute("DELETE FROM spans WHERE article_id=?", (article_id,))
        self.conn.execute("DELETE FROM near_duplicates WHERE article_id=?", (article_id,))
        self.conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
        return ids, sids

    # -- reads -------------------------------------------------------------------------------------
    def content_hash(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT content_hash FROM articles WHERE id=?", (article_id,)).fetchone()
        return str(row[0]) if row else None

    def sentence_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM sentences").fetchone()[0])

    def sentences_in(self, article_id: str, start: int, end: int) -> list[SentenceRow]:
        """The article's sentences overlapping text[start:end], in order."""
        rows = self.conn.execute(
            f"SELECT {_SENTENCE_COLS} FROM sentences "
            'WHERE article_id=? AND "end" > ? AND start < ? ORDER BY start',
            (article_id, start, end),
        ).fetchall()
        return [SentenceRow(*r) for r in rows]

    def sentences_by_ordinal(self, article_id: str, ordinals: Sequence[int]) -> list[SentenceRow]:
        if not ordinals:
            return []
        rows = self.conn.execute(
            f"SELECT {_SENTENCE_COLS} FROM sentences WHERE article_id=? "
            f"AND ordinal IN ({','.join('?' * len(ordinals))}) ORDER BY start",
            (article_id, *ordinals),
        ).fetchall()
        return [SentenceRow(*r) for r in rows]

    def flagged_in(self, article_ids: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
        """article id -> (start, end) of its flagged sentences (they address the assistant or the
        reader: index/instructions.py), in order; articles without any are left out."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            'SELECT article_id, start, "end" FROM sentences WHERE flag IS NOT NULL '
            f"AND article_id IN ({','.join('?' * len(ids))}) ORDER BY article_id, start",
            ids,
        ).fetchall()
        out: dict[str, list[tuple[int, int]]] = {}
        for article_id, start, end in rows:
            out.setdefault(str(article_id), []).append((int(start), int(end)))
        return out

    def flagged_ids(self, sentence_ids: Sequence[int]) -> set[int]:
        """The flagged ones among `sentence_ids`."""
        if not sentence_ids:
            return set()
        marks = ",".join("?" * len(sentence_ids))
        sql = f"SELECT id FROM sentences WHERE flag IS NOT NULL AND id IN ({marks})"
        rows = self.conn.execute(sql, list(sentence_ids)).fetchall()
        return {int(r[0]) for r in rows}

    def spans_in(self, article_id: str, start: int, end: int) -> list[SpanRow]:
        """Typed spans lying wholly inside text[start:end], in order."""
        rows = self.conn.execute(
            'SELECT start, "end", label FROM spans WHERE article_id=? AND start >= ? AND "end" <= ? '
            "ORDER BY start",
            (article_id, start, end),
        ).fetchall()
        return [SpanRow(*r) for r in rows]

    def counts(self) -> tuple[int, int]:
        """(articles, chunks), counted (O(rows): for builds and checks; `kept_counts` for writes)."""
        articles = self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        chunks = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return int(articles), int(chunks)

    def kept_counts(self) -> tuple[int, int, int]:
        """(articles, chunks, sentences) as the last write recorded them (one row: a write in place must
        not count every row); counted and recorded when no write has recorded them yet."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'counts'").fetchone()
        if row is not None:
            a, c, s = (int(x) for x in str(row[0]).split(","))
            return a, c, s
        return (*self.counts(), self.sentence_count())

    def keep_counts(self, articles: int, chunks: int, sentences: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('counts', ?)",
            (f"{articles},{chunks},{sentences}",),
        )

    def newest_date(self) -> str | None:
        """The newest article date (ISO day), None when no article is dated; cached while read-only
        (a published generation never changes)."""
        if self._newest is not None:
            return self._newest[0]
        query = "SELECT max(substr(date, 1, 10)) FROM articles WHERE date IS NOT NULL"
        row = self.conn.execute(query).fetchone()
        newest = str(row[0]) if row and row[0] else None
        if self.readonly:
            self._newest = (newest,)
        return newest

    def article(self, article_id: str) -> Article | None:
        row = self.conn.execute(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id=?", (article_id,)).fetchone()
        return _article(row) if row else None

    def articles(self, ids: Iterable[str]) -> dict[str, Article]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            f"SELECT {_ARTICLE_COLS} FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
        return {str(r[0]): _article(r) for r in rows}

    def clusters_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id -> its near-duplicate cluster (the canonical member's id; itself when alone)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT article_id, cluster FROM near_duplicates WHERE article_id IN ({marks})", ids
        )
        return {str(a): str(c) for a, c in rows}

    def cluster_members(
        self, clusters: Iterable[str], filters: Filters | None = None
    ) -> dict[str, list[Member]]:
        """cluster -> its members' (id, source, date, url), canonical order (dated first, by date, id);
        only members `filters` allow (a copy dated after the as-of date, or from an outlet the search
        excluded, is not "also reported by")."""
        ids = list(dict.fromkeys(clusters))
        if not ids:
            return {}
        where, params = (filters or Filters()).where()
        rows = self.conn.execute(
            "SELECT n.cluster, a.id, a.source, a.date, a.url FROM near_duplicates n "
            f"JOIN articles a ON a.id = n.article_id WHERE n.cluster IN ({','.join('?' * len(ids))}) "
            f"AND {where} ORDER BY a.date IS NULL, a.date, a.id",
            [*ids, *params],
        )
        out: dict[str, list[Member]] = {}
        for cluster, *member in rows:
            out.setdefault(str(cluster), []).append(tuple(member))
        return out

    def newest_title(self) -> str | None:
        """The title of the most recently dated article (undated ones last), None in an empty index."""
        row = self.conn.execute(
            "SELECT title FROM articles WHERE title != '' ORDER BY date IS NULL, date DESC, id LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None

    def article_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM articles ORDER BY id")]

    def chunks_of(self, article_id: str) -> list[Chunk]:
        rows = self.conn.execute(
            f"SELECT {_CHUNK_COLS} FROM chunks WHERE article_id=? ORDER BY ordinal", (article_id,)
        ).fetchall()
        return [_chunk(r) for r in rows]

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        if not ids:
            return {}
        rows = self.conn.execute(
            f"SELECT {_CHUNK_COLS} FROM chunks WHERE id IN ({','.join('?' * len(ids))})", list(ids)
        ).fetchall()
        return {int(r[0]): _chunk(r) for r in rows}

    def chunks_holding(self, sentence_ids: Sequence[int]) -> dict[int, int]:
        """sentence id -> id of the first chunk (lowest ordinal) that holds the sentence's start."""
        if not sentence_ids:
            return {}
        rows = self.conn.execute(
            "SELECT s.id, c.id FROM sentences s JOIN chunks c ON c.article_id = s.article_id "
            'AND c.start <= s.start AND s.start < c."end" '
            f"WHERE s.id IN ({','.join('?' * len(sentence_ids))}) ORDER BY c.ordinal DESC",
            list(sentence_ids),
        ).fetchall()
        return {int(sid): int(cid) for sid, cid in rows}  # lowest ordinal last: it wins

    def sentence_ids_matching(self, filters: Filters) -> list[int]:
        where, params = filters.where()
        sql = f"SELECT s.id FROM sentences s JOIN articles a ON a.id = s.article_id WHERE {where}"
        return [r[0] for r in self.conn.execute(sql, params)]

    def chunk_ids_matching(self, filters: Filters) -> list[int]:
        where, params = filters.where()
        sql = f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}"
        return [r[0] for r in self.conn.execute(sql, params)]

    def doc_freq(self, words: Iterable[str]) -> dict[str, int]:
        """Chunks containing each word (after the FTS tokenizer's stemming; a Han word as the phrase
        of its characters); for IDF weights."""
        out = {}
        for w in words:
            phrase = '"' + search_form(w.replace('"', "")).strip() + '"'
            row = self.conn.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (phrase,))
            out[w] = int(row.fetchone()[0])
        return out

    def lexical_scores(self, match: str, chunk_ids: Sequence[int]) -> dict[int, float]:
        """BM25 score (as `lexical` gives it) of each of `chunk_ids` that matches; others are left out."""
        marks = ",".join("?" * len(chunk_ids))
        sql = (
            "SELECT rowid, -bm25(chunks_fts, 1.0, 0.5) FROM chunks_fts WHERE chunks_fts MATCH ? "
            f"AND rowid IN ({marks})"
        )
        return {int(r[0]): float(r[1]) for r in self.conn.execute(sql, [match, *chunk_ids])}

    def lexical(self, match: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score, higher is better) for an FTS5 MATCH expression."""
        if not filters:  # the join costs as much as the ranking: only pay for it when filtering
            sql = (
                "SELECT rowid, -bm25(chunks_fts, 1.0, 0.5) FROM chunks_fts WHERE chunks_fts MATCH ? "
                "ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?"
            )
            rows = self.conn.execute(sql, [match, k]).fetchall()
            return [(int(r[0]), float(r[1])) for r in rows]
        where, params = filters.where()
        sql = (
            "SELECT f.rowid, -bm25(chunks_fts, 1.0, 0.5) AS score FROM chunks_fts f "
            "JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
            f"WHERE chunks_fts MATCH ? AND {where} ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?"
        )
        rows = self.conn.execute(sql, [match, *params, k]).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]
