"""`since`/`until` date filters checked once, the same way on the command line and over HTTP.

The API's request models declare `since`/`until`/`as_of` as `IsoDate` (below), so this one pydantic
type decides what a date is in both places, so `rag search --until 2024-3-31` is refused with
the very message a `POST /search` with `"until": "2024-3-31"` gets in its 422:

    date_range("2024-03-05", None)   # -> ("2024-03-05", None)
    date_range(None, "2024-3-31")    # BadDateRange("until: Input should be a valid date or datetime, …")
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError


def _iso_date(value: Any) -> Any:
    """A date only as a string YYYY-MM-DD: no number taken for a timestamp (`"since": 0`)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("a date is a string, YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


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
        reason = e.errors()[0]["msg"] if e.errors() else "not a date"
        raise BadDateRange(f"{name}: {reason} (expected YYYY-MM-DD, got {value!r})") from e


def date_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """Both filter dates checked (`checked_date`) and in order; BadDateRange names the bad one."""
    first, last = checked_date("since", since), checked_date("until", until)
    if first and last and first > last:  # ISO dates compare as strings once normalised
        raise BadDateRange(f"since must not be after until ({first} > {last})")
    return first, last
