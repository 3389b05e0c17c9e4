"""The chat page in a real browser against the real server: a cited answer, its quote in context, a follow-up;
and an answer written by an LLM (a scripted OpenAI-compatible stub) with its unsupported sentence flagged.

Debian's Chromium (`apt-get install chromium`) driven by Playwright through its executable path; Playwright's
own browser downloads are never used. Skipped, with the reason shown, where Chromium or ../shared is absent.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from llm_stub import Reply, StubLLM, passage_number

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.real_model]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Keep the browser off the network and quiet: no updates, sync, QUIC probes or first-run pages.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TITLE = "Thousands Join Migrant Caravan in Mexico Ahead of Blinken Visit"
REASONS = "escaping violence, poverty, and political instability"
READY_TIMEOUT_S = 60.0
ANSWER_TIMEOUT_MS = 60_000
FAILED = re.compile(r"\bfailed\b")
ABSTAINED = re.compile(r"\babstained\b")
# The LLM's reply: a sentence of the seed article, then an invented one, both citing the reasons' passage.
SUPPORTED = (
    "The migrants, many with families, are undertaking this perilous journey in the hope of escaping "
    "violence, poverty, and political instability in their home countries"
)
INVENTED = "The caravan was organised by a football club"
UNSUPPORTED_CLASS = re.compile(r"\bunsupported\b")
STALLED = "Blinken is visiting because the caravan"
LLM_TIMEOUT_S = 3  # how long the server waits for a stalled LLM before answering without it
# Records the texts of `replace` events as the page handles them (AssistantTurn is the page's own class).
RECORD_REPLACES = """() => {
  window.replaced = [];
  const original = AssistantTurn.prototype.replaceText;
  AssistantTurn.prototype.replaceText = function (text) {
    window.replaced.push(text);
    return original.call(this, text);
  };
}"""


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed: apt-get install chromium")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or 503 while the index and model load
        time.sleep(0.25)
    pytest.fail(f"GET /ready not 200 after {READY_TIMEOUT_S:.0f} s:\n{log.read_text(errors='replace')}")


@contextmanager
def _serve(index_dir: Path, log: Path, **env_extra: str) -> Iterator[str]:
    """The real app (uvicorn, real model) in a subprocess on a free loopback port; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(index_dir),
        "RAG_MODEL": "all-MiniLM-L6-v2",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    for key in [k for k in env if k == "RAG_API_KEY" or k == "RAG_GENERATOR" or k.startswith("RAG_LLM_")]:
        del env[key]  # the caller's own server settings must not leak in
    env.update(env_extra)
    cmd = [sys.executable, "-m", "uvicorn", "api.app:app_factory", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(chromium: Path, seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server with the extractive answerer only (no LLM configured)."""
    with _serve(seed_index, tmp_path_factory.mktemp("server") / "server.log") as base:
        yield base


def _citations(base: str, question: str) -> list[dict[str, Any]]:
    """The citations the API gives for a question, to compare the page's highlight with (answers are
    deterministic: the extractive answerer over a fixed index)."""
    body = json.dumps({"messages": [{"role": "user", "content": question}]}).encode()
    request = urllib.request.Request(
        f"{base}/chat", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    citations: list[dict[str, Any]] = answer["citations"]
    return citations


def test_page_streams_a_cited_answer_shows_the_quote_in_context_and_follows_up(
    server: str, chromium: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"{server}/")

            box = page.get_by_label("Your question")
            box.fill("Why are migrants leaving?")
            box.press("Enter")

            first = page.locator(".turn.assistant").nth(0)
            # aria-busy turns false when the done event (or an error) has been handled.
            expect(first).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            expect(first).not_to_have_class(FAILED)
            expect(first).not_to_have_class(ABSTAINED)
            expect(first.locator("a.cite[data-n='1']").first).to_have_text("[1]")
            assert "violence" in first.locator(".answer").inner_text().lower()
            expect(first.locator(".sources li").first).to_contain_text(TITLE)
            # No LLM on this server: no choice of generator, no generator note, no flagged claims.
            expect(page.locator("#generator-choice")).to_be_hidden()
            expect(first.locator(".generator-note, .claim.unsupported")).to_have_count(0)

            # Open the marker whose quote gives the reasons, and find that exact quote highlighted.
            quoted = [c for c in _citations(server, "Why are migrants leaving?") if REASONS in c["quote"]]
            assert quoted, "no citation quotes the reasons"
            citation = quoted[0]
            first.locator(f"a.cite[data-n='{citation['n']}']").first.click()
            panel = page.locator("#article-panel")
            expect(panel).to_be_visible()
            expect(panel.locator("#article-title")).to_have_text(TITLE)
            mark = panel.locator("#article-body mark")
            expect(mark).to_have_text(citation["quote"], timeout=10_000)
            expect(mark).to_contain_text(REASONS)
            expect(mark).to_be_in_viewport()
            page.screenshot(path=str(tmp_path / "article-panel.png"))

            page.keyboard.press("Escape")
            expect(panel).to_be_hidden()

            # A follow-up: the whole conversation is sent, and a second answer renders below the first.
            box.fill("Who is about to visit?")
            page.get_by_role("button", name="Send").click()
            second = page.locator(".turn.assistant").nth(1)
            expect(second).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            expect(second).not_to_have_class(FAILED)
            expect(second.locator(".answer")).to_contain_text("Blinken")
            expect(second.locator("a.cite").first).to_be_visible()
            expect(page.locator(".turn.user")).to_have_count(2)
            expect(page.get_by_role("button", name="Send")).to_be_enabled()
            page.screenshot(path=str(tmp_path / "conversation.png"))
            assert not page_errors, page_errors
        finally:
            browser.close()


def test_llm_answer_flags_its_unsupported_sentence_and_its_citation_opens_the_quote(
    chromium: Path, seed_index: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    def reply(body: dict[str, Any]) -> str:
        n = passage_number(body, REASONS) or 1  # 0 (not found) fails below, on the recorded request
        return f"{SUPPORTED} [{n}]. {INVENTED} [{n}]."

    # No LLM rewrite of follow-ups: each question takes exactly one scripted reply.
    env = {"RAG_GENERATOR": "openai", "RAG_LLM_MODEL": "stub", "RAG_LLM_CONDENSE": "false"}
    env["RAG_LLM_TIMEOUT"] = str(LLM_TIMEOUT_S)
    with (
        StubLLM([Reply(reply, delay=0.01)]) as llm,
        _serve(seed_index, tmp_path / "server.log", RAG_LLM_BASE_URL=llm.url, **env) as base,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"{base}/")
            # GET /v1/models lists newsrag-openai: the page offers the choice of generator.
            expect(page.locator("#generator-choice")).to_be_visible()

            box = page.get_by_label("Your question")
            box.fill("Why are migrants leaving?")
            box.press("Enter")

            turn = page.locator(".turn.assistant").nth(0)
            expect(turn).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            assert llm.requests, "the server never called the LLM"
            assert passage_number(llm.requests[0], REASONS), "no passage in the prompt holds the reasons"
            expect(turn).not_to_have_class(FAILED)
            expect(turn).not_to_have_class(ABSTAINED)
            answer = turn.locator(".answer")
            expect(answer).to_contain_text("political instability")
            expect(answer).to_contain_text("football club")

            # The invented sentence, and only it, is flagged; its marker is still a link.
            flagged = answer.locator(".claim.unsupported")
            expect(flagged).to_have_count(1)
            expect(flagged).to_have_class(UNSUPPORTED_CLASS)
            expect(flagged).to_contain_text(INVENTED)
            expect(flagged).not_to_contain_text("violence")
            expect(flagged).to_have_attribute("title", "Not supported by the cited passages")
            expect(flagged.locator(".unverified-badge")).to_have_text("unverified")
            expect(flagged.locator("a.cite")).to_have_count(1)
            supported = answer.locator(".claim:not(.unsupported)")
            expect(supported).to_have_count(1)
            expect(supported).to_contain_text("political instability")
            expect(turn.locator(".generator-note")).to_contain_text("Written by stub")
            # The first answer came from the server's default (the LLM): the choice now shows it.
            expect(page.locator("#generator")).to_have_value("openai")

            # The supported sentence's [n] opens its article with the quote that supports it highlighted.
            supported.locator("a.cite").first.click()
            panel = page.locator("#article-panel")
            expect(panel).to_be_visible()
            expect(panel.locator("#article-title")).to_have_text(TITLE)
            mark = panel.locator("#article-body mark")
            expect(mark).to_contain_text(REASONS, timeout=10_000)
            expect(mark).to_be_in_viewport()
            page.screenshot(path=str(tmp_path / "llm-answer-panel.png"))
            page.keyboard.press("Escape")
            expect(panel).to_be_hidden()
            page.screenshot(path=str(tmp_path / "llm-answer.png"))

            # A follow-up the LLM starts, then stalls on: its live words are replaced by the extracted answer.
            llm.script(Reply(f"{STALLED} [1] is said to be", stall_after=4))
            page.evaluate(RECORD_REPLACES)
            box.fill("Who is about to visit?")
            box.press("Enter")
            second = page.locator(".turn.assistant").nth(1)
            expect(second).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            expect(second).not_to_have_class(FAILED)
            expect(second).not_to_have_class(ABSTAINED)
            expect(second.locator(".answer")).to_contain_text("Blinken")
            expect(second.locator(".answer")).not_to_contain_text(STALLED)
            expect(second.locator(".claim")).to_have_count(0)
            expect(second.locator("a.cite").first).to_be_visible()
            expect(second.locator(".generator-note")).to_have_text(
                "The language model was unavailable; showing the extracted answer."
            )
            replaced = page.evaluate("window.replaced")
            assert len(replaced) == 1 and "Blinken" in replaced[0], replaced

            # "Extractive" chosen: the request says so, and the LLM is not asked.
            page.locator("#generator").select_option("extractive")
            asked = len(llm.requests)
            box.fill("Why are migrants leaving?")
            with page.expect_request(lambda r: r.url.endswith("/chat") and r.method == "POST") as sent:
                box.press("Enter")
            assert sent.value.post_data_json["generator"] == "extractive"
            third = page.locator(".turn.assistant").nth(2)
            expect(third).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            expect(third).not_to_have_class(FAILED)
            expect(third.locator(".answer")).to_contain_text("violence")
            expect(third.locator(".generator-note, .claim")).to_have_count(0)
            assert len(llm.requests) == asked
            expect(page.locator(".turn.user")).to_have_count(3)
            page.screenshot(path=str(tmp_path / "llm-conversation.png"))
            assert not page_errors, page_errors
        finally:
            browser.close()


@pytest.fixture(scope="module")
def news_server(
    chromium: Path, tmp_path_factory: pytest.TempPathFactory, real_embedder: Any
) -> Iterator[str]:
    """The server over the small dated corpus of tests/data/news (two reports of one death toll)."""
    from index import ingest

    index_dir = tmp_path_factory.mktemp("news") / "idx"
    ingest.build(index_dir, [ROOT / "tests" / "data" / "news" / "developing.jsonl"], real_embedder)
    with _serve(index_dir, tmp_path_factory.mktemp("news-server") / "server.log") as base:
        yield base


def test_conflicting_reports_are_side_by_side_on_the_page_newest_first(
    news_server: str, chromium: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"{news_server}/")
            box = page.get_by_label("Your question")
            box.fill("How many people were killed in the Marova earthquake?")
            box.press("Enter")
            turn = page.locator(".turn.assistant").nth(0)
            expect(turn).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            reports = turn.locator(".conflicts li")
            expect(reports).to_have_count(2)
            expect(reports.nth(0)).to_contain_text("At least 19")
            expect(reports.nth(0)).to_contain_text("Harbour Herald, 2019-03-11")
            expect(reports.nth(1)).to_contain_text("At least 12")
            expect(reports.nth(1).locator("a.cite")).to_have_text("[2]")
            expect(turn.locator(".short-answer")).to_have_count(0)  # one value in bold would pick a side
            expect(turn.locator(".meta")).to_contain_text("question as of")

            # The same question as of the first report's day: one report, no conflict
            page.get_by_label("As of").fill("2019-03-10")
            box.fill("How many people were killed in the Marova earthquake?")
            box.press("Enter")
            second = page.locator(".turn.assistant").nth(1)
            expect(second).to_have_attribute("aria-busy", "false", timeout=ANSWER_TIMEOUT_MS)
            expect(second.locator(".conflicts")).to_have_count(0)
            expect(second.locator(".short-answer")).to_contain_text("At least 12")
            expect(second.locator(".meta")).to_contain_text("question as of 2019-03-10")
            assert not page_errors, page_errors
        finally:
            browser.close()
