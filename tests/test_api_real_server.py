"""Against a real uvicorn server on a free port (in a thread): the official `openai` client and
LangChain's `ChatOpenAI` use every honoured parameter and get OpenAI's errors for the refused ones;
stalled uploads (raw sockets) take no answering slot and end in a 408 within the body deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn
from api_support import WHY, make_settings
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from api import create_app
from rag.settings import Settings

pytestmark = pytest.mark.slow

BODY_TIMEOUT_S = 2.0
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": WHY}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """A uvicorn server on the app (max_concurrency 16, as by default), stopped afterwards."""
    settings: Settings = make_settings(tmp_path).updated(body_timeout=BODY_TIMEOUT_S)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


def test_openai_client_gets_n_choices_cuts_and_usage(url: str) -> None:
    client = OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)
    full = client.chat.completions.create(model="newsrag", messages=MESSAGES)
    content = full.choices[0].message.content or ""
    extra = full.model_extra or {}
    assert extra["newsrag"]["generator"] == "extractive" and extra["newsrag"]["text"] in content

    two = client.chat.completions.create(
        model="newsrag", messages=MESSAGES, n=2, seed=1, temperature=0.5, user="u"
    )
    assert [c.index for c in two.choices] == [0, 1] and {c.message.content for c in two.choices} == {content}

    short = client.chat.completions.create(model="newsrag", messages=MESSAGES, max_tokens=5)
    assert short.choices[0].finish_reason == "length" and short.usage and short.usage.completion_tokens == 5

    stopped = client.chat.completions.create(model="newsrag", messages=MESSAGES, stop=["shelter"])
    assert stopped.choices[0].message.content == content[: content.index("shelter")]

    stream = client.chat.completions.create(
        model="newsrag", messages=MESSAGES, stream=True, stream_options={"include_usage": True}, max_tokens=7
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7
    assert (
        content.startswith(text) and [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    )


def test_openai_client_raises_openai_errors(url: str) -> None:
    client = OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert missing.value.code == "model_not_found" and missing.value.param == "model"
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="newsrag", messages=MESSAGES, tools=[tool])  # type: ignore[list-item]
    assert refused.value.param == "tools" and refused.value.type == "invalid_request_error"
    with pytest.raises(openai.BadRequestError) as json_mode:
        client.chat.completions.create(
            model="newsrag", messages=MESSAGES, response_format={"type": "json_object"}
        )
    assert json_mode.value.param == "response_format"


def test_langchain_chat_openai_works_unchanged(url: str) -> None:
    chat = ChatOpenAI(model="newsrag", base_url=f"{url}/v1", api_key="x", max_retries=0)  # type: ignore[arg-type]
    reply = chat.invoke([HumanMessage(WHY)])
    assert "[1]" in str(reply.content) and "Sources:" in str(reply.content)
    streamed = "".join(str(piece.content) for piece in chat.stream([HumanMessage(WHY)]))
    assert streamed == reply.content
    cut = ChatOpenAI(model="newsrag", base_url=f"{url}/v1", api_key="x", max_retries=0, max_tokens=5, n=2)  # type: ignore[arg-type]
    result = cut.generate([[HumanMessage(WHY)]])
    generations = result.generations[0]
    assert len(generations) == 2
    assert all(g.generation_info and g.generation_info["finish_reason"] == "length" for g in generations)
    stopped = chat.invoke([HumanMessage(WHY)], stop=["shelter"])
    assert "shelter" not in str(stopped.content) and str(reply.content).startswith(str(stopped.content))


def stalled_upload(url: str) -> socket.socket:
    """Headers and 9 of 1,000 declared body bytes, then nothing (a slow or stalled client)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (
        f"POST /chat HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"messag')
    return sock


def read_to_close(sock: socket.socket) -> str:
    """What the server sends until it closes the connection (the 408 says `Connection: close`)."""
    received = b""
    while part := sock.recv(4096):
        received += part
    return received.decode()


def test_stalled_uploads_take_no_answering_slot_and_time_out(url: str) -> None:
    sockets = [stalled_upload(url) for _ in range(16)]  # as many as max_concurrency
    try:
        time.sleep(0.3)
        started = time.monotonic()
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/health").status_code == 200
            answer = http.post("/chat", json={"messages": [{"role": "user", "content": WHY}]})
        assert answer.status_code == 200, answer.text  # before the fix: 503 overloaded, no timeout
        assert time.monotonic() - started < BODY_TIMEOUT_S
        for sock in sockets:
            reply = read_to_close(sock)
            assert reply.startswith("HTTP/1.1 408") and "request_timeout" in reply, reply[:200]
        assert time.monotonic() - started < BODY_TIMEOUT_S + 5
    finally:
        for sock in sockets:
            sock.close()
