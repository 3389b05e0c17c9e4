"""`rag serve`: the HTTP API and chat page under uvicorn (rag/ hands uvicorn api's import string only)."""

from __future__ import annotations

import copy
import json
import os
import shlex
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from index.embedding import check_model_files
from index.errors import RagError
from rag.cli.app import IndexDir, Model, app, err, settings_with
from rag.library import Library
from rag.registry import load
from rag.service import check_generator
from rag.settings import Settings, is_loopback

APP_FACTORY = "api.app:create_app"  # loaded by name: rag/ never imports api/


def has_api_key(settings: Settings) -> bool:
    return settings.server.key is not None


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Interface [env RAG_HOST, default 127.0.0.1]")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="[env RAG_PORT, default 8000]")
    ] = None,
    index_dir: IndexDir = None,
    articles: Annotated[
        Path | None,
        typer.Option("--articles", help="What POST /index/rebuild rebuilds from [env RAG_ARTICLES_PATH]"),
    ] = None,
    model: Model = None,
) -> None:
    """Serve the chat API, the OpenAI-compatible endpoint and the chat page."""
    s = settings_with(index_dir, model, host=host, port=port, articles_path=articles)
    _refuse_unsafe(s)
    # one OpenMP thread per request: concurrent requests (or any other load) on a small machine
    # otherwise make torch's spinning thread teams collide — query embedding went from ~20 ms to
    # ~700 ms on the 2-core box under load. Set before uvicorn imports torch; OMP_NUM_THREADS wins.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import uvicorn  # only the server needs it

    _announce(s)
    factory = partial(load(APP_FACTORY), s)  # the settings themselves, not the environment
    uvicorn.run(
        factory,
        factory=True,
        host=s.server.host,
        port=s.server.port,
        log_level=s.server.log_level,
        log_config=log_config(s),
    )


def _refuse_unsafe(s: Settings) -> None:
    """Exit 2 before starting: beyond loopback without a key, or a generator that is not set up."""
    if not is_loopback(s.server.host) and not has_api_key(s):
        err.print(
            f"refusing to listen on {s.server.host} without an API key: set RAG_API_KEY "
            "(write endpoints then need `Authorization: Bearer $RAG_API_KEY`), or serve on 127.0.0.1",
            style="red",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    try:
        check_generator(s)
        check_model_files(s.index.model)  # the ONNX export is made by `make install`: say how if missing
    except RagError as e:
        err.print(f"error ({e.code}): {e}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _announce(s: Settings) -> None:
    url = f"http://{s.server.host if ':' not in s.server.host else f'[{s.server.host}]'}:{s.server.port}"
    err.print(
        f"newsrag: chat page at {url}/  (index {s.index.dir}, model {s.index.model})",
        markup=False,
        soft_wrap=True,
    )
    if s.llm.base_url and s.llm.model:
        llm = f"answers by {s.llm.model} at {s.llm.base_url} ({s.answer.generator} by default)"
        err.print(llm, markup=False, soft_wrap=True)
    try:
        question = Library(s).suggested_question()  # reads the index only: no model is loaded
    except RagError as e:
        err.print(str(e), markup=False, soft_wrap=True)  # e.g. "no index in DIR: run `rag build PATH…` first"
        question = "What happened?"
    body = shlex.quote(json.dumps({"messages": [{"role": "user", "content": question}]}, ensure_ascii=False))
    err.print(
        f"try: curl -s {url}/chat -H 'Content-Type: application/json' -d {body}",
        markup=False,
        soft_wrap=True,
    )


def log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging, extended to newsrag's own loggers (index switches, rebuilds, errors)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    level = settings.server.log_level.upper()
    for name in ("api", "rag", "index"):
        config["loggers"][name] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
