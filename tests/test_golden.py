"""Golden outputs of the answering flow: /chat (JSON and SSE), /v1/chat/completions (JSON and stream)
and `rag ask`, byte for byte, for the same questions over a small fake-embedder index.

The LLM path uses the scripted server of tests/llm_stub.py (a reply with a flagged sentence, one whose
unsupported sentence is dropped, a 500, a stream that stalls midway), so every way the final text can
differ from what was streamed is pinned.

Normalised before comparing (they legitimately vary between runs): the values of `timings` (ms), the
`chatcmpl-…` id and `created` time of OpenAI responses, and the `N ms` of `rag ask`'s last line.
Nothing else is.

The answerer will change on purpose (other sentences chosen). Regenerate the files then, and read the
diff: `pytest tests/test_golden.py --update-golden` (or `NEWSRAG_UPDATE_GOLDEN=1`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import UNRELATED, WHY, make_settings, served, user
from fastapi.testclient import TestClient
from llm_stub import Reply, StubLLM, passage_number
from typer.testing import CliRunner

GOLDEN = Path(__file__).parent / "golden"
RENT = "run out of money for rent"  # in the caravan article's second sentence

_TIMINGS = re.compile(r'"timings": ?\{[^{}]*\}')
_NUMBER = re.compile(r'(": ?)-?[0-9][0-9.e+-]*')
_CHATCMPL = re.compile(r'"chatcmpl-[0-9a-f]{32}"')
_CREATED = re.compile(r'"created":( ?)[0-9]+')
_MS = re.compile(r"[0-9]+ ms")


def normalise(text: str) -> str:
    text = _TIMINGS.sub(lambda m: _NUMBER.sub(r"\g<1>0", m.group(0)), text)
    text = _CHATCMPL.sub('"chatcmpl-ID"', text)
    text = _CREATED.sub(r'"created":\g<1>0', text)
    return _MS.sub("N ms", text)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Any:
    update = request.config.getoption("--update-golden") or os.environ.get("NEWSRAG_UPDATE_GOLDEN") == "1"

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        actual = normalise(actual)
        if update:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(actual.encode())  # bytes: SSE lines end in \r\n
            return
        assert path.exists(), f"{path} missing: run pytest {__file__} --update-golden"
        expected = path.read_bytes().decode()
        assert actual == expected, f"{name} differs from its golden file (see the module docstring)"

    return check


def cited(template: str) -> Any:
    return lambda body: template.format(n=passage_number(body, RENT))


FLAGGED = cited(
    "Migrants are leaving because they ran out of money for rent [{n}]. The moon is cheese [{n}]."
)


@pytest.fixture
def stub() -> Iterator[StubLLM]:
    with StubLLM() as llm:
        yield llm


@pytest.fixture
def llm_client(tmp_path: Path, stub: StubLLM) -> Iterator[TestClient]:
    settings = make_settings(tmp_path).updated(llm_base_url=stub.url, llm_model="stub", llm_timeout=1.0)
    yield from served(settings)


def _chat(client: TestClient, question: str, **extra: Any) -> str:
    r = client.post("/chat", json={**user(question), **extra})
    assert r.status_code == 200
    return r.text


def _openai(client: TestClient, question: str, model: str = "newsrag", **extra: Any) -> str:
    r = client.post("/v1/chat/completions", json={"model": model, **user(question), **extra})
    assert r.status_code == 200
    return r.text


@pytest.mark.parametrize("question", [WHY, UNRELATED], ids=["answer", "abstain"])
def test_extractive_outputs_match_golden(client: TestClient, golden: Any, question: str) -> None:
    name = "answer" if question == WHY else "abstain"
    golden(f"chat-{name}.json", _chat(client, question))
    golden(f"chat-{name}.sse", _chat(client, question, stream=True))
    golden(f"openai-{name}.json", _openai(client, question))
    usage = {"stream_options": {"include_usage": True}}
    golden(f"openai-{name}.sse", _openai(client, question, stream=True, **usage))


LLM_CASES = {
    "flagged": (Reply(FLAGGED), {}),
    "dropped": (Reply(FLAGGED), {"unsupported": "drop"}),
    "http500": (Reply(status=500), {}),
    "stalled": (Reply(FLAGGED, stall_after=4), {}),
}


@pytest.mark.parametrize("case", list(LLM_CASES))
def test_llm_outputs_match_golden(tmp_path: Path, stub: StubLLM, golden: Any, case: str) -> None:
    reply, extra = LLM_CASES[case]
    settings = make_settings(tmp_path).updated(
        llm_base_url=stub.url, llm_model="stub", llm_timeout=1.0, **extra
    )
    for client in served(settings):
        stub.script(reply)
        golden(f"llm-{case}-chat.sse", _chat(client, WHY, stream=True, generator="openai"))
        stub.script(reply)
        golden(f"llm-{case}-chat.json", _chat(client, WHY, generator="openai"))
        stub.script(reply)
        golden(f"llm-{case}-openai.sse", _openai(client, WHY, model="newsrag-openai", stream=True))
        stub.script(reply)
        golden(f"llm-{case}-openai.json", _openai(client, WHY, model="newsrag-openai"))


def _rag_ask(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> str:
    from rag.cli import app
    from rag.settings import get_settings

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["ask", WHY, *args])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_cli_ask_matches_golden(
    tmp_path: Path, stub: StubLLM, monkeypatch: pytest.MonkeyPatch, golden: Any, as_json: bool
) -> None:
    settings = make_settings(tmp_path)
    env = {"RAG_MODEL": "fake", "RAG_ABSTAIN_THRESHOLD": "0.35", "RAG_INDEX_DIR": str(settings.index.dir)}
    env["RAG_AS_OF"] = settings.answer.as_of
    flags = ["--json"] if as_json else []
    suffix = "json" if as_json else "txt"
    golden(f"cli-ask.{suffix}", _rag_ask(monkeypatch, env, *flags))
    env |= {"RAG_LLM_BASE_URL": stub.url, "RAG_LLM_MODEL": "stub", "RAG_LLM_TIMEOUT": "1"}
    for case in ("flagged", "stalled"):
        stub.script(LLM_CASES[case][0])
        golden(f"cli-ask-llm-{case}.{suffix}", _rag_ask(monkeypatch, env, "--generator", "openai", *flags))


def test_golden_files_are_what_the_tests_write() -> None:
    """No stale golden file is left behind by a renamed case."""
    expected = {
        f"{kind}-{n}.{ext}"
        for kind in ("chat", "openai")
        for n in ("answer", "abstain")
        for ext in ("json", "sse")
    }
    expected |= {f"llm-{c}-{w}.{e}" for c in LLM_CASES for w in ("chat", "openai") for e in ("sse", "json")}
    expected |= {f"cli-ask{s}.{e}" for s in ("", "-llm-flagged", "-llm-stalled") for e in ("txt", "json")}
    assert {p.name for p in GOLDEN.iterdir()} == expected
