"""What a response may say about the machine: the index by its configured name, never a path or a pid.

Errors raised by index/ and rag/ name files and processes for the operator (the server log keeps
them whole); `public_text` rewrites such a message for a client. Paths under the index directory
become `index 'NAME'` (+ the part inside it), the articles path `RAG_ARTICLES_PATH`, any other
absolute path `<path>`, and "pid 1234" "another process".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.manifest import Manifest
from rag.settings import Settings

_PATH_CHARS = r"[^\s'\"`,;()\[\]{}<>]"
_END = r"(?=[:.]?(?:[\s'\"`,;()\[\]{}<>]|$))"  # a colon or full stop after a path is the sentence's
_ABSOLUTE = re.compile(rf"(?<![\w.~/:])/{_PATH_CHARS}*?{_END}")
_PID = re.compile(r"\bpid \S+?(?=[\s,;)]|$)")


def _places(settings: Settings) -> list[tuple[str, str]]:
    """(path prefix, public name), longest prefixes first; each path as configured and resolved."""
    named = [
        (settings.index.dir, f"index '{settings.index.public_name}'"),
        (settings.index.articles_path, "RAG_ARTICLES_PATH"),
    ]
    places = []
    for path, name in named:
        for spelling in {str(path), os.path.abspath(path), str(Path(path).resolve())}:
            if spelling not in ("", "."):
                places.append((spelling.rstrip("/") or "/", name))
    return sorted(places, key=lambda p: -len(p[0]))


def public_text(text: str, settings: Settings) -> str:
    """`text` without paths or pids (see the module docstring)."""
    for prefix, name in _places(settings):
        pattern = re.compile(re.escape(prefix) + rf"(/{_PATH_CHARS}*?)?{_END}")
        text = pattern.sub(_naming(name), text)
    text = _ABSOLUTE.sub("<path>", text)
    return _PID.sub("another process", text)


def _naming(name: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        inside = (match.group(1) or "").strip("/")
        return f"{name} ({inside})" if inside else name

    return replace


def public_job(job: dict[str, Any] | None, settings: Settings) -> dict[str, Any] | None:
    """A rebuild job's snapshot with its error and failed files' paths made public."""
    if job is None:
        return None
    report = job.get("report")
    error = job.get("error")
    return {
        **job,
        "error": public_text(error, settings) if error else error,
        "report": public_report(report, settings) if isinstance(report, dict) else report,
    }


def public_report(report: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """An ingest report (`IngestReport.to_dict()`) whose failed files are named relative to the
    articles path, their errors made public."""
    failed = [
        {
            **f,
            "path": _relative(str(f.get("path", "")), settings),
            "error": public_text(str(f.get("error", "")), settings),
        }
        for f in report.get("failed", [])
    ]
    return {**report, "failed": failed}


def _relative(path: str, settings: Settings) -> str:
    """A failed file as the articles path's user knows it: relative to that path."""
    base = Path(settings.index.articles_path).resolve()
    try:
        return str(Path(path).resolve().relative_to(base if base.is_dir() else base.parent))
    except ValueError:
        return public_text(path, settings)


def public_manifest(manifest: Manifest) -> dict[str, Any]:
    """The manifest, a model given as a local folder named by the folder's name only."""
    data = manifest.to_dict()
    name = str(data["model"]["name"])
    if os.path.isabs(name):
        data["model"] = {**data["model"], "name": Path(name).name}
    return data
