"""The publication date an HTML page declares in its markup, read through the one date rule.

htmldate (used by trafilatura) reads declared dates loosely: "2024-06" in `article:published_time`
became the 29th of some month and "03/05/2024" became 3 May. So the strings a page declares are read
here and handed to `index.dates.normalise_date` (the day only, as for feeds), like any reader's date:

    declared_date(b"<meta property='article:published_time' content='2024-06'>")  # -> (True, None)

Only when a page declares no date string in any of these places is htmldate's markup-only answer used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from index.dates import normalise_date

logger = logging.getLogger(__name__)

# Where a page states when it was published, most specific first (Open Graph / article, schema.org,
# Dublin Core, common CMS names). Modification dates are not publication dates and are not read.
_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "sailthru.date",
    "date",
)
_JSON_LD_KEYS = ("datePublished", "dateCreated")


def declared_date(data: bytes | str) -> tuple[bool, str | None]:
    """(whether the page declares a publication date string, that date normalised or None).

    A page that declares only partial or ambiguous dates gives `(True, None)`: its date is unknown,
    and no looser reader should guess one. Unparseable HTML gives `(False, None)`.
    """
    import lxml.html  # a dependency of trafilatura

    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, TypeError, lxml.etree.ParserError) as e:
        logger.debug("cannot parse HTML for its date: %s", e)
        return False, None
    found = False
    for raw in _candidates(tree):
        found = True
        date = normalise_date(raw, date_only=True)
        if date:
            return True, date
    return found, None


def _candidates(tree: Any) -> Iterator[str]:
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if key and content:
            metas.setdefault(key, content)
    yield from (metas[key] for key in _META_KEYS if key in metas)
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json":
            yield from _json_ld_dates(script.text or "")
    for element in tree.iter("time"):
        if element.get("itemprop", "").lower() == "datepublished" or element.get("pubdate") is not None:
            value = (element.get("datetime") or element.text_content() or "").strip()
            if value:
                yield value


def _json_ld_dates(text: str) -> Iterator[str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key in _JSON_LD_KEYS:
                if isinstance(item.get(key), str) and item[key].strip():
                    yield item[key].strip()
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
