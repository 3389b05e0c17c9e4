"""Checking an LLM's reply against the passages it was given, sentence by sentence.

- Each sentence of the reply (a claim) is compared with the sentences of the passages it cites:
  embedding similarity with the index's own embedder, plus how many of the words the claim adds to
  the question the sentence and its passage hold (at least half must be in the passage). Every
  number in a claim must appear in a cited passage. A sentence that only says the question back
  ("The church in Virginia is maintained by the Huguenots") states nothing and supports nothing.
- Each citation is narrowed to the sentence that best supports the claims citing it: an exact quote
  with offsets into the article, like the extractive answerer's.
- A claim no cited passage supports is `supported: false` (kept and flagged, or dropped: a setting).
  A sentence with no marker is checked against every passage given and cites the one that supports it.
- A claim whose best quote says the opposite (a negation, an antonym, another number or day:
  `contradiction.contradicts`) is not supported by it. Sentences flagged at ingest as addressing the
  assistant or the reader are not in the packed text (rag/quoting.py), so they support nothing.
- Sentences that repeat the prompt's instructions or write a link other than a cited article's own
  address (what an injected instruction would ask for) are removed whatever the setting.
- A reply that only says the articles do not answer is an abstention (`llm_abstained`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from index.embedding import Embedder
from index.sentences import split_sentences
from rag.extractive import Sentence, SentenceVectors
from rag.generation.contradiction import contradicts
from rag.generation.markers import MARKER
from rag.generation.prompt import Packed
from rag.text import content_terms, words
from rag.types import Citation, Claim, Passage

W_SEM, W_LEX_SENTENCE, W_LEX_PASSAGE = 0.5, 0.25, 0.25
NEW_COVERAGE = 0.5  # share of the words a claim adds to the question that its passage must hold
MIN_TERMS = 2  # shorter sentences ("Yes.", "In short:") state nothing to check
LEAK_SHINGLE = 5  # words in a row shared with the system prompt that count as repeating it
# how a reply talks about its sources ("passage 1 mentions …"): not part of what it claims
META = frozenset(
    content_terms(
        "passage passages mention mentions discuss discusses highlight highlights text source sources"
    )
    + content_terms("state states describe describes")
)
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")
_PASSAGE_REF = re.compile(r"\b(?:passages?|sources?|articles?)\s+\d+", re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_ABSTAIN = re.compile(
    r"\b(?:articles?|passages?|sources?|texts?|context|information)\b[^.]{0,40}?"
    r"\b(?:do(?:es)?\s*n[o’']t|not|never|fail to)\b[^.]{0,30}?"
    r"\b(?:answer|say|mention|contain|provide|include|state|specify|address|discuss|cover)"
    r"|\b(?:no|not enough|insufficient) information\b"
    r"|\bI (?:do not|don[’']t|cannot|can[’']t) (?:know|answer|find|tell)\b"
    r"|\bcannot be (?:answered|determined)\b",
    re.IGNORECASE,
)

Kind = Literal["claim", "note", "abstain", "blocked"]
Outcome = Literal["answered", "llm_abstained", "unsupported_answer"]


@dataclass
class Part:
    """A sentence of the reply: `start`/`end` in the reply, its markers, and what the check found."""

    start: int
    end: int
    text: str
    markers: list[int]
    kind: Kind = "claim"
    supported: bool = False
    support: float = 0.0
    evidence: dict[int, tuple[Sentence, float]] = field(default_factory=dict)  # marker -> best sentence


@dataclass(frozen=True)
class Verified:
    text: str
    citations: list[Citation]
    claims: list[Claim]
    outcome: Outcome
    removed: int  # sentences taken out (blocked, or unsupported when dropping)


def split_parts(text: str) -> list[Part]:
    """The reply's sentences, each keeping the markers written right after its full stop."""
    spans = [(s.start, s.end) for s in split_sentences(text)]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        lead = _LEADING_MARKERS.match(text[start:end])
        if lead and merged:  # "… in October. [2] The next …": [2] belongs to the sentence before
            merged[-1] = (merged[-1][0], start + lead.end())
            start += lead.end()
            start += len(text[start:end]) - len(text[start:end].lstrip())
        if start < end:
            merged.append((start, end))
    return [
        Part(start, end, text[start:end], [int(n) for n in MARKER.findall(text[start:end])])
        for start, end in merged
    ]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _coverage(terms: set[str], text: str) -> float:
    return len(terms & set(content_terms(text))) / len(terms) if terms else 0.0


