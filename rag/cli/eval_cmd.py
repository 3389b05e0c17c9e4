"""`rag eval`: answer a question set through the assistant, score it, write reports, gate on bounds."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from rag.cli.app import (
    GeneratorOpt,
    IndexDir,
    JsonOut,
    Model,
    ModeOpt,
    app,
    checked_generator,
    checked_mode,
    embedder_for,
    err,
    out,
    print_json,
    progress_bar,
    settings_with,
    setup_logging,
)
from rag.cli.query_cmds import AsOf
from rag.evaluation.cache import DEFAULT_ROOT, lookup
from rag.evaluation.dataset import load_questions
from rag.evaluation.gates import BadBound, Bound, failures, parse_bounds
from rag.evaluation.metrics import METRICS
from rag.evaluation.presentation import DESCRIPTIONS, fmt, fmt_delta
from rag.evaluation.report import write_reports
from rag.evaluation.runner import IndexSource, ProgressFn, eval_index_store, prepare_index, run_eval
from rag.evaluation.summary import load_summary, summarize
from rag.library import chunking_of

Questions = Annotated[Path, typer.Argument(help="questions.jsonl (format: ../shared/eval/README.md)")]
Articles = Annotated[
    Path | None, typer.Option("--articles", help="Build (or reuse) a throw-away index of this file/folder")
]
Out = Annotated[Path | None, typer.Option("--out", help="Report folder (default: eval-out/SET-MODE)")]
Compare = Annotated[Path | None, typer.Option("--compare", help="An earlier summary.json: show deltas")]
Mins = Annotated[
    list[str] | None,
    typer.Option("--min", help=f"Fail (exit 1) below METRIC=VALUE, e.g. hit@10=0.9; {' '.join(METRICS)}"),
]
Maxs = Annotated[list[str] | None, typer.Option("--max", help="Fail (exit 1) above METRIC=VALUE")]
K = Annotated[int | None, typer.Option("--k", min=1, max=100, help="Passages per question (default: RAG_K)")]
Limit = Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N questions")]
CacheDir = Annotated[
    Path,
    typer.Option("--cache-dir", envvar="RAG_EVAL_CACHE", help="Where throw-away indexes are cached"),
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr")]


def set_name(questions: Path) -> str:
    """`…/squad2/questions.jsonl` -> "squad2"; `mine.jsonl` -> "mine"."""
    if questions.stem == "questions" and questions.parent.name:
        return questions.parent.name
    return questions.stem


@contextmanager
def question_bar(total: int, quiet: bool) -> Iterator[ProgressFn]:
    if quiet:
        yield lambda done, total: None
        return
    columns = (
        TextColumn("[bold]answering"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("questions"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err) as bar:
        task = bar.add_task("answering", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def print_table(summary: Mapping[str, Any]) -> None:
    deltas = summary.get("compare", {}).get("deltas")
    config = summary["config"]
    title = f"{summary['set']} · {config['mode']} · {config.get('generator', 'extractive')}"
    title += f" · {summary['counts']['questions']} questions"
    table = Table(title=title)
    wide = out.width >= 110  # the meanings only where they fit on one line
    for column in ("metric", "value", "n", *(("Δ",) if deltas else ()), *(("meaning",) if wide else ())):
        table.add_column(column, justify="right" if column in ("value", "n", "Δ") else "left")
    for name in METRICS:
        n = summary["n"].get(name, summary["counts"]["questions"])
        row = [name, fmt(name, summary["metrics"][name]), str(n)]
        if deltas:
            row.append(fmt_delta(name, deltas.get(name)))
        table.add_row(*row, *((DESCRIPTIONS[name],) if wide else ()))
    out.print(table)


def _fail_usage(message: str) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, style="red", soft_wrap=True)
    raise typer.Exit(2)


def _usage(
    min_: list[str] | None,
    max_: list[str] | None,
    articles: Path | None,
    index_dir: Path | None,
    compare: Path | None,
) -> tuple[list[Bound], dict[str, Any] | None]:
    """The bounds and the summary to compare with; exit 2 on a usage error."""
    try:
        bounds = parse_bounds(min_ or [], max_ or [])
    except BadBound as e:
        _fail_usage(str(e))
    if articles is not None and index_dir is not None:
        _fail_usage("give --articles (build a throw-away index) or --index-dir (use one), not both")
    if compare is None:
        return bounds, None
    try:
        return bounds, load_summary(compare)
    except (OSError, ValueError) as e:
        _fail_usage(f"--compare: {e}")


def _show(summary: Mapping[str, Any], target: Path, as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    print_table(summary)
    out.print(f"reports: {target}/report.md, {target}/report.html", markup=False, highlight=False)


@app.command("eval")
def eval_cmd(
    questions: Questions,
    articles: Articles = None,
    index_dir: IndexDir = None,
    out_dir: Out = None,
    compare: Compare = None,
    min_: Mins = None,
    max_: Maxs = None,
    mode: ModeOpt = None,
    k: K = None,
    generator: GeneratorOpt = None,
    as_of: AsOf = None,
    model: Model = None,
    limit: Limit = None,
    cache_dir: CacheDir = DEFAULT_ROOT,
    as_json: JsonOut = False,
    verbose: Verbose = False,
) -> None:
    """Evaluate answers to a question set; write questions.jsonl, summary.json, report.md, report.html.

    Exits 1 when a --min/--max bound is not met, 2 on a usage error (e.g. an unknown metric).
    """
    setup_logging(verbose)
    bounds, old = _usage(min_, max_, articles, index_dir, compare)
    mode, generator = checked_mode(mode), checked_generator(generator)
    items = load_questions(questions, limit)
    settings = settings_with(index_dir, model, mode=mode, k=k, generator=generator, as_of=as_of)
    embedder = embedder_for(settings)
    source = IndexSource(index_dir=index_dir, articles=articles, cache_root=cache_dir)
    store = eval_index_store(settings, cache_dir)
    cached = lookup(articles, embedder, chunking_of(settings), cache_dir, store) if articles else None
    with progress_bar("articles:", quiet=articles is None or cached is not None) as build_progress:
        used_dir, index_info = prepare_index(source, settings, embedder, build_progress)
    if articles is not None:
        how = "reused (nothing embedded)" if index_info["cached"] else "built"
        err.print(f"index {how}: {used_dir}", markup=False, highlight=False, soft_wrap=True)
    uri = index_info.get("milvus_uri") or settings.index.milvus_uri  # where the eval index is
    settings = settings.updated(index_dir=used_dir, milvus_uri=uri)
    with question_bar(len(items), quiet=False) as progress:
        run = run_eval(items, settings, embedder, index_info, progress=progress)
    name = set_name(questions)
    meta = {"set": name, "questions_file": str(questions), "limit": limit}
    summary = summarize(run, meta, old)
    failed = failures(summary["metrics"], bounds)
    summary["gates"] = {"bounds": [str(b) for b in bounds], "failed": failed}
    suffix = "" if settings.answer.generator == "extractive" else f"-{settings.answer.generator}"
    target = out_dir or Path("eval-out") / f"{name}-{run.config['mode']}{suffix}"
    write_reports(target, summary, run.records)
    _show(summary, target, as_json)
    if failed:
        for line in failed:
            err.print(f"FAILED {line}", markup=False, highlight=False, style="red", soft_wrap=True)
        raise typer.Exit(1)
