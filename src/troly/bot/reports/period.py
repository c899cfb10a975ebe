"""The period a report covers (a month, a quarter, a year, or a range of days) and its buckets.

Days are the province's calendar days; a period's bounds are aware datetimes in its zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("month", "quarter", "year", "custom")
MAX_DAYS = 3 * 366
"""The longest custom range (three years): a report over more is not what anyone reads."""
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar days ``first`` to ``last`` (both included), as picked: ``kind`` and ``key``."""

    kind: str
    first: date
    last: date

    @property
    def key(self) -> str:
        """The period as one query value: ``2026-11``, ``2026-Q4``, ``2026``, or a range."""
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def days(self) -> int:
        """How many calendar days it covers."""
        return (self.last - self.first).days + 1

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """Its start (midnight of the first day) and its end (midnight after the last)."""
        start = datetime.combine(self.first, time(0), tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone)
        return start, end

    @property
    def step(self) -> str:
        """The bucket its series use: days up to a month, weeks up to a quarter, else months."""
        if self.days <= 31:
            return "day"
        if self.days <= 92:
            return "week"
        return "month"

    def buckets(self, step: str | None = None) -> list[date]:
        """The first day of every bucket that meets the period, oldest first."""
        step = step or self.step
        start = bucket_of(self.first, step)
        found = []
        while start <= self.last:
            found.append(start)
            start = next_bucket(start, step)
        return found


def bucket_of(day: date, step: str) -> date:
    """The first day of the bucket ``day`` falls in (weeks start on Monday)."""
    if step == "day":
        return day
    if step == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(start: date, step: str) -> date:
    """The first day of the bucket after the one starting on ``start``."""
    if step == "day":
        return start + timedelta(days=1)
    if step == "week":
        return start + timedelta(days=7)
    return month_after(start)


def month_after(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month(year: int, number: int) -> Period:
    """The calendar month."""
    first = date(year, number, 1)
    return Period("month", first, month_after(first) - timedelta(days=1))


def quarter(year: int, number: int) -> Period:
    """The calendar quarter (1–4)."""
    first = date(year, 3 * number - 2, 1)
    last = month_after(date(year, 3 * number, 1)) - timedelta(days=1)
    return Period("quarter", first, last)


def year(number: int) -> Period:
    """The calendar year."""
    return Period("year", date(number, 1, 1), date(number, 12, 31))


def custom(first: date, last: date) -> Period | None:
    """The range of days, or None when it runs backwards or is longer than ``MAX_DAYS``."""
    if last < first or (last - first).days >= MAX_DAYS:
        return None
    return Period("custom", first, last)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse(key: str) -> Period | None:
    """The period a ``Period.key`` names, or None when it names none."""
    key = key.strip()
    try:
        if found := _MONTH.match(key):
            return month(int(found[1]), int(found[2]))
        if found := _QUARTER.match(key):
            return quarter(int(found[1]), int(found[2]))
        if found := _YEAR.match(key):
            return year(int(found[1])) if int(found[1]) >= 1 else None
    except ValueError:
        return None
    first, sep, last = key.partition("..")
    if sep:
        a, b = _day(first), _day(last)
        if a is not None and b is not None:
            return custom(a, b)
    return None


def picked(query: Mapping[str, str], today: date) -> Period:
    """The period a picker form asks for (``kind`` and its fields, or ``period``).

    Anything unreadable falls back to the current month, so a page always shows something.
    """
    kind = query.get("kind", "")
    chosen: Period | None = None
    if kind == "month":
        chosen = parse(query.get("month", ""))
    elif kind == "quarter":
        chosen = parse(f"{query.get('year', '')}-{query.get('quarter', '')}")
    elif kind == "year":
        chosen = parse(query.get("year", ""))
    elif kind == "custom":
        chosen = parse(f"{query.get('from', '')}..{query.get('to', '')}")
    if chosen is None and "period" in query:
        chosen = parse(query["period"])
    return chosen or month(today.year, today.month)
