"""`rag build / add / remove / info / show`: thin wrappers over the Library (rag/library.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from index.ingest import IngestReport
from rag.cli.app import (
    IndexDir,
    JsonOut,
    Model,
    app,
    counted,
    embedder_for,
    err,
    out,
    print_json,
    progress_bar,
    settings_with,
)
from rag.library import Library

Paths = Annotated[list[Path], typer.Argument(help="Files or folders of articles", show_default=False)]


def _finish(report: IngestReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
    else:
        err.print(
            f"[green]generation {report.generation}[/]: {counted(report.articles, 'article')}, "
            f"{counted(report.chunks, 'chunk')} (added {report.added}, updated {report.updated}, "
            f"unchanged {report.unchanged}, removed {report.removed}; embedded "
            f"{counted(report.chunks_embedded, 'chunk')} and "
            f"{counted(report.sentences_embedded, 'sentence')} in {report.seconds:.1f} s)"
        )
    for failure in report.failed:
        err.print(f"[red]failed[/] {escape(f'{failure.path}: {failure.error}')}")  # file text: no markup
    for missing in report.missing:
        err.print(f"[yellow]not in the index[/] {escape(missing)}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def build(paths: Paths, index_dir: IndexDir = None, model: Model = None, as_json: JsonOut = False) -> None:
    """Rebuild the index from scratch into a new generation, switched to only when complete."""
    s = settings_with(index_dir, model)
    library = Library(s, embedder_for(s))
    with progress_bar() as progress:
        report = library.build(paths, progress)
    _finish(report, as_json)


@app.command()
def add(paths: Paths, index_dir: IndexDir = None, model: Model = None, as_json: JsonOut = False) -> None:
    """Add or update articles by id; only new or changed articles are embedded."""
    s = settings_with(index_dir, model)
    library = Library(s, embedder_for(s))
    with progress_bar() as progress:
        report = library.add(paths, progress)
    _finish(report, as_json)


@app.command()
def remove(
    ids: Annotated[list[str], typer.Argument(help="Article ids", show_default=False)],
    index_dir: IndexDir = None,
    model: Model = None,
    as_json: JsonOut = False,
) -> None:
    """Remove articles, their chunks and their vectors."""
    s = settings_with(index_dir, model)
    _finish(Library(s, embedder_for(s)).remove(ids), as_json)


@app.command()
def compact(index_dir: IndexDir = None, model: Model = None, as_json: JsonOut = False) -> None:
    """Fold the writes made in place into a new generation (writes also do this by themselves when
    their delta outgrows a quarter of the index)."""
    s = settings_with(index_dir, model)
    _finish(Library(s, embedder_for(s)).compact(), as_json)


@app.command()
def info(index_dir: IndexDir = None, as_json: JsonOut = False) -> None:
    """Show what the current index holds and how it was built."""
    s = settings_with(index_dir)
    m, fallback, writes = Library(s).overview()  # no model loaded
    data = {
        "index_dir": str(s.index.dir),
        "generation": m.generation,
        "created": m.created,
        "articles": m.articles,
        "chunks": m.chunks,
        "model": m.model.name,
        "dim": m.model.dim,
        "fingerprint": m.model.fingerprint,
        "chunking": m.chunking,
        "format_version": m.format_version,
        "store": m.store,
        # writes made in place since the generation was made, and what a compaction would fold
        **writes,
        # set when the current generation is damaged and this older one is what queries use
        "fallback": vars(fallback) if fallback else None,
    }
    if fallback is not None:
        err.print(f"[yellow]warning:[/] {escape(fallback.warning())}", highlight=False)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        label = key.replace("_", " ")
        if isinstance(value, dict):  # one readable line per setting, not a Python dict
            out.print(f"[bold]{label:>14}[/]", highlight=False)
            for name, setting in value.items():
                out.print(f"{'':>14}  {name.replace('_', ' ')}: {setting}", markup=False, highlight=False)
        else:
            shown = "none" if value is None else str(value)
            out.print(f"[bold]{label:>14}[/]  {escape(shown)}", highlight=False)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id", show_default=False)],
    index_dir: IndexDir = None,
    as_json: JsonOut = False,
) -> None:
    """Show one article: metadata, cleaned text and its chunks with offsets."""
    s = settings_with(index_dir)
    view = Library(s).article(article_id)  # no model loaded
    article, chunks = view.article, view.chunks
    if as_json:
        print_json({**vars(article), "chunks": [vars(c) for c in chunks]})
        return
    out.print(f"[bold]{escape(article.title)}[/]")
    out.print(
        f"{article.source or '-'} · {article.date or 'no date'} · {article.url or 'no url'}", markup=False
    )
    out.print(
        f"id {article.id} · hash {article.content_hash[:12]} · {counted(len(chunks), 'chunk')}\n",
        markup=False,
    )
    out.print(article.text, markup=False, highlight=False)
    for c in chunks:
        out.print(f"\n[dim]chunk {c.id} #{c.ordinal} [{c.start}:{c.end}] {counted(c.tokens, 'token')}[/]")
