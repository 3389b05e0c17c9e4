"""The HTTP API through the ASGI app (TestClient), with the fake embedder and a small index."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import ARTICLES, UNRELATED, WHY, served, sse_events, user
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api import create_app
from rag.settings import Settings


@pytest.fixture
def keyed(settings: Settings) -> Iterator[TestClient]:
    yield from served(settings.updated(api_key=SecretStr("s3cret")))


# -- /chat ------------------------------------------------------------------------------------------
def test_chat_answers_with_citations_and_passages(client: TestClient) -> None:
    r = client.post("/chat", json=user(WHY))
    assert r.status_code == 200
    answer = r.json()
    assert not answer["abstained"] and "[1]" in answer["text"]
    cite = answer["citations"][0]
    assert cite["article_id"] == "caravan" and cite["quote"] in ARTICLES[0]["text"]
    assert answer["passages"] and answer["as_of"] == "2024-01-22"


def test_chat_stream_sends_passages_deltas_citations_then_done(client: TestClient) -> None:
    r = client.post("/chat", json={**user(WHY), "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[0] == "passages" and names[-2:] == ["citations", "done"]
    assert set(names[1:-2]) == {"delta"} and len(names) > 4
    done = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "delta") == done["text"]
    assert events[-2][1] == done["citations"] and done["citations"][0]["article_id"] == "caravan"
    assert "passages" not in done and events[0][1][0]["article_id"] == "caravan"


def test_chat_stream_failure_midway_sends_error_event_instead_of_the_rest(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr("api.routes_chat.text_pieces", broken)
    events = sse_events(client.post("/chat", json={**user(WHY), "stream": True}).text)
    assert [name for name, _ in events] == ["passages", "error"]
    assert events[1][1]["code"] == "internal_error" and "boom" not in events[1][1]["message"]


def test_chat_follow_up_is_resolved_with_earlier_turns(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "How many migrants left San Isidro?"},
        {"role": "assistant", "content": "About 2,000 migrants left [1]."},
        {"role": "user", "content": "Why are they leaving?"},
    ]
    answer = client.post("/chat", json={"messages": messages}).json()
    assert "migrants" in answer["query"] and not answer["abstained"]
    assert answer["citations"][0]["article_id"] == "caravan"


def test_chat_abstains_with_a_200_and_no_citations(client: TestClient) -> None:
    answer = client.post("/chat", json=user(UNRELATED)).json()
    assert answer["abstained"] and answer["citations"] == [] and answer["reason"]


def test_chat_filters_restrict_the_evidence(client: TestClient) -> None:
    answer = client.post("/chat", json={**user(WHY), "sources": ["Coast Daily"]}).json()
    assert all(p["source"] == "Coast Daily" for p in answer["passages"])
    answer = client.post("/chat", json={**user(WHY), "until": "2023-12-31"}).json()
    assert answer["abstained"] and answer["passages"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        user(""),
        user("   "),
        user("x" * 2001),
        {**user(WHY), "k": 0},
        {**user(WHY), "k": 51},
        {**user(WHY), "mode": "psychic"},
        {**user(WHY), "since": "2024-02-01", "until": "2024-01-01"},
        {**user(WHY), "since": "yesterday"},
        {"messages": [{"role": "wizard", "content": WHY}]},
        {"messages": [{"role": "assistant", "content": "no question here"}]},
        {"messages": [{"role": "user", "content": WHY}] * 51},
        {"question": WHY},
    ],
)
def test_invalid_chat_requests_are_422_and_400_in_openai_shape(
    client: TestClient, body: dict[str, Any]
) -> None:
    r = client.post("/chat", json=body)
    assert r.status_code == 422, (body, r.text)
    error = r.json()["error"]
    assert error["code"] == "invalid_request" and error["details"][0]["field"]
    # OpenAI answers 400 with type and param; a field it does not know is refused, not ignored
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400, (body, r.text)
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] and error["message"]
    assert error["code"] in ("invalid_request", "unknown_parameter")


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    r = client.post("/chat", content=b'{"messages": [', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


# -- OpenAI-compatible ------------------------------------------------------------------------------
def test_openai_completion_has_markers_sources_and_citations(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"model": "newsrag", **user(WHY), "temperature": 0.2})
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "newsrag"
    content = body["choices"][0]["message"]["content"]
    assert (
        "[1]" in content
        and "\n\nSources:\n[1] Migrant caravan leaves San Isidro — Sample Wire, 2024-01-22," in content
    )
    assert body["choices"][0]["finish_reason"] == "stop" and body["usage"]["total_tokens"] > 0
    assert body["citations"][0]["article_id"] == "caravan"
    extra = body["newsrag"]
    assert (extra["abstained"], extra["reason"], extra["as_of"]) == (False, None, "2024-01-22")
    assert extra["generator"] == "extractive" and extra["text"] in content and "claims" in extra


def test_openai_stream_is_chunks_then_done_with_citations_on_the_last(client: TestClient) -> None:
    whole = client.post("/v1/chat/completions", json=user(WHY)).json()
    body = {**user(WHY), "stream": True, "stream_options": {"include_usage": True}}
    events = sse_events(client.post("/v1/chat/completions", json=body).text)
    assert events[-1] == ("message", "[DONE]")
    chunks = [data for _, data in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    final, usage = chunks[-2], chunks[-1]
    assert final["choices"][0]["finish_reason"] == "stop" and final["citations"] == whole["citations"]
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] > 0
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == whole["choices"][0]["message"]["content"]


def test_a_typed_question_leads_with_its_short_answer_on_both_endpoints(client: TestClient) -> None:
    question = user("How many migrants left San Isidro on foot?")
    answer = client.post("/chat", json=question).json()
    assert not answer["abstained"], answer["reason"]
    short = answer["short"]
    quote = answer["citations"][short["citation"] - 1]
    assert short["label"] == "CARDINAL" and "2,000" in short["text"]
    assert quote["quote"][short["start"] - quote["start"] : short["end"] - quote["start"]] == short["text"]
    content = client.post("/v1/chat/completions", json=question).json()["choices"][0]["message"]["content"]
    assert content.startswith(f"**{short['text']}** [{short['citation']}]\n\n")
    streamed = sse_events(client.post("/v1/chat/completions", json={**question, "stream": True}).text)
    text = "".join(d["choices"][0]["delta"].get("content") or "" for _, d in streamed[:-1] if d["choices"])
    assert text == content


def test_openai_accepts_content_parts_and_lists_the_generators_it_has(client: TestClient) -> None:
    parts = {"messages": [{"role": "user", "content": [{"type": "text", "text": WHY}]}]}
    assert "[1]" in client.post("/v1/chat/completions", json=parts).json()["choices"][0]["message"]["content"]
    models = client.get("/v1/models").json()
    # no LLM configured: the default and the extractive generator only
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == [
        "newsrag",
        "newsrag-extractive",
    ]


# -- search and articles ----------------------------------------------------------------------------
def test_search_ranks_passages_and_honours_filters(client: TestClient) -> None:
    r = client.post("/search", json={"query": "storm ports", "k": 2})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert passages[0]["article_id"] == "storm" and passages[0]["rank"] == 1 and len(passages) <= 2
    only = client.post("/search", json={"query": "storm ports", "article_ids": ["election"]}).json()
    assert {p["article_id"] for p in only["passages"]} == {"election"}
    assert client.post("/search", json={"query": ""}).status_code == 422


def test_posted_article_is_answerable_as_soon_as_the_response_returns(client: TestClient) -> None:
    new = {"id": "volcano", "title": "Volcano erupts", "text": "The Arenal volcano erupted on Friday night."}
    r = client.post("/articles", json=new)
    assert r.status_code == 200 and r.json()["added"] == 1 and r.json()["ids"] == ["volcano"]
    answer = client.post("/chat", json=user("When did the Arenal volcano erupt?")).json()
    assert [c["article_id"] for c in answer["citations"]] == ["volcano"]
    changed = [{**new, "text": new["text"] + " Ash fell on nearby towns."}, ARTICLES[1]]
    report = client.post("/articles", json=changed).json()
    assert (report["updated"], report["unchanged"]) == (1, 1)


@pytest.mark.parametrize(
    "body",
    [
        [],
        [ARTICLES[0], ARTICLES[0]],
        {"id": " ", "title": "", "text": "x"},
        {"id": "a", "title": "t"},
        [1, 2],
    ],
)
def test_bad_articles_are_422(client: TestClient, body: Any) -> None:
    r = client.post("/articles", json=body)
    assert r.status_code == 422 and r.json()["error"]["message"]


def test_get_article_has_text_and_chunks_with_offsets(client: TestClient) -> None:
    article = client.get("/articles/caravan").json()
    assert article["title"] == ARTICLES[0]["title"] and article["chunks"]
    for c in article["chunks"]:
        assert article["text"][c["start"] : c["end"]] == c["text"]


def test_delete_article_then_it_is_gone(client: TestClient) -> None:
    assert client.delete("/articles/storm").json()["removed"] == 1
    assert client.get("/articles/storm").status_code == 404
    assert client.delete("/articles/storm").status_code == 404


def test_unknown_article_is_404_in_the_envelope(client: TestClient) -> None:
    for r in (client.get("/articles/nope"), client.delete("/articles/nope/deeper")):
        assert r.status_code == 404 and r.json()["error"]["code"] == "article_not_found"


def test_write_endpoints_need_the_key_and_reads_stay_open(keyed: TestClient) -> None:
    writes = [
        ("post", "/articles", ARTICLES[0]),
        ("delete", "/articles/storm", None),
        ("post", "/index/rebuild", None),
    ]
    for method, path, body in writes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic czNjcmV0"}):
            r = keyed.request(method, path, json=body, headers=headers)
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", (path, headers)
            assert r.headers["www-authenticate"] == "Bearer"
    ok = {"Authorization": "Bearer s3cret"}
    assert keyed.post("/articles", json=ARTICLES[0], headers=ok).status_code == 200
    assert keyed.delete("/articles/storm", headers=ok).status_code == 200
    assert keyed.post("/chat", json=user(WHY)).status_code == 200
    assert keyed.get("/articles/caravan").status_code == 200


def test_without_a_key_writes_from_another_site_are_refused(client: TestClient) -> None:
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        r = client.post("/index/rebuild", headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_site", headers
        assert client.post("/articles", json=ARTICLES[0], headers=headers).status_code == 403
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/articles", json=ARTICLES[0], headers=same).status_code == 200


# -- limits -----------------------------------------------------------------------------------------
def test_bodies_over_the_limit_are_413_declared_or_streamed(client: TestClient) -> None:
    big = json.dumps({"messages": [{"role": "user", "content": "x" * (2 << 20)}]}).encode()
    r = client.post("/chat", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}]}'

    r = client.post("/articles", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_overload_is_503_with_retry_after_and_probes_still_answer(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings.updated(max_concurrency=1))
    release, entered = threading.Event(), threading.Event()
    with TestClient(app) as client:
        real_reply = app.state.assistant.reply

        def slow_reply(*args: Any, **kwargs: Any) -> Any:
            entered.set()
            release.wait(10)
            return real_reply(*args, **kwargs)

        monkeypatch.setattr(app.state.assistant, "reply", slow_reply)
        first = threading.Thread(target=client.post, args=("/chat",), kwargs={"json": user(WHY)})
        first.start()
        assert entered.wait(10)
        r = client.post("/chat", json=user(WHY))
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.json()["error"]["code"] == "overloaded"
        assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
        release.set()
        first.join(10)
        assert client.post("/chat", json=user(WHY)).status_code == 200


def test_unexpected_errors_are_a_generic_500_envelope(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret internals")

        monkeypatch.setattr(app.state.assistant, "reply", broken)
        r = client.post("/chat", json=user(WHY))
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert "secret" not in r.text


# -- the LLM path with the in-process scripted LLM (no HTTP) ------------------------------------------
def test_chat_stream_replaces_what_an_llm_showed_when_it_fails_midway(settings: Settings) -> None:
    from rag.generation.fake import Scripted, ScriptedLLM
    from rag.generation.grounded import Grounded

    for client in served(settings):
        assistant = client.app.state.assistant  # type: ignore[attr-defined]
        llm = ScriptedLLM([Scripted("Migrants left because the shelter was full [1].", fail_after=3)])
        assistant.generators["openai"] = Grounded(llm, assistant.embedder, assistant.cache)
        events = sse_events(
            client.post("/chat", json={**user(WHY), "stream": True, "generator": "openai"}).text
        )
        names = [name for name, _ in events]
        assert names[:4] == ["passages", "delta", "delta", "delta"] and "replace" in names
        done = events[-1][1]
        assert done["reason"] == "generator_unavailable" and done["generator"] == "extractive"
        assert dict(events)["replace"]["text"] == done["text"] and llm.requests
