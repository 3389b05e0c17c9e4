"""Clusters of near-duplicate articles, kept right as single articles are added, changed and removed.

The `near_duplicates` table (index/store.py) holds, per article, its MinHash signature and its cluster:
the id of the cluster's canonical member (the earliest dated, then the smallest id; itself when it has
no copy). A cluster is a connected component of the graph whose edges join articles with estimated
Jaccard >= the threshold (index/near_duplicates.py), so the clusters after any sequence of single
adds and removes equal the clusters of a build from scratch:
- add: the new article's copies (LSH candidates, confirmed) and all their clusters' members merge;
- remove: the remaining members of its cluster are split again into components (a removed article
  may have been the only link between two groups), and each part gets its canonical member.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from index.near_duplicates import (
    Candidates,
    NearDuplicateParams,
    canonical_key,
    components,
    from_bytes,
    normalised_words,
    signature,
    to_bytes,
)
from index.types import Article


class DuplicateClusters:
    """The write side of the `near_duplicates` table over one open (staging) connection. The LSH of
    every stored signature is built on first use, so a write that touches no article costs nothing."""

    def __init__(self, conn: sqlite3.Connection, params: NearDuplicateParams) -> None:
        self.conn = conn
        self.params = params
        self._candidates: Candidates | None = None

    @property
    def candidates(self) -> Candidates:
        if self._candidates is None:
            rows = self.conn.execute("SELECT article_id, signature FROM near_duplicates WHERE linkable")
            self._candidates = Candidates(self.params, {str(i): from_bytes(s) for i, s in rows})
        return self._candidates

    def add(self, article: Article) -> str:
        """Store the article's signature and merge it with its copies; returns its cluster id."""
        sig = signature(article.text, self.params)
        linkable = bool(normalised_words(article.text))  # a text without words is nobody's copy
        copies = self.candidates.copies_of(sig) if linkable else []
        self.conn.execute(
            "INSERT OR REPLACE INTO near_duplicates (article_id, signature, cluster, linkable) "
            "VALUES (?,?,?,?)",
            (article.id, to_bytes(sig), article.id, int(linkable)),
        )
        if linkable:
            self.candidates.add(article.id, sig)
        if not copies:
            return article.id
        members = {article.id, *self._members_of_clusters_of(copies)}
        return self._assign(sorted(members))

    def remove(self, article_id: str) -> None:
        """Forget the article; the rest of its cluster is split into what still holds together."""
        row = self.conn.execute(
            "SELECT cluster FROM near_duplicates WHERE article_id=?", (article_id,)
        ).fetchone()
        if row is None:
            return
        self.conn.execute("DELETE FROM near_duplicates WHERE article_id=?", (article_id,))
        self.candidates.remove(article_id)
        rest = [
            str(r[0])
            for r in self.conn.execute(
                "SELECT article_id FROM near_duplicates WHERE cluster=? ORDER BY article_id", (row[0],)
            )
        ]
        for part in components(rest, self.candidates.linked(rest)):
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
