"""The one date rule (index/dates.py): never invented, the same in every reader.

Field case feed-date-fallback (rewritten as tests/data/fieldcases/dates.rss, items 0–9; items 10–19
are ours): feedparser's lenient parse turned "2024/6/29 15:07:41" into 2024-11-01 and a bare "2024"
into 2024-01-01.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from index.dates import normalise_date
from index.sources import read_paths

DATA = Path(__file__).resolve().parent / "data" / "fieldcases"


def pub_dates() -> dict[str, str]:
    """guid -> the <pubDate> string as written in dates.rss."""
    raw = (DATA / "dates.rss").read_text(encoding="utf-8")
    return dict(re.findall(r"<guid>(g\d+)</guid><pubDate>([^<]*)</pubDate>", raw))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024/6/29 15:07:41", "2024-06-29T15:07:41"),
        ("2024.06.29", "2024-06-29"),
        ("29/06/2024", "2024-06-29"),  # no month 29: one reading only
        ("29.06.2024 15:07", "2024-06-29T15:07:00"),
        ("12/12/2024", "2024-12-12"),  # both readings agree
        ("Sat, 29 Jun 2024 15:07:41 +0200", "2024-06-29T15:07:41+02:00"),
        ("29 June 2024 at 3pm", "2024-06-29T15:00:00"),
        ("June 29 2024 3:07 PM EDT", "2024-06-29T15:07:00-04:00"),
        ("  March 5th,   2024 ", "2024-03-05"),
        # partial: nothing is filled in
        ("2024", None),
        ("June 2024", None),
        ("Jun 2024", None),
        ("2024-06", None),
        ("June 29", None),
        ("Spring 2024", None),
        # relative, or a number: not a written day
        ("yesterday", None),
        ("2 days ago", None),
        ("today", None),
        ("1719673661", None),
        ("10:00", None),
        # ambiguous or impossible
        ("03/05/2024", None),
        ("05/03/24", None),
        ("Mon, 32 Feb 2024 10:00:00 GMT", None),
        ("2024-02-30", None),
        ("31/04/2024", None),
        ("x" * 500, None),
    ],
)
def test_a_date_is_a_complete_unambiguous_day_never_a_guess(value: str, expected: str | None) -> None:
    assert normalise_date(value) == expected


def test_feed_dates_are_never_invented_by_feedparser() -> None:
    result = read_paths([DATA / "dates.rss"])
    dates = {a.id: a.date for a in result.articles}
    assert result.failures == []
    assert dates["g2"] == "2024-06-29"  # was 2024-11-01
    assert dates["g5"] is None  # a bare year: was 2024-01-01
    assert dates["g4"] is None and dates["g8"] is None and dates["g6"] is None and dates["g0"] is None
    for guid, written in pub_dates().items():
        day = normalise_date(written)
        assert dates[guid] == (day[:10] if day else None), written


def _feed(tmp_path: Path, written: str) -> Path:
    path = tmp_path / "one.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>'
        f"<description>x</description><item><title>A</title><guid>a</guid><pubDate>{written}</pubDate>"
        "<description>The council met on the day.</description></item></channel></rss>",
        encoding="utf-8",
    )
    return path


def _html(tmp_path: Path, written: str) -> Path:
    path = tmp_path / "a.html"
    path.write_text(
        f'<html><head><title>A</title><meta property="article:published_time" content="{written}"></head>'
        "<body><article><h1>A</h1><p>The town council approved plans for a new park on the site of the "
        "former bus depot on Tuesday evening, officials said.</p></article></body></html>",
        encoding="utf-8",
    )
    return path


def _json(tmp_path: Path, written: str) -> Path:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"id": "a", "title": "A", "text": "The council met.", "date": written}))
    return path


def _text(tmp_path: Path, written: str) -> Path:
    path = tmp_path / "a.txt"
    path.write_text(f"A\nDate: {written}\n\nThe council met on the day.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("written", list(dict.fromkeys(pub_dates().values())))
def test_the_same_string_gives_the_same_day_in_every_reader(tmp_path: Path, written: str) -> None:
    days = {}
    for reader in (_feed, _html, _json, _text):
        folder = tmp_path / reader.__name__
        folder.mkdir()
        result = read_paths([reader(folder, written)])
        assert result.failures == [], reader.__name__
        [article] = result.articles
        days[reader.__name__] = article.date[:10] if article.date else None
    expected = normalise_date(written)
    assert set(days.values()) == {expected[:10] if expected else None}, days


def test_a_page_declaring_only_a_partial_date_gets_none_not_htmldates_guess(tmp_path: Path) -> None:
    [article] = read_paths([_html(tmp_path, "2024-06")]).articles  # htmldate made it 2024-06-<today>
    assert article.date is None
    ld = tmp_path / "ld"
    ld.mkdir()
    page = (
        _html(ld, "June 2024")
        .read_text()
        .replace(
            "</head>",
            '<script type="application/ld+json">{"datePublished": "2024-06-28T10:00:00Z"}</script></head>',
        )
    )
    (ld / "a.html").write_text(page)
    [article] = read_paths([ld / "a.html"]).articles
    assert article.date == "2024-06-28"  # the first complete declared date
