"""Issue 15 "Hardening" and the HTTP parts of issue 12 through the ASGI app: Retry-After on every 503,
offline API docs, closed metrics labels, the Host allow-list, the loopback check in the app, no
paths or pids in responses, strict request types, complete Allow headers. (Slow uploads against a
real server: tests/test_api_real_server.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from pathlib import Path
from typing import Any

import pytest
from api_support import ARTICLES, WHY, make_settings, served, user
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api import create_app
from api.app import UnsafeBind
from api.redact import public_text
from index.lock import WriterLock
from rag.settings import Settings


def test_every_503_carries_retry_after(tmp_path: Path) -> None:
    for client in served(make_settings(tmp_path, built=False)):
        for method, path, body in [("get", "/ready", None), ("post", "/chat", user(WHY))]:
            r = client.request(method, path, json=body)
            assert r.status_code == 503 and int(r.headers["retry-after"]) > 0, path
        r = client.post("/v1/chat/completions", json=user(WHY))
        assert (
            r.status_code == 503 and r.headers["retry-after"] and r.json()["error"]["type"] == "server_error"
        )


def test_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text) + re.findall(
        r"url: ?'([^']+)'", page.text
    )
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "cdn." not in redoc.text and "fonts.googleapis" not in redoc.text


def test_metrics_labels_come_from_a_closed_set(client: TestClient) -> None:
    rng = random.Random(3)
    before = len(client.get("/metrics").content)
    for _ in range(300):
        method = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(8))
        client.request(method, rng.choice(["/chat", "/health", f"/nope/{rng.random()}"]))
    text = client.get("/metrics").text
    methods = set(re.findall(r'method="([^"]+)"', text))
    assert methods <= {"GET", "POST", "other"}, methods
    assert len(text) < before + 20_000, (before, len(text))  # measured: 25 KB -> 5.3 MB before the fix


def test_without_a_key_writes_need_an_allowed_host(settings: Settings) -> None:
    for client in served(settings):
        evil = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}
        for method, path, body in [("post", "/index/rebuild", None), ("post", "/articles", ARTICLES[0])]:
            r = client.request(method, path, json=body, headers=evil)
            assert r.status_code == 403 and r.json()["error"]["code"] == "host_not_allowed", path
        assert client.delete("/articles/storm", headers=evil).status_code == 403
        for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000"):
            r = client.post("/articles", json=ARTICLES[0], headers={"Host": host})
            assert r.status_code == 200, (host, r.text)
    for client in served(settings.updated(allowed_hosts="localhost,newsrag.lan")):
        assert (
            client.post("/articles", json=ARTICLES[0], headers={"Host": "newsrag.lan:80"}).status_code == 200
        )


def test_with_a_key_any_host_may_write_with_it(settings: Settings) -> None:
    for client in served(settings.updated(api_key=SecretStr("k"))):
        headers = {"Host": "newsrag.example.org", "Authorization": "Bearer k"}
        assert client.post("/articles", json=ARTICLES[0], headers=headers).status_code == 200


def test_the_app_refuses_to_start_beyond_loopback_without_a_key(settings: Settings) -> None:
    with (
        pytest.raises(UnsafeBind, match="RAG_API_KEY"),
        TestClient(create_app(settings.updated(host="0.0.0.0"))),
    ):
        pass
    with TestClient(create_app(settings.updated(host="0.0.0.0", api_key=SecretStr("k")))) as client:
        assert client.get("/health").status_code == 200


def test_a_refused_start_is_reported_by_its_message_not_a_traceback(settings: Settings) -> None:
    app = create_app(settings.updated(host="0.0.0.0"))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def start() -> None:
        with contextlib.suppress(UnsafeBind):
            await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)

    asyncio.run(start())
    (failed,) = [m for m in sent if m["type"] == "lifespan.startup.failed"]
    assert failed["message"].startswith("UnsafeBind: refusing to serve on 0.0.0.0 without an API key")
    assert "Traceback" not in failed["message"]


def test_without_a_key_requests_on_a_non_loopback_address_are_refused(settings: Settings) -> None:
    # uvicorn started on the factory with --host 0.0.0.0: RAG_HOST says nothing, the socket does
    for client in served(settings, base_url="http://192.168.1.5:8000"):
        r = client.post("/chat", json=user(WHY))
        assert r.status_code == 403 and r.json()["error"]["code"] == "loopback_only"
    for client in served(settings.updated(api_key=SecretStr("k")), base_url="http://192.168.1.5:8000"):
        assert client.post("/chat", json=user(WHY)).status_code == 200


def test_responses_name_the_index_not_its_path(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, built=False).updated(index_name="news")
    secret = str(tmp_path)
    for client in served(settings):
        for r in (client.get("/ready"), client.post("/chat", json=user(WHY)), client.get("/index")):
            assert secret not in r.text and "news" in r.text, r.text
        assert client.get("/index").json()["name"] == "news"
    built = make_settings(tmp_path)
    for client in served(built):
        with WriterLock(built.index.dir):
            r = client.post("/articles", json=ARTICLES[0])
        assert r.status_code == 409 and secret not in r.text and not re.search(r"pid \d", r.text), r.text
        missing = built.updated(articles_path=tmp_path / "gone")
    for client in served(missing):
        r = client.post("/index/rebuild")
        assert r.status_code == 409 and secret not in r.text, r.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chat", {**user(WHY), "stream": 0}),
        ("/chat", {**user(WHY), "since": 0}),
        ("/chat", {**user(WHY), "until": 20240101}),
        ("/chat", {**user(WHY), "k": True}),
        ("/search", {"query": WHY, "k": "5"}),
        ("/search", {"query": WHY, "since": 1.5}),
    ],
)
def test_request_types_are_strict(client: TestClient, path: str, body: dict[str, object]) -> None:
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text


def test_a_405_lists_every_method_of_the_path(client: TestClient) -> None:
    r = client.put("/articles/storm", json={})
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "DELETE"}
    assert "POST" in client.get("/v1/chat/completions").headers["allow"]


@pytest.mark.parametrize(
    ("message", "public"),
    [
        ("no index in /srv/x/index: run `rag build`", "no index in index 'news': run `rag build`"),
        (
            "index is locked by pid 4242 (/srv/x/index/.lock); retry",
            "index is locked by another process (index 'news' (.lock)); retry",
        ),
        ("bad_article: /srv/x/articles/a.txt: empty", "bad_article: RAG_ARTICLES_PATH (a.txt): empty"),
        (
            "model at /home/me/models/m does not report a dimension",
            "model at <path> does not report a dimension",
        ),
        ("cannot connect to http://127.0.0.1:8080/v1", "cannot connect to http://127.0.0.1:8080/v1"),
        ("/srv/x/index2 is another folder.", "<path> is another folder."),
    ],
)
def test_public_text_names_the_index_and_hides_paths_and_pids(message: str, public: str) -> None:
    settings = Settings(index_dir="/srv/x/index", articles_path="/srv/x/articles", index_name="news")
    assert public_text(message, settings) == public


def test_a_stream_failing_midway_names_no_path(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.errors import IndexCorrupt

    def broken(text: str) -> list[str]:
        raise IndexCorrupt(f"{settings.index.dir}/gen-000001/chunks.faiss does not match its checksum")

    monkeypatch.setattr("api.routes_chat.text_pieces", broken)
    monkeypatch.setattr("api.routes_openai.text_pieces", broken)
    chat = client.post("/chat", json={**user(WHY), "stream": True}).text
    openai = client.post("/v1/chat/completions", json={**user(WHY), "stream": True}).text
    for text in (chat, openai):
        assert "index_corrupt" in text and "chunks.faiss" in text
        assert str(settings.index.dir) not in text, text
