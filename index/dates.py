"""Publication dates as ISO strings: parsed when the day is written out unambiguously, else None.

What is a date here (the one rule every reader — feed, JSON/JSONL, HTML, text header — goes through):

- a complete calendar day: year, month and day all written. A bare year ("2024"), a month
  ("June 2024", "2024-06"), a day without a year ("June 29") or a relative phrase ("yesterday",
  "2 days ago") is no date: nothing missing is ever filled in, and nothing is taken from today;
- unambiguous: "03/05/2024" could be 3 May or 5 March, so it gives None, while "29/06/2024" (no
  month 29) and "12/12/2024" (both readings agree) are dates;
- real: "32 Feb 2024" or "2024-02-30" give None (no "nearest valid day");
- English month and weekday names only ("5 March 2024", "Tue, 05 Mar 2024"); other languages give None.

ISO 8601 and RFC 2822 strings are read by the standard library (keeping their UTC offset); every
other written form by dateparser (https://dateparser.readthedocs.io) with settings that require all
three parts, read absolute dates only, and are tried in day-first and month-first order to catch
ambiguity.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from typing import Any

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HAS_DIGIT_RUN = re.compile(r"\d")
# RFC 2822 as feeds write it: "Tue, 05 Mar 2024 23:30:00 -0500" (weekday optional, zone a number or name)
_RFC_2822 = re.compile(
    r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*(?:[+-]\d{4}|[A-Za-z]{1,5}))?$"
)
_MAX_LENGTH = 100  # a date line, not a paragraph: longer strings are not dates

# dateparser settings: never fill in a missing part, never read "yesterday", "1700000000" (a unix
# timestamp) or "10:00" (today at ten), and refuse an impossible day instead of moving it.
_SETTINGS: dict[str, Any] = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "PARSERS": ["absolute-time"],
}
_ORDERS = ("DMY", "MDY")  # a numeric date read both ways: two different days mean it is ambiguous


def normalise_date(value: object, *, date_only: bool = False) -> str | None:
    """Return `value` as `YYYY-MM-DD`, or as a full ISO datetime when it carries a time of day.

    `value` may be a string (see the module docstring for what counts as a date) or a `date` /
    `datetime` (YAML front matter). Anything else — an ambiguous, partial or unparseable string, a
    number — gives None, never an error. `date_only` drops the time of day (the day stays the one
    written, not converted to UTC). The same string gives the same day in every reader.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if date_only else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        logger.debug("ignoring non-string date %r", value)
        return None
    text = " ".join(value.split())
    parsed = parse_date(text)
    if parsed is None:
        if text:
            logger.debug("not a complete, unambiguous date: %r", value)
        return None
    return normalise_date(parsed, date_only=date_only)


def parse_date(text: str) -> dt.date | dt.datetime | None:
    """The day (and time, if written) of one date string, or None; see the module docstring."""
    if not text or len(text) > _MAX_LENGTH or not _HAS_DIGIT_RUN.search(text):
        return None
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    if text[:4].isdigit() and len(text) > 10 and text[4] == "-":
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass  # e.g. "2024-03-05 10:00 CET": let dateparser read it
    if _RFC_2822.match(text):  # the stdlib parser is lenient: "June 29 2024 3:07 PM" became 03:07
        try:
            return email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None  # "Mon, 32 Feb 2024 10:00:00 GMT"
    return _dateparser_date(text)


def _dateparser_date(text: str) -> dt.date | dt.datetime | None:
    import dateparser  # imported here: loading its language data costs ~0.1 s

    readings = []
    for order in _ORDERS:
        try:
            reading = dateparser.parse(text, languages=["en"], settings={**_SETTINGS, "DATE_ORDER": order})
        except (ValueError, OverflowError, TypeError) as e:  # a malformed string can reach its internals
            logger.debug("dateparser failed on %r: %s", text, e)
            reading = None
        readings.append(reading)
    first, second = readings
    if first is None or second is None:
        return first or second
    if first.date() != second.date():
        return None  # "03/05/2024": March or May, not guessed
    if first.time() == dt.time(0) and first.tzinfo is None and not re.search(r"\d:\d", text):
        return first.date()  # no time of day was written
    return first
