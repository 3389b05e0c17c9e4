"""The API's operational side: readiness, metrics, background rebuilds, the page, and `rag serve`."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import UNRELATED, WHY, make_settings, served, user
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from typer.testing import CliRunner

from api import create_app
from index.ingest import IngestReport
from index.lock import WriterLock
from rag.cli import serve_cmd
from rag.cli.app import app as cli_app
from rag.settings import Settings, get_settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value of a Prometheus text exposition."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


# -- health and readiness ---------------------------------------------------------------------------
def test_without_an_index_health_is_ok_and_the_rest_says_how_to_build(tmp_path: Path) -> None:
    for client in served(make_settings(tmp_path, built=False)):
        assert client.get("/health").json() == {"status": "ok"}
        for r in (client.get("/ready"), client.post("/chat", json=user(WHY))):
            assert r.status_code == 503
            error = r.json()["error"]
            assert error["code"] == "index_not_found" and "rag build PATH" in error["hint"]
        status = client.get("/index").json()
        assert status["manifest"] is None and status["job"] is None
        assert client.get("/metrics").status_code == 200


def test_ready_reports_the_served_generation(client: TestClient) -> None:
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["generation"] == "gen-000001" and ready["articles"] == 3


# -- metrics ----------------------------------------------------------------------------------------
def test_metrics_count_requests_per_route_index_size_and_abstentions(client: TestClient) -> None:
    client.post("/chat", json=user(WHY))
    client.post("/chat", json=user(UNRELATED))
    client.get("/articles/caravan")
    client.get("/articles/nope")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    found = samples(r.text)
    chat = (("method", "POST"), ("route", "/chat"), ("status", "200"))
    assert found[("newsrag_http_requests_total", chat)] == 2
    article = ("route", "/articles/{article_id:path}")
    assert found[("newsrag_http_requests_total", (("method", "GET"), article, ("status", "404")))] == 1
    latency = (("method", "POST"), ("route", "/chat"))
    assert found[("newsrag_http_request_duration_seconds_count", latency)] == 2
    assert found[("newsrag_index_articles", ())] == 3 and found[("newsrag_index_chunks", ())] >= 3
    assert found[("newsrag_answers_total", ())] == 2
    abstained = [v for (name, _), v in found.items() if name == "newsrag_abstentions_total"]
    assert sum(abstained) == 1


def test_two_apps_in_one_process_keep_separate_metrics(settings: Settings) -> None:
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        one.post("/chat", json=user(WHY))
        assert "newsrag_answers_total 1.0" in one.get("/metrics").text
        assert "newsrag_answers_total 0.0" in two.get("/metrics").text


# -- background rebuild -----------------------------------------------------------------------------
def test_rebuild_runs_in_the_background_and_switches_generation(client: TestClient) -> None:
    r = client.post("/index/rebuild")
    assert r.status_code == 202 and r.headers["location"] == "/index"
    job_id = r.json()["id"]
    assert client.app.state.assistant.jobs.join(timeout=30)  # type: ignore[attr-defined]
    status = client.get("/index").json()
    assert status["job"]["id"] == job_id and status["job"]["state"] == "succeeded"
    assert status["job"]["done"] == status["job"]["total"] > 0 and status["job"]["error"] is None
    assert status["manifest"]["generation"] == "gen-000002" == client.get("/ready").json()["generation"]
    assert not client.post("/chat", json=user(WHY)).json()["abstained"]


def test_a_second_rebuild_while_one_runs_is_409(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_build(
        index_dir: Path, paths: Any, embedder: Any, params: Any, progress: Any, **options: Any
    ) -> IngestReport:
        progress(1, 10)
        started.set()
        release.wait(10)
        return IngestReport()

    monkeypatch.setattr("index.ingest.build", slow_build)
    assert client.post("/index/rebuild").status_code == 202
    assert started.wait(10)
    job = client.get("/index").json()["job"]
    assert (job["state"], job["done"], job["total"]) == ("running", 1, 10)
    r = client.post("/index/rebuild")
    assert r.status_code == 409 and r.json()["error"]["code"] == "rebuild_running"
    release.set()
    assert client.app.state.assistant.jobs.join(timeout=10)  # type: ignore[attr-defined]
    assert client.get("/index").json()["job"]["state"] == "succeeded"


def test_writes_while_another_process_holds_the_index_are_409(client: TestClient, settings: Settings) -> None:
    with WriterLock(settings.index.dir):
        for r in (
            client.post("/index/rebuild"),
            client.post("/articles", json={"id": "x", "title": "X", "text": "Some text."}),
            client.delete("/articles/storm"),
        ):
            assert r.status_code == 409 and r.json()["error"]["code"] == "index_locked"
        assert client.post("/chat", json=user(WHY)).status_code == 200  # reads go on


def test_failed_rebuild_is_reported_by_the_job(client: TestClient, settings: Settings) -> None:
    shutil.rmtree(settings.index.articles_path)
    r = client.post("/index/rebuild")
    assert r.status_code == 409 and r.json()["error"]["code"] == "articles_path_missing"
    settings.index.articles_path.mkdir()
    (settings.index.articles_path / "empty.txt").write_text("")
    assert client.post("/index/rebuild").status_code == 202
    assert client.app.state.assistant.jobs.join(timeout=30)  # type: ignore[attr-defined]
    status = client.get("/index")
    job = status.json()["job"]
    assert job["state"] == "failed" and job["error"].startswith("bad_article")
    assert str(settings.index.articles_path.parent) not in status.text and "empty.txt" in job["error"]
    assert client.get("/ready").json()["generation"] == "gen-000001"


# -- the page ---------------------------------------------------------------------------------------
def test_chat_page_and_its_static_files_are_served(client: TestClient) -> None:
    page = Path(__file__).resolve().parents[1] / "api" / "static" / "index.html"
    if not page.exists():
        pytest.skip("api/static/index.html is not there yet")
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert client.get("/static/index.html").status_code == 200
    assert client.get("/static/nope.js").status_code == 404


# -- rag serve --------------------------------------------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for name in ("RAG_API_KEY", "RAG_HOST", "RAG_PORT", "RAG_INDEX_DIR", "RAG_MODEL", "RAG_ARTICLES_PATH"):
        monkeypatch.setenv(name, "")  # records the original value: `rag serve` sets these, undone after
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.org"])
def test_serve_refuses_non_loopback_without_a_key(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("must not start"))
    result = CliRunner().invoke(cli_app, ["serve", "--host", host])
    assert result.exit_code == 2 and "RAG_API_KEY" in result.output


@pytest.mark.usefixtures("clean_env")
def test_serve_hands_settings_to_the_app_factory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv("RAG_API_KEY", "k")
    args = [
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8123",
        "--index-dir",
        str(tmp_path / "i"),
        "--model",
        "fake",
    ]
    result = CliRunner().invoke(cli_app, [*args, "--articles", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "http://0.0.0.0:8123/" in result.output and "curl" in result.output
    (target,), kwargs = calls[0]
    assert target.func.__name__ == "create_app" and kwargs["factory"] and kwargs["port"] == 8123
    (s,) = target.args  # the settings themselves, not the environment
    assert (s.index.dir, s.index.model, s.index.articles_path) == (tmp_path / "i", "fake", tmp_path / "a")
    assert s.server.api_key == SecretStr("k")


def test_loopback_hosts() -> None:
    assert all(map(serve_cmd.is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.0.1"]))
    assert not any(map(serve_cmd.is_loopback, ["0.0.0.0", "", "10.0.0.1", "myhost"]))
