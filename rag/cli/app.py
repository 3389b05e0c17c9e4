"""The `rag` Typer app and what its commands share: options, output, progress, errors."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from index.embedding import Embedder, load_embedder
from index.writer import Progress as ProgressFn
from rag.registry import GENERATORS, MODES
from rag.settings import Settings, get_settings

app = typer.Typer(
    name="rag",
    help="newsrag: cited answers from news articles. Progress and logs go to stderr, --json to stdout.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)  # no hard wrapping: messages stay greppable
out = Console(soft_wrap=True)

IndexDir = Annotated[
    Path | None, typer.Option("--index-dir", help="Index directory (env RAG_INDEX_DIR; default data/index)")
]
Model = Annotated[str | None, typer.Option("--model", help="Embedding model (env RAG_MODEL)")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]


def one_of(option: str, value: str | None, names: Iterable[str]) -> str | None:
    """`value`, or a usage error (exit 2) naming the choices. Called in a command's body: as a typer
    callback, the "Invalid value for …" prefix would wrap the message."""
    choices = list(names)
    if value is not None and value not in choices:
        raise typer.BadParameter(f"{option} must be one of {', '.join(choices)}, not {value!r}")
    return value


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 article`, `2 articles`, `0 articles` (plain words for a person reading the output)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def usage_error(message: str) -> NoReturn:
    """Print `error: message` on stderr, unwrapped (greppable), and exit 2 as a usage error."""
    err.print(f"error: {message}", markup=False, highlight=False, style="red", soft_wrap=True)
    raise typer.Exit(2)


def checked_mode(mode: str | None) -> str | None:
    return one_of("--mode", mode, MODES)


def checked_generator(generator: str | None) -> str | None:
    return one_of("--generator", generator, GENERATORS)


ModeOpt = Annotated[
    str | None,
    typer.Option("--mode", help=f"{' | '.join(MODES)} (default: RAG_MODE)"),
]
GeneratorOpt = Annotated[
    str | None,
    typer.Option(
        "--generator",
        help=f"{' | '.join(GENERATORS)} (default: RAG_GENERATOR; openai needs RAG_LLM_*)",
    ),
]


def settings_with(index_dir: Path | None = None, model: str | None = None, **extra: Any) -> Settings:
    """The environment's settings with command-line overrides applied (and validated)."""
    base = get_settings()
    updates = {k: v for k, v in {"index_dir": index_dir, "model": model, **extra}.items() if v is not None}
    return base.updated(**updates) if updates else base


def embedder_for(settings: Settings) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return load_embedder(settings.index.model)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:6.1f}/s" if speed else "     -/s")


# what each build phase counts (index.writer.PHASES): (one, several)
UNITS = {
    "reading": ("file", "files"),
    "chunking": ("article", "articles"),
    "annotating": ("article (names and places)", "articles (names and places)"),
    "embedding": ("text (chunk or sentence)", "texts (chunks + sentences)"),
}


class UnitColumn(ProgressColumn):
    """What the count counts, singular when the total is 1 ("1/1 file")."""

    def render(self, task: Task) -> Text:
        one, several = task.fields.get("units", ("", ""))
        return Text(one if task.total == 1 else several)


@contextmanager
def progress_bar(description: str = "", quiet: bool = False) -> Iterator[ProgressFn]:
    """One progress line per build phase on stderr ("reading 12/40 files", then chunking,
    annotating, embedding), each with its count from its start; nothing when quiet."""
    if quiet:
        yield lambda done, total, phase="embedding": None
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        UnitColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(done: int, total: int, phase: str = "embedding") -> None:
            if phase not in tasks:
                label = f"{description} {phase}".strip()
                tasks[phase] = bar.add_task(label, total=total, units=UNITS.get(phase, (phase, phase)))
            bar.update(tasks[phase], completed=done, total=total)

        yield update


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