def _shingles(text: str, n: int = LEAK_SHINGLE) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def _sentences(packed: Packed) -> list[Sentence]:
    """The sentences of the packed text: the evidence text, so withheld sentences are not among them
    (offsets into the article; `_quote` gives a sentence's exact article text)."""
    p = packed.passage
    return [
        Sentence(p, p.start + s.start, p.start + s.end, packed.text[s.start : s.end])
        for s in split_sentences(packed.text)
    ]


def _new_terms(text: str, asked: set[str]) -> set[str]:
    """What a sentence says beyond the question: its content words less the question's."""
    return set(content_terms(MARKER.sub("", text))) - META - asked


def _classify(part: Part, system: set[tuple[str, ...]], given_text: str, asked: set[str]) -> Kind:
    plain = MARKER.sub("", part.text)
    if _ABSTAIN.search(plain) and not _URL.search(plain):  # rule 4 of the prompt, said back: not a leak
        return "abstain"
    if _shingles(plain) & system or "<<<" in plain:  # our instructions, or the prompt's fences, echoed
        return "blocked"
    if any(url.rstrip(".,;").lower() not in given_text for url in _URL.findall(plain)):
        return "blocked"
    if len(set(content_terms(plain)) - META) < MIN_TERMS or not _new_terms(plain, asked):
        return "note"  # too short to state anything, or only the question said back
    return "claim"


def check(
    reply: str,
    question: str,
    packed_by_marker: dict[int, Packed],
    system_prompt: str,
    embedder: Embedder,
    cache: SentenceVectors,
    threshold: float,
    drop_unsupported: bool,
) -> Verified:
    """`packed_by_marker`: the reply's marker numbers -> the passage each names (every passage given
    is reachable: unmarked claims may cite one the reply never named)."""
    parts = split_parts(reply)
    # links: only the articles' own addresses; a link in an article's text may be an injected one
    given_text = " ".join(x.passage.url or "" for x in packed_by_marker.values()).lower()
    system = _shingles(system_prompt)
    asked = set(content_terms(question))
    for part in parts:
        part.kind = _classify(part, system, given_text, asked)
    claims = [p for p in parts if p.kind == "claim"]
    _score(claims, asked, packed_by_marker, embedder, cache, threshold)
    removed = [
        p
        for p in parts
        if p.kind == "blocked" or (drop_unsupported and p.kind == "claim" and not p.supported)
    ]
    kept = [p for p in parts if p not in removed]
    if not any(p.kind == "claim" and p.supported for p in kept):
        outcome: Outcome = (
            "llm_abstained" if any(p.kind == "abstain" for p in parts) else "unsupported_answer"
        )
        return Verified("", [], [], outcome, len(removed))
    text, cited_claims, citations = _assemble(reply, parts, set(map(id, removed)), packed_by_marker)
    return Verified(text, citations, cited_claims, "answered", len(removed))


