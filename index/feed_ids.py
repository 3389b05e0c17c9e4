"""Article ids for RSS/Atom entries: the guid, else the link, made distinct when a link is shared.

The rule (README "Feeds"):

1. an entry with a `<guid>` / Atom `<id>` keeps it as its id (the publisher's identity for the story);
2. an entry without one whose `<link>` no other guid-less entry of the same feed uses gets the link;
3. guid-less entries that share one link (a "live updates" page: skx/rss2email#111,
   FreshRSS/FreshRSS#5329) get `link#` + 12 hex digits of the SHA-256 of their title and their date
   as written (`published`, else `updated`); should two of them still collide, their text is hashed
   too. An entry with neither guid nor link is treated the same way under the feed's own link (or title).

So each distinct story gets its own id, and the id is stable while the entry's title and date stay
the same (a corrected typo in the title makes a new article). Entries identical in all of title,
date and text still share an id, and the second is reported as a duplicate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

DIGEST_CHARS = 12


def entry_ids(
    entries: Sequence[Mapping[str, Any]], texts: Sequence[str], feed: Mapping[str, Any]
) -> list[str | None]:
    """One id per feed entry (feedparser entry dicts, their cleaned texts, the feed's header dict).

    Returns None only for an entry that has no guid, no link, and a feed with neither link nor title.
    """
    fallback = _text(feed.get("link")) or _text(feed.get("title"))
    guids = [_text(entry.get("id")) for entry in entries]
    bases = [_text(entry.get("link")) or fallback for entry in entries]
    # how many guid-less entries use each link
    sharing = Counter(base for guid, base in zip(guids, bases, strict=True) if guid is None and base)
    keys = [_title_and_date(entry) for entry in entries]
    # how many of those also have the same title and date
    twins = Counter((base, key) for guid, base, key in zip(guids, bases, keys, strict=True) if guid is None)
    ids: list[str | None] = []
    for guid, base, key, entry, text in zip(guids, bases, keys, entries, texts, strict=True):
        if guid is not None or base is None:
            ids.append(guid)
        elif sharing[base] == 1 and _text(entry.get("link")) == base:
            ids.append(base)
        else:
            ids.append(f"{base}#{_digest(key if twins[base, key] == 1 else key + chr(0) + text)}")
    return ids


def _title_and_date(entry: Mapping[str, Any]) -> str:
    date = _text(_raw(entry, "published")) or _text(_raw(entry, "updated")) or ""
    return f"{_text(entry.get('title')) or ''}\x00{date}"


def _raw(entry: Mapping[str, Any], key: str) -> Any:
    # dict.get: feedparser's own get maps a missing "updated" to "published" with a DeprecationWarning
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
