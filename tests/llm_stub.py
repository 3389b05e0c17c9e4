"""A scripted OpenAI-compatible chat server on loopback, for tests: real HTTP, canned replies.

In-process: `with StubLLM() as llm: llm.script(Reply("Migrants flee [1].")); … llm.url` — each request
takes the next scripted reply (the last one repeats), and `llm.requests` keeps every request body.
As a process (to be killed mid-answer): `python tests/llm_stub.py --text "…" --delay 0.2` prints its
URL on the first line of stdout, then serves that reply slowly, forever.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str | Callable[[dict[str, Any]], str] = ""  # or made from the request body
    status: int = 200  # anything else: an error body with this status
    malformed: bool = False  # a body (or stream event) that is not JSON
    stall_after: int | None = None  # stream this many pieces, then send nothing more (until closed)
    delay: float = 0.0  # seconds between streamed pieces


class StubLLM:
    def __init__(self, replies: list[Reply] | None = None) -> None:
        self.replies = list(replies or [Reply("The articles do not answer this question.")])
        self.requests: list[dict[str, Any]] = []
        self.closing = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def __enter__(self) -> StubLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                stub.requests.append(body)
                reply = stub.next_reply()
                text = reply.text(body) if callable(reply.text) else reply.text
                if reply.status != 200:
                    self._send(reply.status, b'{"error": {"message": "scripted failure"}}')
                elif body.get("stream"):
                    self._stream(reply, text)
                elif reply.malformed:
                    self._send(200, b'{"id": "x", "choices": [ {"message": ')
                else:
                    self._send(200, json.dumps(_completion(text)).encode())

            def _send(self, status: int, data: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self._event(_chunk({"role": "assistant", "content": ""}))
                if reply.malformed:
                    self.wfile.write(b"data: {this is not json\n\n")
                    self.wfile.flush()
                    return
                for i, piece in enumerate(pieces(text)):
                    if reply.stall_after is not None and i >= reply.stall_after:
                        stub.closing.wait()  # a server that hangs mid-answer
                        return
                    time.sleep(reply.delay)
                    self._event(_chunk({"content": piece}))
                self._event(_chunk({}, finish="stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
                self.wfile.flush()

        return Handler


def passage_number(body: dict[str, Any], phrase: str) -> int:
    """The number the prompt gave the passage containing `phrase` (0 if none does)."""
    prompt = body["messages"][-1]["content"]
    for m in re.finditer(r"^<<<\w+ passage (\d+)\n(.*?)\n<<<\w+ end of passage", prompt, re.S | re.M):
        if phrase in m.group(2):
            return int(m.group(1))
    return 0


def pieces(text: str) -> list[str]:
    """Token-like pieces: words with their leading space; brackets split so markers arrive in parts."""
    out: list[str] = []
    for i, word in enumerate(text.split(" ")):
        word = ("" if i == 0 else " ") + word
        while "[" in word[1:]:
            cut = word.index("[", 1)
            out.append(word[:cut])
            word = word[cut:]
        out.append(word)
    return [p for p in out if p]


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--text", required=True)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    with StubLLM([Reply(args.text, delay=args.delay)]) as stub:
        print(stub.url, flush=True)
        stub.closing.wait()


if __name__ == "__main__":
    main()
