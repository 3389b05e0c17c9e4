"""Feed entry ids (index/feed_ids.py): distinct stories are never dropped, and ids are stable.

Field case feed-same-link (tests/data/fieldcases/same_link.rss): a live-updates feed without guids,
every entry linking to one page, kept only its first entry. live_blog.rss is ours, of the same kind.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import rag

from index.feed_ids import entry_ids
from index.sources import read_paths

DATA = Path(__file__).resolve().parent / "data" / "fieldcases"
LIVE = "https://example.org/live"


def test_guidless_entries_sharing_a_link_are_all_kept_with_distinct_ids() -> None:
    result = read_paths([DATA / "same_link.rss"])
    assert result.failures == []
    assert [a.title for a in result.articles] == [
        "Storm reaches coast",
        "Ferries cancelled",
        "Schools closed",
    ]
    ids = [a.id for a in result.articles]
    assert len(set(ids)) == 3
    assert all(i.startswith(f"{LIVE}#") and len(i) == len(LIVE) + 13 for i in ids)
    assert all(a.url == LIVE for a in result.articles)


def test_ids_are_stable_across_reads_reorderings_and_new_entries(tmp_path: Path) -> None:
    raw = (DATA / "same_link.rss").read_text(encoding="utf-8")
    first = {a.title: a.id for a in read_paths([DATA / "same_link.rss"]).articles}
    items = raw.split("<item>")
    head, entries = items[0], ["<item>" + item.split("</item>")[0] + "</item>" for item in items[1:]]
    extra = entries[0].replace("Storm reaches coast", "Power restored").replace("08:00:00", "15:00:00")
    shuffled = head + "".join([entries[2], extra, entries[0], entries[1]]) + "</channel></rss>"
    (tmp_path / "later.rss").write_text(shuffled, encoding="utf-8")
    later = {a.title: a.id for a in read_paths([tmp_path / "later.rss"]).articles}
    assert {title: later[title] for title in first} == first
    assert later["Power restored"] not in first.values()


def test_live_blog_same_title_and_time_no_link_and_own_link() -> None:
    result = read_paths([DATA / "live_blog.rss"])
    assert result.failures == []
    by_text = {a.text.split()[0]: a for a in result.articles}
    assert len(result.articles) == 5 and len({a.id for a in result.articles}) == 5
    assert by_text["Polls"].title == by_text["Turnout"].title == "Update"  # same title and time, two stories
    assert by_text["A"].id.startswith("https://example.org/election-live#")  # no link: the feed's link
    assert by_text["A"].url is None
    assert by_text["Analysts"].id == "https://example.org/analysis"  # its own link: the link, as before


def test_guid_wins_and_a_unique_link_stays_the_id() -> None:
    entries = [
        {"id": "g-1", "link": "https://e.org/a", "title": "A"},
        {"link": "https://e.org/b", "title": "B"},
        {"link": "https://e.org/a", "title": "C"},  # shares only with a guid entry: still unique
        {"title": "D"},
    ]
    assert entry_ids(entries, ["a", "b", "c", "d"], {}) == ["g-1", "https://e.org/b", "https://e.org/a", None]


def test_identical_entries_still_share_an_id() -> None:
    twin = {"link": "https://e.org/l", "title": "T", "published": "Tue, 02 Apr 2024 08:00:00 +0000"}
    first, second = entry_ids([twin, twin], ["same text", "same text"], {})
    assert first == second and first is not None and first.startswith("https://e.org/l#")


def test_cli_build_keeps_every_live_entry_and_search_finds_the_ferries(tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    built = rag("build", str(DATA / "same_link.rss"), "--index-dir", idx, "--json")
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert report["added"] == 3 and report["failed"] == []
    found = json.loads(rag("search", "ferry crossings cancelled", "--index-dir", idx, "--json").stdout)
    assert found[0]["title"] == "Ferries cancelled"


def test_a_relative_link_is_made_absolute_for_the_url_and_the_id() -> None:
    """Two sites' feeds that both link "/news/1" must not give one id (nor a url that is no address)."""
    from index.formats import feed_records

    def feed(site: str) -> bytes:
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://{site}/</link>'
            "<item><title>A</title><link>/news/1</link><description>The council met.</description></item>"
            "</channel></rss>"
        ).encode()

    a, b = feed_records(feed("a.example"))[0], feed_records(feed("b.example"))[0]
    assert (a["id"], a["url"]) == ("https://a.example/news/1", "https://a.example/news/1")
    assert b["id"] == "https://b.example/news/1" != a["id"]
