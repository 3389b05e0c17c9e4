"""`--since/--until` on `rag search` and `rag ask`: validated like the API, compared as dates.

Field case cli-date-filter (tests/data/fieldcases/d.json: d1 2024-03-05, d2 2024-03-05T23:30:00-05:00,
d3 2024-11-20): `--until 2024-3-31` also returned d3 (string comparison), `--since 2024-3-5` returned
nothing, both with exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import rag
from fastapi.testclient import TestClient

from rag.date_range import BadDateRange, date_range

DATA = Path(__file__).resolve().parent / "data" / "fieldcases"
BAD = ["2024-3-31", "March 5, 2024", "2024-02-30", "31/03/2024", "yesterday", "2024-03-05T10:00:00"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    idx = str(tmp_path_factory.mktemp("cd") / "idx")
    built = rag("build", str(DATA / "d.json"), "--index-dir", idx, "--json")
    assert built.returncode == 0, built.stderr
    return idx


def ids(index_dir: str, *args: str) -> list[str]:
    result = rag("search", "harbour", *args, "--index-dir", index_dir, "--json")
    assert result.returncode == 0, result.stderr
    return sorted(p["article_id"] for p in json.loads(result.stdout))


def test_valid_dates_filter_by_day(index_dir: str) -> None:
    assert ids(index_dir, "--until", "2024-03-31") == ["d1", "d2"]
    assert ids(index_dir, "--since", "2024-03-05") == ["d1", "d2", "d3"]
    assert ids(index_dir, "--since", "2024-03-06") == ["d3"]
    assert ids(index_dir, "--since", "2024-03-05", "--until", "2024-03-05") == ["d1", "d2"]


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [("search", "--until", value) for value in BAD]
    + [
        ("search", "--since", "2024-3-5"),
        ("ask", "--since", "March 5, 2024"),
        ("ask", "--until", "2024-3-31"),
    ],
)
def test_a_bad_date_is_a_usage_error_with_the_apis_message(
    index_dir: str, client: TestClient, command: str, option: str, value: str
) -> None:
    result = rag(command, "harbour", option, value, "--index-dir", index_dir, "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    api = client.post("/search", json={"query": "harbour", option.removeprefix("--"): value})
    assert api.status_code == 422
    message = api.json()["error"]["message"]  # e.g. "until: Input should be a valid date or datetime, ..."
    assert f"error: --{message}" in " ".join(result.stderr.split())


def test_since_after_until_is_refused(index_dir: str) -> None:
    result = rag(
        "search", "harbour", "--since", "2024-12-01", "--until", "2024-01-01", "--index-dir", index_dir
    )
    assert result.returncode == 2
    assert "since must not be after until" in result.stderr


def test_the_check_runs_before_any_index_is_opened(tmp_path: Path) -> None:
    result = rag("search", "harbour", "--until", "2024-3-31", "--index-dir", str(tmp_path / "none"))
    assert result.returncode == 2 and "--until" in result.stderr


def test_date_range_takes_what_the_api_takes() -> None:
    assert date_range("2024-03-05", None) == ("2024-03-05", None)
    with pytest.raises(BadDateRange, match=r"^until: "):  # a time is not a date here, as in the API
        date_range(None, "2024-03-05T00:00:00Z")
    with pytest.raises(BadDateRange, match=r"^until: "):
        date_range(None, "2024-3-31")
