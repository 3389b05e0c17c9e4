"""Near-duplicate signatures and clusters: copies found, different stories kept apart, and clusters that
stay right (equal to a build from scratch) through single adds, updates and removes."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from index.clusters import DuplicateClusters
from index.near_duplicates import (
    NearDuplicateParams,
    canonical_key,
    components,
    normalised_words,
    shingles,
    signature,
    similarity,
)
from index.store import Database
from index.types import Article

PARAMS = NearDuplicateParams()
_WORDS = [f"w{i}" for i in range(2000)]


def story(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(n)) + "."


def copy_of(text: str, seed: int, outlet: str) -> str:
    """A syndicated copy: dateline and boilerplate added, the end trimmed, two words changed."""
    rng = random.Random(seed)
    words = text.split()[: -rng.randint(5, 15)]
    for _ in range(2):
        words[rng.randrange(len(words))] = "changed"
    return f"LONDON ({outlet}) - " + " ".join(words) + f". Copyright {outlet}. All rights reserved."


def test_normalised_words_ignore_case_accents_and_punctuation() -> None:
    assert normalised_words("Émile said: “It's OVER!”") == ["emile", "said", "it", "s", "over"]
    assert shingles("a b c d", 3) == {b"a b c", b"b c d"}
    assert shingles("a b", 3) == {b"a b"} and shingles("...", 3) == set()


def test_signature_is_deterministic_and_estimates_jaccard() -> None:
    a, b = story(1), story(2)
    assert np.array_equal(signature(a, PARAMS), signature(a, PARAMS))
    assert signature(a, PARAMS).shape == (PARAMS.num_perm,)
    copy = copy_of(a, 3, "Metro Wire")
    sa, sc = shingles(a, PARAMS.shingle), shingles(copy, PARAMS.shingle)
    exact = len(sa & sc) / len(sa | sc)
    assert similarity(signature(a, PARAMS), signature(copy, PARAMS)) == pytest.approx(exact, abs=0.15)
    assert similarity(signature(a, PARAMS), signature(copy, PARAMS)) >= PARAMS.threshold
    assert similarity(signature(a, PARAMS), signature(b, PARAMS)) < 0.1
    with pytest.raises(ValueError, match="different lengths"):
        similarity(signature(a, PARAMS), signature(a, NearDuplicateParams(num_perm=64)))


def test_components_and_canonical_order() -> None:
    assert components(["a", "b", "c", "d"], [("a", "c"), ("d", "c")]) == [["a", "c", "d"], ["b"]]
    members = [("b", "2020-01-02"), ("a", None), ("c", "2020-01-02"), ("d", "2020-01-03")]
    assert min(members, key=lambda m: canonical_key(*m))[0] == "b"  # earliest date, then id; undated last


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "index.sqlite", readonly=False)


def put(db: Database, clusters: DuplicateClusters, article: Article) -> None:
    clusters.remove(article.id)  # an update re-clusters, as IndexWriter._delete does
    db.put_article(article)
    clusters.add(article)


def clusters_in(db: Database) -> dict[str, str]:
    return dict(db.conn.execute("SELECT article_id, cluster FROM near_duplicates").fetchall())


def test_copies_join_one_cluster_whose_canonical_is_the_earliest(db: Database) -> None:
    clusters = DuplicateClusters(db.conn, PARAMS)
    base = story(7)
    put(db, clusters, Article("late", "T", copy_of(base, 1, "A"), date="2020-03-02", source="A"))
    put(db, clusters, Article("other", "T", story(8), date="2020-01-01", source="B"))
    put(db, clusters, Article("early", "T", copy_of(base, 2, "C"), date="2020-03-01", source="C"))
    put(db, clusters, Article("undated", "T", copy_of(base, 3, "D"), source="D"))
    assert clusters_in(db) == {"late": "early", "early": "early", "undated": "early", "other": "other"}
    assert db.clusters_of(["late", "other"]) == {"late": "early", "other": "other"}
    members = db.cluster_members(["early"])["early"]
    assert [m[0] for m in members] == ["early", "late", "undated"]
    assert members[0] == ("early", "C", "2020-03-01", None)


def test_removing_the_canonical_promotes_the_next_and_a_bridge_splits_its_cluster(db: Database) -> None:
    clusters = DuplicateClusters(db.conn, PARAMS)
    words = story(10, 105).split()
    # l and r share a third of their words (not copies); "bridge", their middle, is a copy of each
    left, right, middle = (" ".join(words[a:b]) for a, b in ((0, 70), (35, 105), (17, 87)))
    put(db, clusters, Article("l", "T", left, date="2020-01-02"))
    put(db, clusters, Article("r", "T", right, date="2020-01-03"))
    assert clusters_in(db) == {"l": "l", "r": "r"}
    put(db, clusters, Article("bridge", "T", middle, date="2020-01-01"))
    put(db, clusters, Article("l2", "T", copy_of(left, 4, "X"), date="2020-01-04"))
    assert set(clusters_in(db).values()) == {"bridge"}
    bands = "SELECT count(*) FROM near_duplicate_bands WHERE article_id=?"
    assert db.conn.execute(bands, ("bridge",)).fetchone()[0] > 0
    clusters.remove("bridge")
    db.delete_article("bridge")
    assert clusters_in(db) == {"l": "l", "l2": "l", "r": "r"}
    assert db.conn.execute(bands, ("bridge",)).fetchone()[0] == 0  # its LSH band keys went with it


def test_a_new_process_continues_from_the_stored_signatures(db: Database) -> None:
    base = story(20)
    put(db, DuplicateClusters(db.conn, PARAMS), Article("a", "T", base, date="2020-01-05"))
    put(db, DuplicateClusters(db.conn, PARAMS), Article("b", "T", copy_of(base, 5, "Y"), date="2020-01-04"))
    assert clusters_in(db) == {"a": "b", "b": "b"}


@pytest.mark.parametrize("seed", range(6))
def test_incremental_changes_give_the_clusters_of_a_build_from_scratch(tmp_path: Path, seed: int) -> None:
    """Random adds, updates (a copy turned into another story and back) and removes, then compare with
    the same final articles clustered in one go, in another order."""
    rng = random.Random(seed)
    bases = [story(100 + i, rng.randint(40, 150)) for i in range(5)]

    def make(i: int) -> Article:
        base = rng.randrange(len(bases) + 2)
        text = copy_of(bases[base], rng.randrange(10**6), "O") if base < len(bases) else story(rng.random())
        return Article(
            f"a{i}",
            "T",
            text,
            date=rng.choice([None, "2020-01-01", "2020-02-01", f"2020-03-{i % 28 + 1:02d}"]),
        )

    live = Database(tmp_path / "live.sqlite", readonly=False)
    clusters = DuplicateClusters(live.conn, PARAMS)
    current: dict[str, Article] = {}
    for step in range(60):
        i = rng.randrange(20)
        if f"a{i}" in current and rng.random() < 0.35:
            clusters.remove(f"a{i}")
            live.delete_article(f"a{i}")
            del current[f"a{i}"]
        else:
            current[f"a{i}"] = make(i)
            put(live, clusters, current[f"a{i}"])
        if step % 20 == 19:  # a later write starts from what is stored
            clusters = DuplicateClusters(live.conn, PARAMS)
    fresh = Database(tmp_path / "fresh.sqlite", readonly=False)
    scratch = DuplicateClusters(fresh.conn, PARAMS)
    for article in sorted(current.values(), key=lambda a: a.id, reverse=True):
        put(fresh, scratch, article)
    assert clusters_in(live) == clusters_in(fresh)
    assert len(set(clusters_in(live).values())) < len(current)  # some copies were clustered
