"""Running a question set through the assistant exactly as `/chat` does, scoring every answer."""

from __future__ import annotations

import logging
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.embedding import Embedder
from index.live import IndexReader
from index.search_backends import StoreConfig
from index.writer import Progress
from rag.evaluation.cache import DEFAULT_ROOT, cached_index
from rag.evaluation.dataset import Question
from rag.evaluation.metrics import Outcome, locate_quotes, ranked_articles, score_question
from rag.library import chunking_of, store_of
from rag.retrieval import Mode
from rag.service import Assistant
from rag.settings import Settings
from rag.types import Answer

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]  # (questions done, total)


@dataclass(frozen=True)
class IndexSource:
    """Where the index comes from: an existing index directory, or articles to build one from."""

    index_dir: Path | None = None
    articles: Path | None = None
    cache_root: Path = DEFAULT_ROOT


@dataclass
class EvalRun:
    records: list[dict[str, Any]]  # one per question, as written to questions.jsonl
    config: dict[str, Any]
    index: dict[str, Any]  # dir, generation, cached, chunks_embedded, build_seconds, articles, chunks
    seconds: float = 0.0
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def eval_index_store(settings: Settings, cache_root: Path) -> StoreConfig:
    """Where throw-away evaluation indexes keep their vectors: the configured store; with Milvus and no
    RAG_MILVUS_URI, a Milvus Lite file beside the cached indexes."""
    store = store_of(settings)
    if store.kind == "milvus" and not settings.index.milvus_uri:
        store = replace(store, uri=str(cache_root.expanduser() / "milvus.db"))
    return store


def prepare_index(
    source: IndexSource, settings: Settings, embedder: Embedder, progress: Progress | None = None
) -> tuple[Path, dict[str, Any]]:
    """The index directory to evaluate against, and how it was obtained."""
    if source.articles is None:
        index_dir = source.index_dir or settings.index.dir
        return index_dir, {"dir": str(index_dir), "articles": None, "cached": None, "chunks_embedded": 0}
    store = eval_index_store(settings, source.cache_root)
    built = cached_index(
        source.articles, embedder, chunking_of(settings), source.cache_root, progress, store=store
    )
    return built.index_dir, {
        "milvus_uri": store.uri,
        "dir": str(built.index_dir),
        "articles": str(source.articles),
        "key": built.key,
        "cached": built.cached,
        "chunks_embedded": built.chunks_embedded,
        "build_seconds": round(built.build_seconds, 3),
    }


def record_of(q: Question, answer: Answer, reader: IndexReader) -> dict[str, Any]:
    """The per-question report row: gold, answer, citations, retrieved articles, metrics, timings."""
    texts = {a.id: a.text for a in reader.db.articles(q.article_ids).values()}
    gold_spans = locate_quotes(q.quotes, texts)
    passages = sorted(answer.passages, key=lambda p: p.rank)
    cited = [(c.article_id, c.start, c.end) for c in answer.citations]
    outcome = Outcome(
        answers=q.answers,
        gold_articles=q.article_ids,
        gold_spans=gold_spans,
        text=answer.text,
        abstained=answer.abstained,
        retrieved=[p.article_id for p in passages],
        cited=cited,
        short=answer.short.text if answer.short else None,
    )
    record: dict[str, Any] = {k: v for k, v in q.extra.items()}  # extra fields first: ours win
    record.update(
        id=q.id,
        question=q.question,
        answers=list(q.answers),
        article_ids=list(q.article_ids),
        quotes=list(q.quotes),
        answerable=q.answerable,
        answer=answer.text,
        short=answer.short.to_dict() if answer.short else None,
        abstained=answer.abstained,
        reason=answer.reason,
        confidence=answer.confidence,
        query=answer.query,
        citations=[
            {"n": c.n, "article_id": c.article_id, "quote": c.quote, "start": c.start, "end": c.end}
            for c in answer.citations
        ],
        retrieved=[{"rank": p.rank, "article_id": p.article_id, "chunk_id": p.chunk_id} for p in passages],
        retrieved_articles=ranked_articles(p.article_id for p in passages),
        missing_articles=[a for a in q.article_ids if a not in texts],
        quotes_located=len({(s[1], s[2], s[0]) for s in gold_spans}),
        metrics=score_question(outcome),
        timings={stage: round(ms, 3) for stage, ms in answer.timings.items()},
        generator=answer.generator,
        claims=[c.to_dict() for c in answer.claims],
    )
    return record


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews latency
    }


def run_eval(
    questions: Sequence[Question],
    settings: Settings,
    embedder: Embedder,
    index_info: dict[str, Any] | None = None,
    *,
    mode: Mode | None = None,
    k: int | None = None,
    progress: ProgressFn | None = None,
) -> EvalRun:
    """Answer every question with `Assistant.chat` (the `/chat` code path) over `settings.index.dir`."""
    t0 = time.perf_counter()
    assistant = Assistant(settings, embedder)
    reader = assistant.reader()
    embedder.embed_query("warm up")  # a server loads its model before the first request, so do we
    index_info = {"dir": str(settings.index.dir), **(index_info or {})}
    index_info.update(
        generation=reader.generation, articles_indexed=reader.manifest.articles, chunks=reader.manifest.chunks
    )
    options = assistant.options(mode=mode, k=k)
    records: list[dict[str, Any]] = []
    for i, q in enumerate(questions, start=1):
        asked = replace(options, as_of=q.as_of) if q.as_of else options  # a dated set's own as-of
        answer = assistant.chat([{"role": "user", "content": q.question}], options=asked)
        records.append(record_of(q, answer, assistant.reader()))
        if progress is not None:
            progress(i, len(questions))
    generator = assistant.generator()
    config = {
        "generator": generator.name,
        "unsupported": settings.llm.unsupported if generator.name != "extractive" else None,
        "mode": options.mode,
        "k": options.k,
        "per_article": options.per_article,
        "max_sentences": options.max_sentences,
        "abstain_threshold": options.abstain_threshold,
        "as_of": settings.answer.as_of,  # a question's own `date` wins over it
        "model": embedder.name,
        "model_fingerprint": embedder.fingerprint(),
        "chunking": reader.manifest.chunking,
        "machine": machine(),
    }
    return EvalRun(records, config, index_info, time.perf_counter() - t0)
