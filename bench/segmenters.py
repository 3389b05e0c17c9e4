"""Which sentence segmenter for articles in any script? Boundary precision/recall per script, and speed.

    .venv/bin/python bench/segmenters.py [--speed-articles N]

The sample is `tests/data/scripts/sentences.json` (written for newsrag: each item is a list of gold
sentences in one script, joined by a space, or by nothing where the script puts no space after a full
stop). Candidates: newsrag's `split_sentences` (whatever `index/sentences.py` is now), ICU's sentence
break iterator (PyICU, root locale, UAX #29), pysbd, blingfire and sentencex. pysbd and sentencex are
told each sample's language (articles carry none, so that is an advantage they would not have in
production); a language pysbd does not know falls back to English. Segmenters that are not installed
are skipped. Speed: characters per second over the English Wikinews corpus in ../shared (if present).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, SHARED
from index.sentences import split_sentences

SAMPLE = ROOT / "tests" / "data" / "scripts" / "sentences.json"
Segmenter = Callable[[str, str], list[int]]  # (text, language) -> sentence end offsets (sorted)
Item = tuple[str, str, str, list[int]]  # (script, language, text, gold sentence ends)


def sample() -> list[Item]:
    """(script, language, text, gold sentence ends) for every item of the sample."""
    out = []
    for item in json.loads(SAMPLE.read_text(encoding="utf-8")):
        sep = item.get("sep", " ")
        text, ends = "", []
        for i, sentence in enumerate(item["sentences"]):
            text += (sep if i else "") + sentence
            ends.append(len(text))
        out.append((item["script"], item["lang"], text, ends))
    return out


def ends_of(text: str, pieces: list[str]) -> list[int]:
    """Sentence end offsets of `pieces` (strings a segmenter returned, in order) located in `text`."""
    ends, pos = [], 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        at = text.find(piece, pos)
        if at < 0:  # the segmenter changed the text (blingfire normalises spaces): skip the piece
            continue
        pos = at + len(piece)
        ends.append(pos)
    return ends


def newsrag(text: str, lang: str) -> list[int]:
    return [s.end for s in split_sentences(text)]


def icu_segmenter() -> Segmenter | None:
    try:
        import icu
    except ImportError:
        return None

    def run(text: str, lang: str) -> list[int]:
        it = icu.BreakIterator.createSentenceInstance(icu.Locale.getRoot())
        it.setText(icu.UnicodeString(text))
        pieces, lo = [], 0
        for hi in it:  # UTF-16 offsets: rebuild the pieces from the UnicodeString
            pieces.append(str(icu.UnicodeString(text)[lo:hi]))
            lo = hi
        return ends_of(text, pieces)

    return run


def pysbd_segmenter() -> Segmenter | None:
    try:
        import pysbd
        from pysbd.languages import LANGUAGE_CODES
    except ImportError:
        return None
    cache: dict[str, object] = {}

    def run(text: str, lang: str) -> list[int]:
        code = lang if lang in LANGUAGE_CODES else "en"
        seg = cache.setdefault(code, pysbd.Segmenter(language=code, clean=False))
        return ends_of(text, seg.segment(text))  # type: ignore[attr-defined]

    return run


def blingfire_segmenter() -> Segmenter | None:
    try:
        import blingfire
    except ImportError:
        return None
    return lambda text, lang: ends_of(text, blingfire.text_to_sentences(text).split("\n"))


def sentencex_segmenter() -> Segmenter | None:
    try:
        import sentencex
    except ImportError:
        return None
    return lambda text, lang: ends_of(text, list(sentencex.segment(lang, text)))


def score(seg: Segmenter, items: list[Item]) -> dict[str, tuple[float, float, float]]:
    """script -> (boundary precision, boundary recall, share of items split exactly right); a boundary
    is a sentence end other than the text's own end."""
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    exact: dict[str, list[bool]] = defaultdict(list)
    for script, lang, text, gold in items:
        got = set(seg(text, lang)) - {len(text)}
        want = set(gold) - {len(text)}
        for key in (script, "all"):
            tp[key] += len(got & want)
            fp[key] += len(got - want)
            fn[key] += len(want - got)
            exact[key].append(got == want)
    return {
        k: (tp[k] / ((tp[k] + fp[k]) or 1), tp[k] / ((tp[k] + fn[k]) or 1), sum(exact[k]) / len(exact[k]))
        for k in exact
    }


def speed(seg: Segmenter, texts: list[str]) -> float:
    """Characters per second over `texts` (English news)."""
    t0 = time.perf_counter()
    for text in texts:
        seg(text, "en")
    return sum(map(len, texts)) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed-articles", type=int, default=300)
    args = parser.parse_args()
    segmenters: dict[str, Segmenter | None] = {
        "newsrag": newsrag,
        "icu": icu_segmenter(),
        "pysbd": pysbd_segmenter(),
        "blingfire": blingfire_segmenter(),
        "sentencex": sentencex_segmenter(),
    }
    items = sample()
    corpus = SHARED / "corpus" / "wikinews-2019-2020.jsonl"
    texts = []
    if corpus.exists():
        with corpus.open(encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f][: args.speed_articles]
    scripts = [*dict.fromkeys(s for s, *_ in items), "all"]
    print("segmenter  | " + " | ".join(scripts) + " | chars/s (en news)")
    print("cell: boundary precision/recall, share of items exactly right")
    for name, seg in segmenters.items():
        if seg is None:
            print(f"{name:10} | not installed")
            continue
        res = score(seg, items)
        cells = [f"{res[s][0]:.2f}/{res[s][1]:.2f} {res[s][2]:.2f}" for s in scripts]
        rate = f"{speed(seg, texts):,.0f}" if texts else "-"
        print(f"{name:10} | " + " | ".join(cells) + f" | {rate}")


if __name__ == "__main__":
    main()
