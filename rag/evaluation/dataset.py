"""Question sets: `questions.jsonl` (format in ../shared/eval/README.md) read and validated."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import RagError
from rag.date_range import parse_iso_date

_LISTS = ("answers", "article_ids", "quotes")


class BadQuestions(RagError):
    """A question set that cannot be read: the message names the file, the line and the field."""

    code = "bad_questions"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]  # () = the articles do not answer it: the assistant should abstain
    article_ids: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"type": "comparison_query"}

    @property
    def as_of(self) -> str | None:
        """The question's own date (the optional `date` field, as RealTime-QA-style sets give it)."""
        value = self.extra.get("date")
        return str(value)[:10] if value else None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def _strings(record: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = record.get(name, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadQuestions(f"{where}: field {name!r} must be a list of strings, got {value!r:.80}")
    return tuple(value)


def parse_question(record: object, where: str) -> Question:
    if not isinstance(record, dict):
        raise BadQuestions(f"{where}: expected a JSON object, got {type(record).__name__}")
    missing = [name for name in ("id", "question", "answers") if name not in record]
    if missing:
        raise BadQuestions(f"{where}: missing field(s) {', '.join(map(repr, missing))}")
    qid, text = record["id"], record["question"]
    if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
        raise BadQuestions(f"{where}: field 'id' must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise BadQuestions(f"{where}: field 'question' must be a non-empty string")
    answers, article_ids, quotes = (_strings(record, name, where) for name in _LISTS)
    extra = {k: v for k, v in record.items() if k not in ("id", "question", *_LISTS)}
    if extra.get("date") is not None:
        try:
            extra["date"] = parse_iso_date(str(extra["date"])[:10]).isoformat()
        except ValueError:
            bad = f"{where}: field 'date' must be a date YYYY-MM-DD, got {extra['date']!r:.40}"
            raise BadQuestions(bad) from None
    return Question(str(qid), text, answers, article_ids, quotes, extra)


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    """The questions of a JSONL file, in order (the first `limit` when given).

    Raises BadQuestions naming `file:line` for malformed JSON, a missing or mistyped field, or a
    duplicate id; blank lines are skipped.
    """
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BadQuestions(f"cannot read question set {path}: {e}") from e
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadQuestions(f"{where}: malformed JSON: {e.msg} at column {e.colno}") from e
        q = parse_question(record, where)
        if q.id in seen:
            raise BadQuestions(f"{where}: duplicate id {q.id!r}, first on line {seen[q.id]}")
        seen[q.id] = lineno
        questions.append(q)
        if limit is not None and len(questions) >= limit:
            break
    if not questions:
        raise BadQuestions(f"{path}: no questions")
    return questions
