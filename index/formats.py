"""Parsers that turn one input format into article records (dicts with title, text, date, url, source).

Each parser raises `BadArticle` with a human reason when the whole input is unusable; the reader turns
records into `Article`s (ids, validation, duplicates) in `index.sources`.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from index.cleaning import clean_text
from index.dates import normalise_date
from index.errors import BadArticle
from index.feed_ids import entry_ids
from index.html_dates import declared_date

logger = logging.getLogger(__name__)

Record = dict[str, Any]

# htmldate's extensive search falls back to free-text patterns and even a copyright year
# ("© 2023" becomes 2023-01-01); the fast search only trusts markup and complete dates.
_HTML_DATE_PARAMS = {"extensive_search": False, "original_date": True}

_HEADING = re.compile(r"^#{1,6}\s+")
_HEADER_LINE = re.compile(r"^(date|source|url)\s*:\s*(.*)$", re.IGNORECASE)
_FRONT_MATTER_END = ("---", "...")


def text_record(content: str) -> Record:
    """Parse a .txt/.md article: YAML front matter or `Key: value` header lines, a title, a body."""
    lines = content.splitlines()
    meta: dict[str, Any] = {}
    if lines and lines[0].strip() == "---":
        meta, lines = _split_front_matter(lines)
    position = _skip_blank(lines, 0)
    title = _optional_text(meta.get("title"))
    if position < len(lines) and (not title or _strip_heading(lines[position]) == title):
        title = title or _strip_heading(lines[position])
        position += 1
    if not meta:
        position = _skip_blank(lines, position)
        while position < len(lines) and (header := _HEADER_LINE.match(lines[position].strip())):
            meta[header.group(1).lower()] = header.group(2).strip() or None
            position += 1
    body = clean_text("\n".join(lines[position:]))
    if not title:
        raise BadArticle("no title: the file has no non-empty line")
    if not body:
        raise BadArticle("no article text after the title (or only boilerplate)")
    return {
        "title": title,
        "text": body,
        "date": normalise_date(meta.get("date")),
        "source": _optional_text(meta.get("source")),
        "url": _optional_text(meta.get("url")),
    }


MAX_HIDDEN_CHARS = 500
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def without_hidden(data: bytes) -> Any:
    """The page as an lxml tree (decoded as trafilatura decodes it) without what a browser does not
    show: elements with `hidden` or a `display: none` / `visibility: hidden` style, `<template>` and
    `<noscript>` — each only up to MAX_HIDDEN_CHARS characters of text (a longer hidden block is more
    likely the rest of the article behind a "read more" button or a script), and never `<html>` or
    `<body>` themselves. Text nobody sees is not the article (and is a known place to plant
    instructions for an assistant); it also made trafilatura fall back to a flat extraction that ran
    the headline into the text. The bytes as given when they do not parse as HTML."""
    from trafilatura.utils import load_html  # imported here, with trafilatura

    root = load_html(data)
    if root is None:
        return data
    candidates = root.xpath("//*[@hidden or @style or self::template or self::noscript]")
    for element in candidates:
        hidden = (
            element.get("hidden") is not None
            or element.tag in ("template", "noscript")
            or _HIDDEN_STYLE.search(element.get("style") or "")
        )
        if not hidden or element.tag in ("html", "body") or element.getparent() is None:
            continue
        if len(element.text_content()) <= MAX_HIDDEN_CHARS:
            element.drop_tree()
    return root


def html_record(data: bytes) -> Record:
    """Extract the main text and metadata of an HTML page with trafilatura (comments excluded)."""
    import trafilatura  # imported here: it costs ~0.2 s, and most runs read no HTML

    document = trafilatura.bare_extraction(
        without_hidden(data),
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=dict(_HTML_DATE_PARAMS),
    )
    if document is None:
        raise BadArticle("no main text found in the HTML page")
    fields = document if isinstance(document, dict) else document.as_dict()
    # trafilatura puts one block (paragraph, list item, heading) per line: make each a paragraph
    title = _optional_text(fields.get("title")) or ""
    blocks = [line for line in (fields.get("text") or "").splitlines() if line.strip()]
    if blocks and title and " ".join(blocks[0].split()).casefold() == title.casefold():
        blocks = blocks[1:]  # the page's own headline, already the title
    body = clean_text("\n\n".join(blocks))
    if not body:
        raise BadArticle("no article text left in the HTML page after cleaning")
    # `filedate` is deliberately ignored: it is the extraction day, not a publication date.
    declared, date = declared_date(data)
    return {
        "title": title,
        "text": body,
        "date": date if declared else normalise_date(fields.get("date"), date_only=True),
        "source": _optional_text(fields.get("sitename")),
        "url": _optional_text(fields.get("url")),
    }


def feed_records(data: bytes) -> list[Record]:
    """One record per RSS/Atom entry: id by `index.feed_ids`, HTML stripped, source = feed title."""
    import feedparser  # imported here: it costs ~0.2 s, and most runs read no feed

    parsed = feedparser.parse(data)
    entries = parsed.get("entries") or []
    if parsed.get("bozo") and not entries:
        raise BadArticle(f"not a valid RSS/Atom feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version"):
        raise BadArticle("not an RSS or Atom feed (no <rss>, <feed> or RDF root)")
    if parsed.get("bozo"):
        logger.warning("malformed feed, read what could be recovered: %s", parsed.get("bozo_exception"))
    if not entries:
        logger.info("feed has no entries")
        return []
    feed = parsed.get("feed", {})
    home = _optional_text(feed.get("link"))
    records = [_entry_record(entry, _optional_text(feed.get("title")), home) for entry in entries]
    # ids from the absolute links (a relative "/news/1" would be the same id in every site's feed)
    linked = [
        {**entry, "link": record["url"]} if record["url"] else entry
        for entry, record in zip(entries, records, strict=True)
    ]
    ids = entry_ids(linked, [record["text"] for record in records], feed)  # index.feed_ids: the rule
    return [{**record, "id": entry_id} for record, entry_id in zip(records, ids, strict=True)]


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, block elements becoming paragraph breaks."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return clean_text("".join(collector.parts))


def _entry_link(link: str | None, home: str | None) -> str | None:
    """An entry's link made absolute against the feed's own link when it is relative ("story-1",
    "/news/1": common in hand-made feeds; a bare guid is a permalink by default in RSS 2.0). Any
    other scheme stays as written, for ingest to refuse (`sources._web_address`: http(s) only)."""
    if not link or urlsplit(link).scheme or not home or urlsplit(home).scheme not in ("http", "https"):
        return link
    return urljoin(home, link)


def _entry_record(entry: Any, source: str | None, home: str | None = None) -> Record:
    body = ""
    contents = entry.get("content") or []
    if contents:
        body = "\n\n".join(_detail_text(item) for item in contents)
    elif entry.get("summary"):
        body = _detail_text({"value": entry.get("summary"), **(entry.get("summary_detail") or {})})
    return {
        "title": " ".join((entry.get("title") or "").split()),
        "text": body,
        "date": _entry_date(entry),
        "source": source,
        "url": _entry_link(_optional_text(entry.get("link")), home),
    }


def _detail_text(detail: Any) -> str:
    value = str(detail.get("value") or "")
    kind = str(detail.get("type") or "text/html")
    return html_to_text(value) if "html" in kind else clean_text(value)


def _entry_date(entry: Any) -> str | None:
    # The string as written, through the one date rule (index.dates). Never feedparser's
    # `*_parsed` struct: its lenient parse invents days ("2024" -> 2024-01-01, kurtmckee/feedparser#75).
    for key in ("published", "updated", "created"):
        date = normalise_date(dict.get(entry, key), date_only=True)
        if date:
            return date
    return None


def _split_front_matter(lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in _FRONT_MATTER_END), None)
    if end is None:
        raise BadArticle("YAML front matter opened with '---' is never closed")
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as e:
        raise BadArticle(f"invalid YAML front matter: {e}") from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadArticle("YAML front matter must be a mapping of keys to values")
    return {str(key).lower(): value for key, value in data.items()}, lines[end + 1 :]


def _skip_blank(lines: list[str], position: int) -> int:
    while position < len(lines) and not lines[position].strip():
        position += 1
    return position


def _strip_heading(line: str) -> str:
    return " ".join(_HEADING.sub("", line.strip()).split())


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


class _TextCollector(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre", "hr"}
        | {"ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "figure", "figcaption"}
        | {"h1", "h2", "h3", "h4", "h5", "h6"}
    )
    _SKIPPED = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))
