"""Clusters of near-duplicate articles, kept right as single articles are added, changed and removed.

The `near_duplicates` table (index/store.py) holds, per article, its MinHash signature and its cluster:
the id of the cluster's canonical member (the earliest dated, then the smallest id; itself when it has
no copy). A cluster is a connected component of the graph whose edges join articles with estimated
Jaccard >= the threshold (index/near_duplicates.py), so the clusters after any sequence of single
adds and removes equal the clusters of a build from scratch:
- add: the new article's copies (LSH candidates, confirmed) and all their clusters' members merge;
- remove: the remaining members of its cluster are split again into components (a removed article
  may have been the only link between two groups), and each part gets its canonical member.

Candidates come from LSH bands kept in the database (`near_duplicate_bands`): the band and row counts
are datasketch's MinHashLSH choice for the threshold, but the buckets live in SQLite, so a write looks
up its own bands instead of loading every signature (a write's cost does not grow with the index).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from functools import cache

import numpy as np

from index.near_duplicates import (
    NearDuplicateParams,
    canonical_key,
    components,
    from_bytes,
    normalised_words,
    signature,
    similarity,
    to_bytes,
)
from index.types import Article

SCHEMA = """
CREATE TABLE IF NOT EXISTS near_duplicate_bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,  -- 64-bit hash of the signature's slots in the band
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;  -- no index by article: a removal recomputes its keys from the stored signature
"""


@cache
def bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's MinHashLSH picks for the threshold (equal weights to
    false positives and negatives)."""
    from datasketch import MinHashLSH  # here, not at the top: it imports scipy (index/near_duplicates.py)

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(sig: np.ndarray, params: NearDuplicateParams) -> list[tuple[int, int]]:
    """(band, key) of each LSH band of a signature: two signatures are candidates when one is equal."""
    b, r = bands(params.threshold, params.num_perm)
    return [
        (
            i,
            int.from_bytes(
                hashlib.blake2b(sig[i * r : (i + 1) * r].tobytes(), digest_size=8).digest(),
                "little",
                signed=True,
            ),
        )
        for i in range(b)
    ]


class DuplicateClusters:
    """The write side of the `near_duplicates` and `near_duplicate_bands` tables over one open
    connection (in the writer's transaction)."""

    def __init__(self, conn: sqlite3.Connection, params: NearDuplicateParams) -> None:
        self.conn = conn
        self.params = params

    def add(self, article: Article) -> str:
        """Store the article's signature and merge it with its copies; returns its cluster id."""
        sig = signature(article.text, self.params)
        linkable = bool(normalised_words(article.text))  # a text without words is nobody's copy
        copies = self.copies_of(sig) if linkable else []
        self.conn.execute(
            "INSERT OR REPLACE INTO near_duplicates (article_id, signature, cluster, linkable) "
            "VALUES (?,?,?,?)",
            (article.id, to_bytes(sig), article.id, int(linkable)),
        )
        if linkable:
            self.conn.executemany(
                "INSERT OR IGNORE INTO near_duplicate_bands (band, key, article_id) VALUES (?,?,?)",
                [(band, key, article.id) for band, key in band_keys(sig, self.params)],
            )
        if not copies:
            return article.id
        members = {article.id, *self._members_of_clusters_of(copies)}
        return self._assign(sorted(members))

    def copies_of(self, sig: np.ndarray) -> list[str]:
        """Stored articles whose estimated Jaccard with `sig` reaches the threshold (candidates from
        the LSH bands, confirmed by their signatures)."""
        found: set[str] = set()
        for band, key in band_keys(sig, self.params):
            rows = self.conn.execute(
                "SELECT article_id FROM near_duplicate_bands WHERE band=? AND key=?", (band, key)
            )
            found.update(str(r[0]) for r in rows)
        signatures = self._signatures(sorted(found))
        return sorted(i for i, other in signatures.items() if similarity(other, sig) >= self.params.threshold)

    def _signatures(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT article_id, signature FROM near_duplicates WHERE article_id IN ({marks}) AND linkable",
            list(ids),
        )
        return {str(i): from_bytes(blob) for i, blob in rows}

    def remove(self, article_id: str) -> None:
        """Forget the article; the rest of its cluster is split into what still holds together."""
        row = self.conn.execute(
            "SELECT cluster, signature FROM near_duplicates WHERE article_id=?", (article_id,)
        ).fetchone()
        if row is None:
            return
        self.conn.execute("DELETE FROM near_duplicates WHERE article_id=?", (article_id,))
        self.conn.executemany(
            "DELETE FROM near_duplicate_bands WHERE band=? AND key=? AND article_id=?",
            [(band, key, article_id) for band, key in band_keys(from_bytes(row[1]), self.params)],
        )
        rest = [
            str(r[0])
            for r in self.conn.execute(
                "SELECT article_id FROM near_duplicates WHERE cluster=? ORDER BY article_id", (row[0],)
            )
        ]
        signatures = self._signatures(rest)
        t = self.params.threshold
        edges = [
            (a, b)
            for i, a in enumerate(rest)
            for b in rest[i + 1 :]
            if a in signatures and b in signatures and similarity(signatures[a], signatures[b]) >= t
        ]
        for part in components(rest, edges):
            self._assign(part)

    def _members_of_clusters_of(self, ids: Sequence[str]) -> list[str]:
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            "SELECT article_id FROM near_duplicates WHERE cluster IN "
            f"(SELECT cluster FROM near_duplicates WHERE article_id IN ({marks}))",
            list(ids),
        )
        return [str(r[0]) for r in rows]

    def _assign(self, members: Sequence[str]) -> str:
        """Give every member the id of the canonical one (earliest date, then id); returns it."""
        marks = ",".join("?" * len(members))
        dates = dict(self.conn.execute(f"SELECT id, date FROM articles WHERE id IN ({marks})", list(members)))
        canonical = min(members, key=lambda i: canonical_key(i, dates.get(i)))
        self.conn.execute(
            f"UPDATE near_duplicates SET cluster=? WHERE article_id IN ({marks})", [canonical, *members]
        )
        return canonical
