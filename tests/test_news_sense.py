"""News sense over a small dated corpus (tests/data/news, invented stories), with the real model and NER:
the as-of date, windows from time words, "latest", and conflicting reports shown side by side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from api_support import served
from fastapi.testclient import TestClient

from index import ingest
from rag.service import Assistant
from rag.settings import Settings
from rag.types import Answer

pytestmark = pytest.mark.real_model

DATA = Path(__file__).parent / "data" / "news"
LATEST = "What is the latest on the Calder port strike?"
TOLL = "How many people were killed in the Marova earthquake?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Assistant:
    index_dir = tmp_path_factory.mktemp("news") / "idx"
    ingest.build(index_dir, [DATA / "developing.jsonl"], real_embedder)  # type: ignore[arg-type]
    return Assistant(Settings(index_dir=index_dir), real_embedder)  # type: ignore[arg-type]


def _ask(assistant: Assistant, question: str, as_of: str) -> Answer:
    return assistant.ask(question, options=assistant.options(as_of=as_of))


def test_latest_depends_on_the_as_of_date(assistant: Assistant) -> None:
    early, late = _ask(assistant, LATEST, "2019-05-10"), _ask(assistant, LATEST, "2019-06-01")
    assert {c.article_id for c in early.citations} == {"strike-1"}
    assert late.citations[0].article_id == "strike-2" and "ended" in late.text
    assert late.time_window is not None
    assert late.time_window["recency"] and late.time_window["as_of"] == "2019-06-01"


def test_articles_after_the_as_of_date_are_never_evidence(assistant: Assistant) -> None:
    answer = _ask(assistant, "How long is the Rivervale footbridge?", "2019-01-10")  # it opened in February
    assert answer.abstained and not answer.citations
    assert all(p.date is None or p.date <= "2019-01-10" for p in answer.passages)
    assert not _ask(assistant, "How long is the Rivervale footbridge?", "2019-03-01").abstained


def test_this_week_searches_the_seven_days_before_the_as_of_date(assistant: Assistant) -> None:
    answer = _ask(assistant, "What happened at the Calder port this week?", "2019-05-22")
    assert answer.time_window is not None
    assert (answer.time_window["since"], answer.time_window["until"]) == ("2019-05-16", "2019-05-22")
    assert {c.article_id for c in answer.citations} == {"strike-2"} and answer.note is None


def test_an_empty_window_falls_back_to_older_reports_and_says_so(assistant: Assistant) -> None:
    answer = _ask(assistant, "What happened at the Calder port this week?", "2019-06-20")
    assert not answer.abstained and answer.citations[0].article_id.startswith("strike-")
    assert answer.note is not None and "Nothing dated from 14 June 2019 to 20 June 2019" in answer.note


def test_stale_evidence_for_a_latest_question_is_dated(assistant: Assistant) -> None:
    answer = _ask(assistant, LATEST, "2019-09-01")
    assert answer.note == "As of 20 May 2019 (the newest report found)."
    assert _ask(assistant, LATEST, "2019-05-21").note is None  # a day-old report is news


def test_conflicting_reports_are_shown_side_by_side_newest_first(assistant: Assistant) -> None:
    answer = _ask(assistant, TOLL, "2019-06-01")
    assert [(r.value, r.source, r.date) for r in answer.conflicts] == [
        ("At least 19", "Harbour Herald", "2019-03-11"),
        ("At least 12", "Coastal Tribune", "2019-03-10"),
    ]
    assert [c.article_id for c in answer.citations] == ["quake-2", "quake-1"]
    assert answer.text.startswith("Reports differ (newest first):")
    assert answer.text.index("19 people") < answer.text.index("12 people")
    assert answer.short is not None and answer.short.text == "At least 19" and answer.short.citation == 1
    db = assistant.reader().db
    for c in answer.citations:
        article = db.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote


def test_one_report_as_of_its_day_is_no_conflict(assistant: Assistant) -> None:
    answer = _ask(assistant, TOLL, "2019-03-10")  # the second report is from the next day
    assert not answer.conflicts and [c.article_id for c in answer.citations] == ["quake-1"]


def test_agreeing_reports_are_no_conflict(assistant: Assistant) -> None:
    answer = _ask(assistant, "How many books does the Hillcrest library hold?", "2019-06-01")
    assert not answer.conflicts and not answer.abstained


@pytest.fixture(scope="module")
def client(assistant: Assistant) -> Iterator[TestClient]:
    settings = Settings(index_dir=assistant.settings.index.dir, as_of="2019-06-01")
    with contextmanager(served)(settings) as client:
        yield client


def test_the_api_takes_an_as_of_and_shows_the_window(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": LATEST}], "as_of": "2019-05-10"}
    answer = client.post("/chat", json=body).json()
    assert {c["article_id"] for c in answer["citations"]} == {"strike-1"}
    assert answer["time_window"]["as_of"] == "2019-05-10" and answer["time_window"]["recency"]
    late = client.post("/chat", json={**body, "as_of": None}).json()  # the server's RAG_AS_OF
    assert late["citations"][0]["article_id"] == "strike-2"
    assert client.post("/chat", json={**body, "as_of": "10 May 2019"}).status_code == 422


def test_openai_content_quotes_disagreeing_reports_side_by_side(client: TestClient) -> None:
    body = {"model": "newsrag", "messages": [{"role": "user", "content": TOLL}]}
    reply = client.post("/v1/chat/completions", json=body).json()
    content = reply["choices"][0]["message"]["content"]
    assert content.startswith("Reports differ (newest first):")  # no single value in bold first
    assert content.index("(Harbour Herald, 11 March 2019)") < content.index(
        "(Coastal Tribune, 10 March 2019)"
    )
    assert [r["value"] for r in reply["newsrag"]["conflicts"]] == ["At least 19", "At least 12"]
    early = client.post("/v1/chat/completions", json={**body, "as_of": "2019-03-10"}).json()
    assert early["newsrag"]["conflicts"] == []
    assert "19 people" not in early["choices"][0]["message"]["content"]


def test_openai_content_leads_with_the_dated_note(client: TestClient) -> None:
    body = {"model": "newsrag", "messages": [{"role": "user", "content": LATEST}], "as_of": "2019-09-01"}
    content = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    assert content.startswith("_As of 20 May 2019 (the newest report found)._\n\n")


def test_an_updated_wire_copy_is_a_conflicting_report_not_a_collapsed_copy(
    tmp_path: Path, real_embedder: object
) -> None:
    """A wire story re-run with a new toll is a near-duplicate of the first version; the answer still
    weighs both versions (typed questions search without collapsing) and shows both values."""
    body = (
        "A bus plunged into the Korva river on Sunday night after its brakes failed on a mountain road, "
        "police said. At least {n} people died when the bus left the road near the village of Ostra. "
        "Rescue divers searched the river through the night and the regional governor declared a day "
        "of mourning. The bus was carrying pilgrims home from a festival in the mountains. Survivors "
        "were taken to the hospital in Korva, where doctors said several were in a critical condition."
    )
    first = {"id": "bus-1", "title": "Bus plunges into Korva river", "date": "2019-07-01",
             "source": "North Wire", "text": body.format(n=12)}  # fmt: skip
    update = {"id": "bus-2", "title": "Korva bus crash toll rises", "date": "2019-07-02",
              "source": "City Post", "text": body.format(n=31) + " The toll rose overnight."}  # fmt: skip
    path = tmp_path / "bus.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (first, update)) + "\n")
    ingest.build(tmp_path / "idx", [path], real_embedder)  # type: ignore[arg-type]
    assistant = Assistant(Settings(index_dir=tmp_path / "idx"), real_embedder)  # type: ignore[arg-type]
    clusters = assistant.reader().db.clusters_of(["bus-1", "bus-2"])
    assert clusters["bus-1"] == clusters["bus-2"]  # they are near-duplicates
    answer = _ask(assistant, "How many people died when the bus plunged into the Korva river?", "2019-07-05")
    assert [r.value for r in answer.conflicts] == ["At least 31", "At least 12"]
