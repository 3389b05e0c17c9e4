"""Time in a question: the as-of date, and the date window or recency preference its words imply.

News questions are asked at a moment: "what happened this week?", "who won in March?", "what is the
latest on …?". Every question has an as-of date (the request's `as_of`, else the configured default:
today, or the newest article's date); articles dated after it are never evidence. Relative and absolute
time expressions in the question are resolved against it:

- a **window** (hard filter on article dates, inclusive): "today", "yesterday", "this week" (the seven
  days up to the as-of date), "last week/month/year" (the previous calendar period), "this month/year",
  "so far this year", "in/during/on <date>", "since/after <date>", "before/until <date>", "in the past
  3 days", "2 weeks ago", "on Monday" (from the last Monday to the as-of date); an ISO date anywhere;
  several expressions make one window spanning them all;
- a **recency preference** (no filter): "latest", "most recent", "currently", "right now", "so far",
  "any news on": retrieval adds a newest-first ranking to its fusion and the answer prefers the newest
  of comparably good sentences ("now", "recently", "still" mostly describe, and are not cues).

Dates are parsed by dateparser (https://github.com/scrapinghub/dateparser) relative to the as-of date
with `PREFER_DATES_FROM=past`, which also reports each expression's granularity (day, week, month,
year); which words count as time expressions, and what window each preposition makes, is ours. An
expression must follow a time preposition to count ("in March", not "the March 8 protest"), except
the self-contained ones ("yesterday", "last month", "2019-03-08").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from index.store import Filters
from rag.date_range import parse_iso_date

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_CALENDAR = (  # a date that needs a preposition before it to count: "in March", "on (Monday,) 12 May 2019"
    rf"(?:(?:{_WEEKDAY}),?\s+)?(?:the\s+)?(?:{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"
    rf"|{_MONTH}(?:,?\s+{_YEAR})?|{_YEAR})"
)
# days that name an event, not a date: "Black Friday", "Super Tuesday"
_NAMED_DAY = re.compile(
    r"\b(?:black|super|good|ash|cyber|holy|easter|bloody|maundy|giving|shrove|palm|fat|manic|blue)\s+$", re.I
)
# a month name written in lower case is a word ("march", "may"), unless a day or year makes it a date
_LOWER_MONTH = re.compile(r"(?<![\w-])(?<!\d\s)(?:march|may)(?![\w-])(?!\.?\s+\d)")
_WEEKDAYS = _WEEKDAY.split("|")
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "few": 3, "several": 7}  # fmt: skip
_COUNT = rf"(?:\d{{1,3}}|{'|'.join(_NUMBER_WORDS)})"
_UNIT = r"(?:day|week|month|year)s?"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        ("iso", r"\b(?P<expr>\d{4}-\d{2}-\d{2})\b"),
        ("rolling", rf"\b(?:in|over|during|within)\s+the\s+(?:past|last|previous)\s+"
                    rf"(?P<n>{_COUNT}\s+)?(?P<unit>{_UNIT})\b"),
        ("rolling", rf"\b(?:the\s+)?(?:past|last|previous)\s+(?P<n>{_COUNT})\s+(?P<unit>{_UNIT})\b"),
        ("to_date", r"\bso\s+far\s+(?P<expr>this\s+(?:week|month|year))\b"),
        ("ago", rf"\b(?P<expr>{_COUNT}\s+{_UNIT}\s+ago)\b"),
        ("this_week", r"\bthis\s+week(?:'s)?\b"),
        ("relative", r"\b(?P<expr>today|tonight|yesterday|(?:this|last)\s+(?:month|year)|last\s+week)\b"),
        ("weekday", rf"\b(?:(?:on|last|this\s+past|since)\s+)?(?P<day>{_WEEKDAY})(?:'s)?\b"
                    rf"(?!,?\s+(?:\d|of\b|the\s+\d|{_MONTH}))"),  # "Monday, June 3": the calendar's
        ("calendar", rf"\b(?P<prep>in|on|during|throughout|since|after|before|until|till|by|from|as\s+of)\s+"
                     rf"(?P<expr>{_CALENDAR})(?!\w)"),
    )
)  # fmt: skip
# Asking for the newest state of things. Not "now", "recently", "still": in questions they mostly
# describe ("who is now facing trial", "the club recently discussed in …"), and preferring newer
# reports for them cost multihop hit@1 (README "News sense").
_RECENCY = re.compile(
    r"\b(latest|most\s+recent(?:ly)?|newest|currently|nowadays|these\s+days|at\s+present|right\s+now|"
    r"as\s+of\s+now|so\s+far|up\s+to\s+date|any\s+(?:news|updates?))\b",
    re.I,
)
_QUOTED = re.compile(r"(?<!\w)'[^']+'(?!\w)|\"[^\"]+\"|“[^”]+”")


class BadAsOf(ValueError):
    """An as-of value that is not "today", "newest" or an ISO date (YYYY-MM-DD)."""


@dataclass(frozen=True)
class TimeWindow:
    """What a question's time words mean at its as-of date (ISO dates, inclusive).

    `since`/`until` bound the articles' dates (None: open); `until` never passes `as_of`. `recency`:
    newer evidence is preferred (no filter). `expression`: the question's words it came from.
    """

    as_of: str
    since: str | None = None
    until: str | None = None
    recency: bool = False
    expression: str | None = None

    @property
    def narrowed(self) -> bool:
        """Whether the window restricts dates more than the as-of date alone does."""
        return self.since is not None or (self.until is not None and self.until < self.as_of)

    def filters(self, base: Filters, narrow: bool = True) -> Filters:
        """`base` restricted to this window (when `narrow`) and, always, to articles not dated after
        the as-of date (undated articles stay: nothing says they are from the future)."""
        since, until = base.since, base.until
        if narrow and self.since:
            since = max(filter(None, (since, self.since)))
        if narrow and self.until and self.until < self.as_of:
            until = min(filter(None, (until, self.until)))
        return Filters(base.sources, base.article_ids, since, until, as_of=self.as_of)

    def describe(self) -> str:
        """Plain words for the window: "from 3 June 2019 to 9 June 2019", "before 1 March 2019"."""
        if self.since and self.until:
            if self.since == self.until:
                return f"on {human(self.since)}"
            return f"from {human(self.since)} to {human(self.until)}"
        if self.since:
            return f"since {human(self.since)}"
        if self.until:
            return f"until {human(self.until)}"
        return f"as of {human(self.as_of)}"

    def to_dict(self, widened: bool = False) -> dict[str, Any]:
        """The wire form (`Answer.time_window`): the fields, `narrowed`, and `widened` (nothing in the
        window answered, so the answer comes from outside it)."""
        return {**asdict(self), "narrowed": self.narrowed, "widened": widened}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimeWindow:
        """The TimeWindow of an `Answer.time_window` (extra keys ignored)."""
        return cls(data["as_of"], data.get("since"), data.get("until"), bool(data.get("recency")),
                   data.get("expression"))  # fmt: skip


def human(iso: str) -> str:
    """'2019-06-03' -> '3 June 2019' (a date as people write it in news)."""
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"


def resolve_as_of(value: str | None, newest: str | None = None, today: date | None = None) -> str:
    """An ISO date for an as-of setting: an ISO date as given, "today", or "newest" (the index's newest
    article date, `newest`; today where the index has no dates). Raises BadAsOf otherwise."""
    today = today or date.today()
    text = "today" if value is None else value.strip().lower()  # "" is no date
    if text == "today":
        return today.isoformat()
    if text == "newest":
        return (newest or today.isoformat())[:10]
    try:
        return parse_iso_date(text).isoformat()
    except ValueError:
        raise BadAsOf(f"as_of must be 'today', 'newest' or a date YYYY-MM-DD, got {value!r}") from None


@lru_cache(maxsize=256)
def _parser(base: date) -> DateDataParser:
    from dateparser.date import DateDataParser  # ~50 ms, paid only by a question with a date in it

    settings = {
        "RELATIVE_BASE": datetime(base.year, base.month, base.day),
        "PREFER_DATES_FROM": "past",
        "RETURN_TIME_AS_PERIOD": True,
    }
    return DateDataParser(languages=["en"], settings=settings)


def _period(expr: str, base: date) -> tuple[date, date] | None:
    """The calendar period an expression names (its first and last day), by dateparser."""
    data = _parser(base).get_date_data(expr)
    if data.date_obj is None:
        return None
    d = data.date_obj.date()
    if data.period == "year" and not re.search(_YEAR, expr):  # "this year", "last year"
        return date(d.year, 1, 1), date(d.year, 12, 31)
    if data.period == "year":
        year = int(re.search(_YEAR, expr).group())  # type: ignore[union-attr]
        return date(year, 1, 1), date(year, 12, 31)
    if data.period == "month":
        return d.replace(day=1), d.replace(day=calendar.monthrange(d.year, d.month)[1])
    if data.period == "week":
        monday = d - timedelta(days=d.weekday())
        return monday, monday + timedelta(days=6)
    return d, d


def _count(text: str | None) -> int:
    if not text:
        return 1
    text = text.strip().lower()
    return int(text) if text.isdigit() else _NUMBER_WORDS[text]


def _days(unit: str) -> int:
    return {"day": 1, "week": 7, "month": 30, "year": 365}[unit.lower().rstrip("s")]


def _window(kind: str, m: re.Match[str], base: date) -> tuple[date | None, date | None] | None:
    """The (since, until) one matched expression makes; None when it names no date."""
    if kind == "rolling":
        return base - timedelta(days=_count(m.group("n")) * _days(m.group("unit")) - 1), base
    if kind == "this_week":  # news sense: the seven days up to the as-of date, not since Monday
        return base - timedelta(days=6), base
    if kind == "weekday":  # the last such day up to the as-of date (today if it is one), reported since
        back = (base.weekday() - _WEEKDAYS.index(m.group("day").lower())) % 7
        if back == 0 and re.match(r"(?:last|this\s+past)\b", m.group(0), re.I):
            back = 7  # "last Monday", asked on a Monday: a week ago
        return base - timedelta(days=back), base
    period = _period(m.group("expr"), base)
    if period is None:
        return None
    first, last = period
    if kind == "to_date":
        return first, base
    if kind == "ago":
        return first, last
    prep = (m.groupdict().get("prep") or "in").lower()
    if prep in ("since", "from", "as of"):
        return first, base
    if prep == "after":
        return last + timedelta(days=1), base
    if prep == "before":
        return None, first - timedelta(days=1)
    if prep in ("until", "till", "by"):
        return None, last
    return first, last


def infer_window(question: str, as_of: str) -> TimeWindow:
    """The date window (or recency preference) a question's time words make at `as_of` (ISO date).

    Several expressions ("between the report of 28 September and the one of 7 October") make one
    window spanning them all. A window entirely after the as-of date is ignored (a question cannot be
    about its future); words inside quotes and capitalised ones inside the question are names ("the
    'Business Today' report", "USA Today"), not time. `infer_window("What happened this week?",
    "2019-06-09")` -> since 2019-06-03, until 2019-06-09.
    """
    base = date.fromisoformat(as_of)
    text = _QUOTED.sub(lambda m: " " * len(m.group()), question)  # same length: offsets stay comparable
    windows: list[tuple[date | None, date | None, str]] = []
    taken: list[range] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() in r or m.end() - 1 in r for r in taken) or _a_name(kind, m, text):
                continue
            if kind == "calendar" and _LOWER_MONTH.search(m.group("expr")):  # "on Tuesday march to …"
                continue
            try:
                found = _window(kind, m, base)
            except OverflowError:  # "in the past 999 years" near year 1000: no such window
                continue
            if found is None or (found[0] is not None and found[0] > base):
                continue
            taken.append(range(m.start(), m.end()))
            windows.append((found[0], min(found[1], base) if found[1] else None, m.group(0).strip()))
    if windows:
        starts, ends = [w[0] for w in windows], [w[1] for w in windows]
        since = None if None in starts else min(d for d in starts if d is not None)
        until = None if None in ends else max(d for d in ends if d is not None)
        return TimeWindow(
            as_of, since.isoformat() if since else None, until.isoformat() if until else None,
            recency=False, expression="; ".join(w[2] for w in windows),
        )  # fmt: skip
    recent = _RECENCY.search(text)
    if recent:
        return TimeWindow(as_of, recency=True, expression=recent.group(0))
    return TimeWindow(as_of)


def _a_name(kind: str, m: re.Match[str], text: str) -> bool:
    """A relative word capitalised inside the question is part of a name ("USA Today", "This Week"),
    and so is a day after "Black", "Super", "Good", … ("Super Tuesday", "Black Friday")."""
    if kind == "weekday":  # "the Monday Club", "Tuesday Group": a bare day before a capitalised word
        bare = m.start() == m.start("day") and re.match(r"\s+[A-Z]", text[m.end() :]) is not None
        return bare or bool(_NAMED_DAY.search(text[: m.start()]))
    return kind in ("relative", "this_week") and m.start() > 0 and m.group(0)[:1].isupper()


STALE_DAYS = 7  # a "latest"/"currently" answer from a report older than this (before the as-of date) says so


def time_note(window: TimeWindow, newest: str | None, widened: bool = False) -> str | None:
    """What an answer says before itself about time (None: nothing to say), given the newest date
    among its citations: that nothing in the window answered (`widened`), and, for "latest"
    questions, that its newest report is older than STALE_DAYS before the as-of date ("As of 20 May
    2019 (the newest report found).")."""
    parts = []
    if widened:
        found = f"reports as of {human(newest)}" if newest else "undated reports"
        parts.append(f"Nothing dated {window.describe()} answers this; the answer comes from {found}.")
    cutoff = date.fromisoformat(window.as_of) - timedelta(days=STALE_DAYS)
    if window.recency and newest is not None and date.fromisoformat(newest[:10]) < cutoff:
        parts.append(f"As of {human(newest)} (the newest report found).")
    return " ".join(parts) or None
