"""`rag search` and `rag ask`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from index.store import Filters
from rag.cli.app import (
    GeneratorOpt,
    IndexDir,
    JsonOut,
    Model,
    ModeOpt,
    app,
    checked_generator,
    checked_mode,
    out,
    print_json,
    settings_with,
    usage_error,
)
from rag.date_range import BadDateRange, date_range
from rag.reply import Reply
from rag.service import Assistant
from rag.timeframe import BadAsOf, resolve_as_of
from rag.types import also_reported

Query = Annotated[str, typer.Argument(help="The question or query", show_default=False)]
K = Annotated[int | None, typer.Option("--k", min=1, max=100, help="Passages to retrieve")]
Source = Annotated[list[str] | None, typer.Option("--source", help="Only this outlet (repeatable)")]
Since = Annotated[str | None, typer.Option("--since", help="Only articles dated on or after (YYYY-MM-DD)")]
Until = Annotated[str | None, typer.Option("--until", help="Only articles dated on or before (YYYY-MM-DD)")]
ArticleIds = Annotated[list[str] | None, typer.Option("--article", help="Only this article id (repeatable)")]


def _as_of(value: str | None) -> str | None:
    try:
        return None if value is None else resolve_as_of(value, newest=value)  # "newest": resolved later
    except BadAsOf as e:
        raise typer.BadParameter(str(e)) from None


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        callback=_as_of,
        help="The question's date (YYYY-MM-DD, today, newest): nothing dated after it is evidence, and "
        "'this week', 'latest' are read from it (default: RAG_AS_OF, today)",
    ),
]


def _filters(
    source: list[str] | None, since: str | None, until: str | None, ids: list[str] | None
) -> Filters:
    """The filters, or a usage error (exit 2) with the message the API's 422 gives for the same dates."""
    try:
        first, last = date_range(since, until)
    except BadDateRange as e:
        usage_error(f"--{e}")
    return Filters(sources=tuple(source or ()), article_ids=tuple(ids or ()), since=first, until=last)


@app.command("search")
def search_cmd(
    query: Query,
    k: K = None,
    mode: ModeOpt = None,
    source: Source = None,
    since: Since = None,
    until: Until = None,
    article: ArticleIds = None,
    as_of: AsOf = None,
    index_dir: IndexDir = None,
    model: Model = None,
    as_json: JsonOut = False,
) -> None:
    """Ranked passages for a query (hybrid dense + lexical by default)."""
    mode, filters = checked_mode(mode), _filters(source, since, until, article)
    assistant = Assistant(settings_with(index_dir, model))
    result = assistant.search(query, k=k, mode=mode, filters=filters, as_of=as_of)
    if as_json:
        print_json([p.to_dict() for p in result.passages])
        return
    for p in result.passages:
        scores = f"fused {p.fused:.4f}" + (f" dense {p.dense:.3f}" if p.dense is not None else "")
        scores += f" bm25 {p.lexical:.2f}" if p.lexical is not None else ""
        out.print(
            f"[bold]{p.rank}. {escape(p.title)}[/] — {escape(p.source or '-')}, {p.date or 'no date'}"
            f"  [dim]{scores}[/]"
        )  # article text is never markup: a title with "[/quote]" must not break the line
        out.print(f"   [dim]{escape(f'{p.article_id} #{p.ordinal} [{p.start}:{p.end}]')}[/]")
        if also := also_reported(p.also_reported_by, p.copies):
            out.print(f"   [dim]{escape(also)}[/]", highlight=False)
        out.print("   " + p.text[:300].replace("\n", " ") + ("…" if len(p.text) > 300 else ""), markup=False)
    if not result.passages:
        out.print("no passages found")


def print_answer(reply: Reply) -> None:
    """The short answer (typed questions), the answer (unless its deltas already printed it), flagged
    claims, the citations."""
    answer = reply.answer
    if answer.note:
        out.print(f"[yellow]{escape(answer.note)}[/]", highlight=False)
    if answer.short is not None and not answer.abstained:  # a typed question's answer itself, first
        out.print(f"[bold]{escape(answer.short.text)}[/] [{answer.short.citation}]", highlight=False)
    if not reply.shown:
        out.print(answer.text, markup=False, highlight=False)
    elif reply.correction is not None:
        note = "the language model failed" if reply.fell_back else "after checking"
        out.print(f"\n[dim]({note}, the answer is:)[/]")
        out.print(answer.text, markup=False, highlight=False)
    if answer.abstained:
        out.print(f"[dim](abstained: {answer.reason})[/]")
    elif answer.reason:
        out.print(f"[dim]({answer.reason}: answered extractively)[/]")
    for claim in answer.claims:
        if not claim.supported:
            out.print(f"[yellow]not supported by its sources:[/] {escape(claim.text)}", highlight=False)
    for c in answer.citations:
        where = f"{c.title} — {c.source or '-'}, {c.date or 'no date'}, {c.url or 'no url'}"
        out.print(f"\n[bold]\\[{c.n}][/] {escape(where)}")
        quote = f"    “{c.quote}”  "
        out.print(
            escape(quote) + f"[dim]{escape(f'({c.article_id} [{c.start}:{c.end}])')}[/]", highlight=False
        )
        if also := also_reported(c.also_reported_by, c.copies):
            out.print(f"    [dim]{escape(also)}[/]", highlight=False)
    by = "" if answer.generator == "extractive" else f" · {answer.generator}"
    window = answer.time_window or {}
    parts = [f"searched {window['expression']!r}: {_searched(window)}"] if window.get("expression") else []
    parts += [f"newest report {answer.as_of}"] if answer.as_of else []
    parts += [f"question as of {window['as_of']}"] if window.get("as_of") else []
    parts.append(f"{answer.timings.get('total', 0):.0f} ms{by}")
    out.print(f"\n[dim]{escape(' · '.join(parts))}[/]", highlight=False)


def _searched(window: dict[str, object]) -> str:
    if window.get("recency"):
        return "newest reports preferred"
    since, until = window.get("since"), window.get("until")
    return f"articles dated {since or '…'} to {until or '…'}"


@app.command("ask")
def ask_cmd(
    question: Query,
    k: K = None,
    mode: ModeOpt = None,
    source: Source = None,
    since: Since = None,
    until: Until = None,
    article: ArticleIds = None,
    generator: GeneratorOpt = None,
    as_of: AsOf = None,
    index_dir: IndexDir = None,
    model: Model = None,
    as_json: JsonOut = False,
) -> None:
    """Answer a question from the articles, citing the exact sentences, or say they don't."""
    mode, generator = checked_mode(mode), checked_generator(generator)
    filters = _filters(source, since, until, article)
    assistant = Assistant(settings_with(index_dir, model))
    messages = [{"role": "user", "content": question}]
    options = assistant.options(k=k, mode=mode, filters=filters, as_of=as_of)
    reply = assistant.reply(messages, generator, options)
    for text in reply.deltas():
        if not as_json:  # an LLM's answer is shown as it is written
            out.print(text, end="", markup=False, highlight=False)
    if as_json:
        print_json(reply.answer.to_dict())
        return
    if reply.shown:
        out.print()
    print_answer(reply)
