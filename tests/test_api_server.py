"""The real server: `rag serve` in a subprocess on a free port, talked to over TCP.

The official `openai` client works unchanged (streamed and not), and queries keep succeeding while
`rag build` rebuilds the index from another process, switching to the new generation when it is done.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from api_support import ARTICLES, WHY
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from index.embedding import FakeEmbedder
from index.ingest import build

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "from rag.cli import main; main()"]
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    fake = {"RAG_MODEL": "fake", "RAG_ABSTAIN_THRESHOLD": "0.35"}  # see api_support.make_settings
    return {**env, **fake, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail(f"server not healthy after {STARTUP_TIMEOUT_S} s:\n{self.log.read_text()}")


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    source = tmp_path / "seed.json"
    source.write_text(json.dumps(ARTICLES))
    build(tmp_path / "index", [source], FakeEmbedder())
    return tmp_path / "index"


@pytest.fixture
def server(index_dir: Path, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "server.log"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--index-dir", str(index_dir)]
    with open(log, "wb") as out:
        process = subprocess.Popen([*CLI, *args], env=environment(), stdout=out, stderr=subprocess.STDOUT)
    running = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        running.wait_healthy()
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_prints_the_url_and_a_curl_example(server: Server) -> None:
    text = server.log.read_text()
    assert f"{server.url}/" in text and "curl -s" in text


def test_official_openai_client_gets_cited_answers(server: Server) -> None:
    client = OpenAI(base_url=f"{server.url}/v1", api_key="x", max_retries=0)
    assert [m.id for m in client.models.list()] == ["newsrag", "newsrag-extractive"]
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": WHY}]

    completion = client.chat.completions.create(model="newsrag", messages=messages)
    content = completion.choices[0].message.content or ""
    assert "[1]" in content and "\n\nSources:\n[1] " in content
    extra = completion.model_extra or {}
    assert extra["citations"][0]["article_id"] == "caravan" and extra["newsrag"]["abstained"] is False

    stream = client.chat.completions.create(model="newsrag", messages=messages, stream=True)
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"] == extra["citations"]


@dataclass
class Load:
    """Queries from a thread until stopped: what failed and which generations answered."""

    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    queries: int = 0
    failures: list[str] = field(default_factory=list)
    generations: list[str] = field(default_factory=list)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self.stop.is_set():
                try:
                    answer = http.post("/chat", json={"messages": [{"role": "user", "content": WHY}]})
                    ready = http.get("/ready")
                except httpx.HTTPError as e:
                    self.failures.append(f"{type(e).__name__}: {e}")
                    continue
                self.queries += 1
                for r in (answer, ready):
                    if r.status_code != 200:
                        self.failures.append(f"{r.request.url.path} {r.status_code} {r.text[:200]}")
                if answer.status_code == 200 and answer.json()["abstained"]:
                    self.failures.append(f"abstained: {answer.json()['reason']}")
                if ready.status_code == 200 and ready.json()["generation"] not in self.generations[-1:]:
                    self.generations.append(ready.json()["generation"])


def synthetic_corpus(folder: Path, articles: int = 200) -> Path:
    """Enough text that a fake-model rebuild takes seconds; ARTICLES included so answers stay the same."""
    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(3000)
    ]
    records = list(ARTICLES)
    for i in range(articles):
        sentences = [
            " ".join(rng.choices(vocabulary, k=rng.randint(8, 20))).capitalize() + "." for _ in range(12)
        ]
        records.append({"id": f"synthetic-{i}", "title": f"Report {i}", "text": " ".join(sentences)})
    folder.mkdir()
    with open(folder / "corpus.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return folder


def test_queries_never_fail_while_another_process_rebuilds(
    server: Server, index_dir: Path, tmp_path: Path
) -> None:
    corpus = synthetic_corpus(tmp_path / "corpus")
    load = Load(server.url)
    querying = threading.Thread(target=load.run, name="load")
    querying.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        rebuild = subprocess.run(
            [*CLI, "build", "--index-dir", str(index_dir), "--model", "fake", str(corpus)],
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        rebuild_s = time.monotonic() - started
        assert rebuild.returncode == 0, rebuild.stderr
        deadline = time.monotonic() + 10
        while load.generations[-1:] != ["gen-000002"] and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # and a few queries on the new generation
    finally:
        load.stop.set()
        querying.join(60)
    assert load.failures == []
    assert load.generations == ["gen-000001", "gen-000002"]
    assert rebuild_s > 1.0 and load.queries > 10, (rebuild_s, load.queries)
