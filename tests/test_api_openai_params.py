"""Every Chat Completions parameter is honoured or refused (issue 12, bugcase openai-ignored-params).

Inputs rewritten from ../shared/bugcases/openai-ignored-params: `n`, `max_tokens` and `stop` on a
small index; the refusals and errors in OpenAI's shape; sampling parameters reaching an LLM.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import WHY, make_settings, served, sse_events, user
from fastapi.testclient import TestClient
from llm_stub import Reply, StubLLM

from api.cutoff import Cutoff, cut
from index.embedding import FakeEmbedder
from index.ingest import build
from rag.generation.base import Sampling
from rag.generation.fake import ScriptedLLM
from rag.generation.grounded import Grounded
from rag.settings import Settings
from rag.tokens import count_tokens

URL = "/v1/chat/completions"
FIELD_CASE = Path(__file__).parent / "data" / "openai-params"


def ask(client: TestClient, **params: Any) -> Any:
    return client.post(URL, json={"model": "newsrag", **user(WHY), **params})


def streamed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    events = sse_events(ask(client, stream=True, **params).text)
    return [data for _, data in events if data != "[DONE]"]


def test_n_gives_n_choices_indexed_and_counted(client: TestClient) -> None:
    one, two = ask(client).json(), ask(client, n=2).json()
    assert [c["index"] for c in two["choices"]] == [0, 1]
    contents = {c["message"]["content"] for c in two["choices"]}
    assert contents == {one["choices"][0]["message"]["content"]}  # extractive: deterministic
    assert two["usage"]["completion_tokens"] == 2 * one["usage"]["completion_tokens"]
    assert all(c["citations"] and c["newsrag"]["generator"] == "extractive" for c in two["choices"])
    chunks = streamed(client, n=2)
    finals = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert [f["choices"][0]["index"] for f in finals] == [0, 1]


@pytest.mark.parametrize("param", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_cuts_the_content_with_finish_reason_length(client: TestClient, param: str) -> None:
    body = ask(client, **{param: 5}).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length" and body["usage"]["completion_tokens"] == 5
    assert count_tokens(choice["message"]["content"]) == 5
    full = ask(client).json()["choices"][0]["message"]["content"]
    assert full.startswith(choice["message"]["content"])
    chunks = streamed(client, **{param: 5}, stream_options={"include_usage": True})
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == choice["message"]["content"] and chunks[-1]["usage"]["completion_tokens"] == 5
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "length"


def test_stop_ends_the_content_before_the_first_stop_sequence(client: TestClient) -> None:
    full = ask(client).json()["choices"][0]["message"]["content"]
    assert "shelter" in full
    for stop in ("shelter", ["zzz", "shelter"]):
        choice = ask(client, stop=stop).json()["choices"][0]
        assert choice["message"]["content"] == full[: full.index("shelter")]
        assert choice["finish_reason"] == "stop"
        chunks = streamed(client, stop=stop)
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
        assert text == choice["message"]["content"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
        ({"tool_choice": "auto"}, "tool_choice"),
        ({"functions": [{"name": "f"}]}, "functions"),
        ({"logprobs": True}, "logprobs"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"store": True}, "store"),
        ({"audio": {"voice": "alloy", "format": "mp3"}}, "audio"),
        ({"reasoning_effort": "high"}, "reasoning_effort"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),
    ],
)
def test_unsupported_parameters_are_400_in_openai_shape(
    client: TestClient, params: dict[str, Any], param: str
) -> None:
    r = ask(client, **params)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and param in error["message"]


def test_non_text_content_parts_are_refused_not_dropped(client: TestClient) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    content = [{"type": "text", "text": WHY}, image]
    r = client.post(URL, json={"messages": [{"role": "user", "content": content}]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "messages[0].content[1].type", r.text


def test_off_values_of_refused_parameters_are_accepted(client: TestClient) -> None:
    off = {"tools": [], "tool_choice": "none", "logprobs": False, "store": False, "logit_bias": {}}
    r = ask(client, **off, response_format={"type": "text"}, user="u-1", seed=3, temperature=0.7)
    assert r.status_code == 200, r.text


def test_unknown_parameters_and_wrong_types_are_400(client: TestClient) -> None:
    r = ask(client, best_of=3)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_parameter"
    assert r.json()["error"]["param"] == "best_of" and "best_of" in r.json()["error"]["message"]
    for params in ({"n": 0}, {"n": 9}, {"n": "2"}, {"stream": 0}, {"max_tokens": 0}, {"temperature": 3}):
        r = ask(client, **params)
        assert r.status_code == 400 and r.json()["error"]["param"] == next(iter(params)), (params, r.text)


def test_unknown_model_is_404_model_not_found(client: TestClient) -> None:
    for model in ("gpt-4o", "newsrag-openai"):  # the LLM generator is not configured here
        r = client.post(URL, json={"model": model, **user(WHY)})
        assert r.status_code == 404, r.text
        error = r.json()["error"]
        assert (error["code"], error["type"], error["param"]) == (
            "model_not_found",
            "invalid_request_error",
            "model",
        )


def test_sampling_parameters_reach_the_llm(settings: Settings) -> None:
    for client in served(settings):
        assistant = client.app.state.assistant  # type: ignore[attr-defined]
        llm = ScriptedLLM(["Migrants left because the shelter was full [1]."])
        assistant.generators["openai"] = Grounded(llm, assistant.embedder, assistant.cache)
        params = {"temperature": 0.7, "top_p": 0.9, "seed": 42, "stop": ["\n\n"], "max_tokens": 100}
        body = client.post(URL, json={"model": "newsrag-openai", **user(WHY), **params, "n": 2}).json()
        assert len(body["choices"]) == 2 and len(llm.samplings) == 2  # one LLM call per choice
        assert llm.samplings[0] == Sampling(
            temperature=0.7, top_p=0.9, seed=42, max_tokens=100, stop=("\n\n",)
        )
        assert body["newsrag"]["generator"] == "openai:scripted"


def test_an_llm_server_receives_the_sampling_parameters(tmp_path: Path) -> None:
    """Over real HTTP (tests/llm_stub.py): /v1 request -> Grounded -> LLMClient -> the LLM server."""
    with StubLLM([Reply("Migrants left because the shelter was full [1].")]) as llm:
        settings = make_settings(tmp_path).updated(llm_base_url=llm.url, llm_model="stub", llm_max_tokens=256)
        for client in served(settings):
            params = {"temperature": 0.4, "seed": 9, "stop": "\n\n", "max_tokens": 50, "top_p": 0.5}
            r = client.post(URL, json={"model": "newsrag-openai", **user(WHY), **params})
            assert r.status_code == 200, r.text
            plain = client.post(URL, json={"model": "newsrag-openai", **user(WHY)})
            assert plain.status_code == 200
    answer, default = (b for b in llm.requests if b.get("stream"))  # (condensing calls do not stream)
    assert {k: answer.get(k) for k in params} == {**params, "stop": ["\n\n"]}
    assert (default["max_tokens"], default["temperature"], "seed" in default) == (256, 0.0, False)


# -- the cut itself ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pieces", "stop", "expected"),
    [
        (["Hello wor", "ld. Bye"], ["world"], "Hello "),  # a stop split across pieces
        (["abc", "def"], ["cd", "b"], "a"),  # the earliest stop wins
        (["ab", "c"], ["cx"], "abc"),  # a held-back prefix that was not a stop
        (["abc"], [], "abc"),
    ],
)
def test_cutoff_stops_across_pieces(pieces: list[str], stop: list[str], expected: str) -> None:
    cutoff = Cutoff(stop)
    assert "".join(cutoff.feed(p) for p in pieces) + cutoff.flush() == expected
    assert cut("".join(pieces), stop)[0] == expected


def test_cutoff_counts_tokens_and_keeps_whole_characters() -> None:
    text = "Émile Lévêque was chosen as mayor of Northby on Sunday — 54 percent voted."
    for limit in range(1, count_tokens(text) + 2):
        content, finish = cut(text, max_tokens=limit)
        assert text.startswith(content) and count_tokens(content) <= limit
        assert finish == ("length" if limit < count_tokens(text) else "stop")


def test_the_field_case_n_max_tokens_and_stop(tmp_path: Path) -> None:
    """The bugcase's three requests on its two articles (tests/data/openai-params)."""
    build(tmp_path / "index", [FIELD_CASE], FakeEmbedder())
    settings = Settings(model="fake", index_dir=tmp_path / "index", abstain_threshold=0.2)
    question = {"messages": [{"role": "user", "content": "Who was chosen as mayor of Northby?"}]}
    for client in served(settings):
        full = client.post(URL, json=question).json()["choices"][0]["message"]["content"]
        assert "mayor" in full
        assert len(client.post(URL, json={**question, "n": 2}).json()["choices"]) == 2
        short = client.post(URL, json={**question, "max_tokens": 5}).json()
        assert (short["choices"][0]["finish_reason"], short["usage"]["completion_tokens"]) == ("length", 5)
        stopped = client.post(URL, json={**question, "stop": ["mayor"]}).json()["choices"][0]["message"][
            "content"
        ]
        assert "mayor" not in stopped and full.startswith(stopped)
