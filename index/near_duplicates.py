"""Near-duplicate articles (syndicated wire copies): MinHash signatures and their clusters.

The same wire story appears under many outlets with small edits (another headline, a trimmed last
paragraph, the outlet's boilerplate, a word changed). Each article's normalised text is cut into word
shingles and summarised by a MinHash signature (Broder 1997, "On the resemblance and containment of
documents"; the `datasketch` library): the share of equal slots of two signatures estimates the Jaccard
similarity of their shingle sets. Candidates come from locality-sensitive hashing over signature bands
(datasketch's MinHashLSH; Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3) and are
confirmed by their estimated Jaccard. A cluster is a connected component of the "near-duplicate of"
graph; its canonical member (the cluster id) is the earliest dated one, then the smallest id.

Parameters (shingle size, signature length, threshold) were measured on syndicated copies and hard
negatives made from the Wikinews corpus by bench/near_duplicates.py (README "Near-duplicates").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from datasketch import LeanMinHash
# datasketch is imported where it is used: it pulls in scipy (~0.3 s), which a reading process never needs

SCHEME = "affine32"  # datasketch's permutation scheme: 32-bit hash values, stored as 4 bytes a slot
_DTYPE = np.uint32
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class NearDuplicateParams:
    """How signatures are made and when two articles count as copies (kept in the manifest: an index
    keeps the parameters it was built with, as it keeps its chunking)."""

    shingle: int = 3  # words per shingle
    num_perm: int = 256  # signature length (MinHash permutations)
    threshold: float = 0.5  # estimated Jaccard of the shingle sets at or above which two are copies

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "scheme": SCHEME}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> NearDuplicateParams:
        data = dict(data or {})
        data.pop("scheme", None)
        return cls(**data)


def normalised_words(text: str) -> list[str]:
    """Case-folded, accent-stripped words (letters and digits): punctuation, quotes and spacing that
    outlets restyle do not count."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD.findall(text)


def shingles(text: str, size: int) -> set[bytes]:
    """The set of `size`-word shingles of the normalised text (the whole text when it is shorter)."""
    ws = normalised_words(text)
    if len(ws) <= size:
        return {" ".join(ws).encode("utf-8")} if ws else set()
    return {" ".join(ws[i : i + size]).encode("utf-8") for i in range(len(ws) - size + 1)}


def signature(text: str, params: NearDuplicateParams) -> np.ndarray:
    """The MinHash signature of `text`'s shingles: uint32 array of shape (num_perm,). Deterministic
    (fixed seed and scheme), so signatures made by different processes compare."""
    from datasketch import MinHash

    m = MinHash(num_perm=params.num_perm, seed=1, scheme=SCHEME)
    m.update_batch(sorted(shingles(text, params.shingle)))
    return np.asarray(m.hashvalues, dtype=_DTYPE)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures of the same length: the share of equal slots."""
    if a.shape != b.shape:
        raise ValueError(f"signatures of different lengths: {a.shape} and {b.shape}")
    return float(np.mean(a == b))


def to_bytes(sig: np.ndarray) -> bytes:
    """A signature (uint32[num_perm]) as the BLOB stored in `near_duplicates.signature`."""
    return np.asarray(sig, dtype=_DTYPE).tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """The signature a `to_bytes` BLOB holds (a writable copy)."""
    return np.frombuffer(blob, dtype=_DTYPE).copy()


def canonical_key(article_id: str, date: str | None) -> tuple[bool, str, str]:
    """Order of a cluster's members: dated before undated, earliest date first, then by id."""
    return (date is None, date or "", article_id)


def components(ids: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components (union-find) of the graph on `ids`; each component in `ids` order."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


class Candidates:
    """An in-memory LSH over signatures (datasketch MinHashLSH): the articles that may be copies of a
    new one, found without comparing it with every article."""

    def __init__(self, params: NearDuplicateParams, signatures: dict[str, np.ndarray]) -> None:
        from datasketch import MinHashLSH

        self.params = params
        self.lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
        self.signatures: dict[str, np.ndarray] = {}
        with self.lsh.insertion_session() as session:
            for article_id, sig in signatures.items():
                session.insert(article_id, self._lean(sig))
                self.signatures[article_id] = sig

    def _lean(self, sig: np.ndarray) -> LeanMinHash:
        from datasketch import LeanMinHash

        return LeanMinHash(seed=1, hashvalues=sig, scheme=SCHEME)

    def add(self, article_id: str, sig: np.ndarray) -> None:
        self.lsh.insert(article_id, self._lean(sig))
        self.signatures[article_id] = sig

    def remove(self, article_id: str) -> None:
        if self.signatures.pop(article_id, None) is not None:
            self.lsh.remove(article_id)

    def query(self, sig: np.ndarray) -> list[str]:
        """The LSH's candidates for `sig` (unconfirmed: they share a band)."""
        return [str(i) for i in self.lsh.query(self._lean(sig))]

    def copies_of(self, sig: np.ndarray) -> list[str]:
        """Ids whose estimated Jaccard with `sig` reaches the threshold (LSH candidates, confirmed)."""
        found = self.query(sig)
        return sorted(str(i) for i in found if similarity(self.signatures[i], sig) >= self.params.threshold)

    def linked(self, ids: Sequence[str]) -> list[tuple[str, str]]:
        """The near-duplicate edges among `ids` (all pairs compared: a cluster is small)."""
        t = self.params.threshold
        return [
            (a, b)
            for i, a in enumerate(ids)
            for b in ids[i + 1 :]
            if similarity(self.signatures[a], self.signatures[b]) >= t
        ]
