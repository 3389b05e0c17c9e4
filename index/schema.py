"""The SQLite schema of a generation's database (index/store.py): articles, chunks, FTS5, sentences,
typed spans, near-duplicates with their LSH bands (index/clusters.py), and the delta of incremental
writes (index/delta.py)."""

from __future__ import annotations

from index import clusters, delta

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    date TEXT,
    url TEXT,
    source TEXT,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id, ordinal);
-- every sentence of every article, embedded at index time (vectors in sentences.faiss, keyed by id)
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    flag TEXT  -- NULL, or why it addresses the assistant or the reader (index/instructions.py)
);
CREATE INDEX IF NOT EXISTS sentences_by_article ON sentences(article_id, start);
-- typed spans (named entities, noun phrases) found at index time: index/annotate.py
CREATE TABLE IF NOT EXISTS spans (
    article_id TEXT NOT NULL REFERENCES articles(id),
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_by_article ON spans(article_id, start);
CREATE INDEX IF NOT EXISTS articles_by_date ON articles(date);
-- near-duplicate articles (syndicated copies): MinHash signature and cluster, index/clusters.py
CREATE TABLE IF NOT EXISTS near_duplicates (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    signature BLOB NOT NULL,  -- uint32[num_perm]
    cluster TEXT NOT NULL,  -- the id of the cluster's canonical member (itself when it has no copy)
    linkable INTEGER NOT NULL DEFAULT 1  -- 0: a text without words, nobody's copy
);
CREATE INDEX IF NOT EXISTS near_duplicates_by_cluster ON near_duplicates(cluster);
-- porter stemming: "migrants" finds "migrant"; the title is a column of its own, weighted lower.
-- Both hold index/scripts.py search_form of the text (NFKC, no format characters, Han/Kana characters
-- and Thai words spaced), not the stored text: offsets come from `chunks`, never from here.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, title, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

SCHEMA = _TABLES + clusters.SCHEMA + delta.SCHEMA
