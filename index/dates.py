"""Publication dates as ISO strings: parsed when the form is unambiguous, otherwise None, never guessed."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re

logger = logging.getLogger(__name__)

# Unambiguous written forms only: "03/05/2024" could be March or May, so it is not accepted.
_WRITTEN_FORMATS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%A, %B %d, %Y",
    "%a, %b %d, %Y",
    "%A %d %B %Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise_date(value: object, *, date_only: bool = False) -> str | None:
    """Return `value` as `YYYY-MM-DD`, or as a full ISO datetime when it carries a time of day.

    Accepts ISO 8601 dates and datetimes, RFC 2822 dates (feeds, e-mail headers), English written
    dates ("March 5, 2024"), and `date`/`datetime` objects (YAML front matter). Anything else — an
    ambiguous or unparseable string, a number — gives None. `date_only` drops the time of day (the
    date stays the one written, not converted to UTC).
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
    parsed = _parse(value.strip())
    if parsed is None:
        if value.strip():
            logger.debug("unparseable date %r", value)
        return None
    return normalise_date(parsed, date_only=date_only)


def _parse(text: str) -> dt.date | dt.datetime | None:
    if not text:
        return None
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    if text[:4].isdigit() and len(text) > 10:
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    without_ordinals = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)  # "March 5th, 2024"
    for candidate in dict.fromkeys((text, without_ordinals)):
        for fmt in _WRITTEN_FORMATS:
            try:
                return dt.datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None
