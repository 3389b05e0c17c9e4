"""What the API tests share: a few articles, an index built from them, a client that fails on any 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api import create_app
from index.embedding import FakeEmbedder
from index.ingest import build
from rag.settings import Settings

ARTICLES = [
    {
        "id": "caravan",
        "title": "Migrant caravan leaves San Isidro",
        "date": "2024-01-22",
        "source": "Sample Wire",
        "url": "https://example.org/caravan",
        "text": "About 2,000 migrants left the southern city of San Isidro on foot on Monday. Many migrants "
        "said they were leaving because the shelter was full and they had run out of money for rent and "
        "food. Local police escorted the caravan along the main highway.",
    },
    {
        "id": "storm",
        "title": "Storm closes northern ports",
        "date": "2024-02-03",
        "source": "Coast Daily",
        "url": "https://example.org/storm",
        "text": "A powerful storm closed three ports on the northern coast on Tuesday. Harbour officials "
        "said the ferries would stay in port until the winds drop. "
        "Fishermen secured their boats in the harbour.",
    },
    {
        "id": "election",
        "title": "Greens win council election",
        "date": "2024-03-10",
        "source": "City Herald",
        "url": "https://example.org/election",
        "text": "The Green list won twelve of the thirty council seats in the city election on Sunday. "
        "Turnout was 54 percent, election officials said. "
        "The mayor congratulated the winners on election night.",
    },
]
WHY = "Why are the migrants leaving?"
UNRELATED = "Xylophone quasar zebra?"


def user(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def sse_events(body: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of an SSE body; data parsed as JSON unless it is [DONE]."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        events.append((name, data if data == "[DONE]" else json.loads(data)))
    return events


AS_OF = "2024-12-31"


def make_settings(tmp_path: Path, built: bool = True) -> Settings:
    """Settings for an index in `tmp_path` (built from ARTICLES unless `built` is False)."""
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "news.json").write_text(json.dumps(ARTICLES))
    index_dir = tmp_path / "index"
    if built:
        build(index_dir, [folder], FakeEmbedder())
    # the threshold is pinned: these tests are about the HTTP layer, not about calibrating abstention;
    # the as-of date too (after every article), so that answers do not depend on the day the tests run
    return Settings(
        model="fake", index_dir=index_dir, articles_path=folder, abstain_threshold=0.35, as_of=AS_OF
    )


def served(settings: Settings, **kwargs: Any) -> Iterator[TestClient]:
    """A client of a fresh app (lifespan run); afterwards, asserts that nothing answered 5xx but 503.

    The client names the server `localhost`, as a browser on this machine does: without a key, writes
    need a Host of RAG_ALLOWED_HOSTS (TestClient's default `testserver` is not one)."""
    kwargs.setdefault("base_url", "http://localhost")
    app = create_app(settings)
    with TestClient(app, **kwargs) as client:
        yield client
    statuses = [
        s.labels["status"]
        for metric in app.state.metrics.registry.collect()
        for s in metric.samples
        if s.name == "newsrag_http_requests_total"
    ]
    assert not [s for s in statuses if s.startswith("5") and s != "503"], "a request ended in a 5xx"