def _score(
    claims: list[Part],
    asked: set[str],
    packed_by_marker: dict[int, Packed],
    embedder: Embedder,
    cache: SentenceVectors,
    threshold: float,
) -> None:
    if not claims:
        return
    cited = {n for c in claims for n in c.markers if n in packed_by_marker}
    if any(not set(c.markers) & cited for c in claims):  # an unmarked claim: every passage may support it
        cited = set(packed_by_marker)
    sentences = {n: _sentences(x) for n, x in packed_by_marker.items() if n in cited}
    flat = [s for ss in sentences.values() for s in ss]
    vectors = cache.get(embedder, flat) if flat else np.zeros((0, 0), dtype=np.float32)
    row = {id(s): i for i, s in enumerate(flat)}
    claim_vectors = embedder.embed_documents([MARKER.sub("", c.text) for c in claims])
    for claim, vec in zip(claims, claim_vectors, strict=True):
        plain = MARKER.sub("", claim.text)
        terms = _new_terms(plain, asked)  # judged on what it adds: restating the question proves nothing
        numbers = _numbers(MARKER.sub("", _PASSAGE_REF.sub("", plain)))
        markers = [n for n in dict.fromkeys(claim.markers) if n in packed_by_marker]
        for n in markers or list(packed_by_marker):  # unmarked: any passage given may support it
            packed = packed_by_marker[n]
            if not sentences.get(n):
                continue
            lex_p = _coverage(terms, packed.text)
            numbers_ok = numbers <= _numbers(packed.text)
            best: tuple[Sentence, float] | None = None
            for s in sentences[n]:
                sem = max(0.0, float(vectors[row[id(s)]] @ vec))
                score = W_SEM * sem + W_LEX_SENTENCE * _coverage(terms, s.text) + W_LEX_PASSAGE * lex_p
                if best is None or score > best[1]:
                    best = (s, score)
            assert best is not None
            claim.evidence[n] = best
            opposite = contradicts(plain, best[0].text)  # the quote says otherwise: no support from it
            if numbers_ok and lex_p >= NEW_COVERAGE and best[1] >= threshold and not opposite:
                claim.supported = True
            claim.support = max(claim.support, round(best[1], 4))
        if not markers:  # keep only the best-supporting passage as the claim's (added) citation
            top = max(claim.evidence.items(), key=lambda kv: kv[1][1], default=None)
            claim.evidence = dict([top]) if top and claim.supported else {}
            claim.markers = list(claim.evidence)


def _assemble(
    reply: str, parts: Sequence[Part], removed: set[int], packed_by_marker: dict[int, Packed]
) -> tuple[str, list[Claim], list[Citation]]:
    """The reply without removed sentences, markers renumbered by first appearance, and the claims
    (offsets into the new text) and citations (each narrowed to its best-supporting sentence)."""
    numbering: dict[int, int] = {}
    best: dict[int, tuple[Sentence, float]] = {}
    out = ""
    pos = 0
    claims: list[Claim] = []
    for part in parts:
        gap = reply[pos : part.start]
        pos = part.end
        if id(part) in removed:
            continue
        sentence = part.text
        added = [n for n in part.markers if f"[{n}]" not in sentence]  # an unmarked claim's citation
        sentence = _add_markers(sentence, added)
        for n in part.markers:
            numbering.setdefault(n, len(numbering) + 1)
            if n in part.evidence and (n not in best or part.evidence[n][1] > best[n][1]):
                best[n] = part.evidence[n]
        sentence = MARKER.sub(lambda m: f"[{numbering.get(int(m.group(1)), 0)}]", sentence)
        sentence = sentence.replace("[0]", "")
        out += (gap if out else "") + sentence
        if part.kind == "claim":
            claims.append(
                Claim(
                    text=sentence,
                    start=len(out) - len(sentence),
                    end=len(out),
                    citations=[numbering[n] for n in dict.fromkeys(part.markers)],
                    supported=part.supported,
                    support=part.support,
                )
            )
    out += reply[pos:] if parts and id(parts[-1]) not in removed else ""
    citations = []
    for n, c in sorted(numbering.items(), key=lambda kv: kv[1]):
        p = packed_by_marker[n].passage
        if n in best:
            s, score = best[n]
            quote, start, end = _quote(p, s), s.start, s.end
        else:  # cited only by notes ("In short [2]."): the passage's first sentence given
            first = _sentences(packed_by_marker[n])[:1]
            s0 = first[0] if first else None
            quote, start, end, score = (
                (_quote(p, s0), s0.start, s0.end, 0.0) if s0 else (p.text, p.start, p.end, 0.0)
            )
        citations.append(
            Citation(
                c,
                p.article_id,
                p.title,
                p.source,
                p.date,
                p.url,
                quote,
                start,
                end,
                round(score, 4),
                also_reported_by=p.also_reported_by,
                copies=p.copies,
            )
        )
    return out.strip(), claims, citations


def _quote(p: Passage, s: Sentence) -> str:
    """The sentence's exact text in the article (`Sentence.text` is evidence text: footnotes blanked)."""
    return p.text[s.start - p.start : s.end - p.start]


def _add_markers(sentence: str, markers: list[int]) -> str:
    if not markers:
        return sentence
    tags = "".join(f"[{n}]" for n in markers)
    body = sentence.rstrip()
    if body and body[-1] in ".!?":
        return f"{body[:-1]} {tags}{body[-1]}"
    return f"{body} {tags}"
