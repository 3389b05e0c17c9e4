"""`since`/`until` date filters checked once, the same way on the command line and over HTTP.

The API's request models declare `since`/`until`/`as_of` as `IsoDate` (below), so this one pydantic
type decides what a date is in both places, so `rag search --until 2024-3-31` is refused with
the very message a `POST /search` with `"until": "2024-3-31"` gets in its 422:

    date_range("2024-03-05", None)   # -> ("2024-03-05", None)
    date_range(None, "2024-3-31")    # BadDateRange("until: Input should be a valid date or datetime, …")
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_YEAR, LAST_YEAR = 1000, 9000  # room for "in the past 999 years" either side without overflow


def parse_iso_date(text: str) -> dt.date:
    """The one reading of a date given by a user (API fields, --since/--until/--as-of, a question
    set's `date`): exactly YYYY-MM-DD, a real day, years FIRST_YEAR..LAST_YEAR. ValueError otherwise
    (Python's `fromisoformat` alone would also take "20240305" and "2024-W10-1")."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"{text!r:.40} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r:.40} is not a date (YYYY-MM-DD)") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{text!r:.40}: a year from {FIRST_YEAR} to {LAST_YEAR}")
    return day


def _iso_date(value: Any) -> Any:
    """A date only as a string YYYY-MM-DD: no number taken for a timestamp (`"since": 0`)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("a date is a string, YYYY-MM-DD")
    return parse_iso_date(value)


# the API's date fields (api/schemas.py) and the command line's --since/--until/--as-of: one type
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
_DATE: TypeAdapter[dt.date] = TypeAdapter(IsoDate)


class BadDateRange(ValueError):
    """A filter date that is not a calendar date (`YYYY-MM-DD`), or `since` after `until`."""


def checked_date(name: str, value: str | None) -> str | None:
    """`value` as `YYYY-MM-DD` (None stays None), or BadDateRange("NAME: pydantic's reason")."""
    if value is None:
        return None
    try:
        return _DATE.validate_python(value).isoformat()
    except ValidationError as e:
        reason = str(e.errors()[0]["msg"]).removeprefix("Value error, ") if e.errors() else "not a date"
        raise BadDateRange(f"{name}: {reason}") from e  # the words of the API's 422 (api/errors.py)


def date_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """Both filter dates checked (`checked_date`) and in order; BadDateRange names the bad one."""
    first, last = checked_date("since", since), checked_date("until", until)
    if first and last and first > last:  # ISO dates compare as strings once normalised
        raise BadDateRange(f"since must not be after until ({first} > {last})")
    return first, last
