"""`rag serve`: the HTTP API and chat page under uvicorn (rag/ hands uvicorn api's import string only)."""

from __future__ import annotations

import copy
import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from index.embedding import check_model_files
from index.errors import RagError
from rag.cli.app import IndexDir, Model, app, err, settings_with
from rag.settings import Settings, get_settings

APP_FACTORY = "api.app:app_factory"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another name may resolve anywhere


def has_api_key(settings: Settings) -> bool:
    return settings.api_key is not None and bool(settings.api_key.get_secret_value())


def server_environment(settings: Settings) -> dict[str, str]:
    """What the server process's `get_settings()` must see: the command line's overrides."""
    return {
        "RAG_INDEX_DIR": str(settings.index_dir),
        "RAG_ARTICLES_PATH": str(settings.articles_path),
        "RAG_MODEL": settings.model,
        "RAG_HOST": settings.host,
        "RAG_PORT": str(settings.port),
    }


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
    if not is_loopback(s.host) and not has_api_key(s):
        err.print(
            f"refusing to listen on {s.host} without an API key: set RAG_API_KEY (write endpoints then "
            "need `Authorization: Bearer $RAG_API_KEY`), or serve on 127.0.0.1",
            style="red",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if s.generator == "openai":
        try:
            s.llm_config()
        except RagError as e:
            err.print(f"error ({e.code}): {e}", style="red", markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    try:
        check_model_files(s.model)
    except RagError as e:
        err.print(f"error ({e.code}): {e}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    os.environ.update(server_environment(s))
    # one OpenMP thread per request: concurrent requests (or any other load) on a small machine
    # otherwise make torch's spinning thread teams collide — query embedding went from ~20 ms to
    # ~700 ms on the 2-core box under load. Set before uvicorn imports torch; OMP_NUM_THREADS wins.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    get_settings.cache_clear()  # the app factory reads the environment just set

    import uvicorn  # only the server needs it

    url = f"http://{s.host if ':' not in s.host else f'[{s.host}]'}:{s.port}"
    body = '{"messages": [{"role": "user", "content": "Why are migrants leaving?"}]}'
    err.print(
        f"newsrag: chat page at {url}/  (index {s.index_dir}, model {s.model})", markup=False, soft_wrap=True
    )
    if s.llm_base_url and s.llm_model:
        llm = f"answers by {s.llm_model} at {s.llm_base_url} ({s.generator} by default)"
        err.print(llm, markup=False, soft_wrap=True)
    err.print(
        f"try: curl -s {url}/chat -H 'Content-Type: application/json' -d '{body}'",
        markup=False,
        soft_wrap=True,
    )
    uvicorn.run(
        APP_FACTORY, factory=True, host=s.host, port=s.port, log_level=s.log_level, log_config=log_config(s)
    )


def log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging, extended to newsrag's own loggers (index switches, rebuilds, errors)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    level = settings.log_level.upper()
    for name in ("api", "rag", "index"):
        config["loggers"][name] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
