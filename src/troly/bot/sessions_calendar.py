"""Dates of the chairman's monthly business reception and when registration for each closes.

Pure: the day of the month, the hour and the registration lead are settings passed in
(defaults: third Thursday, 14:00, closes 3 working days before).
"""

from __future__ import annotations

import calendar as stdcalendar
from datetime import date, datetime, time

from troly.bot.workdays import WorkCalendar

THURSDAY = 3


def session_start(
    year: int,
    month: int,
    *,
    calendar: WorkCalendar,
    weekday: int = THURSDAY,
    nth: int = 3,
    at: time = time(14, 0),
) -> datetime:
    """Returns when the month's session starts; a day off moves it to the next working day.

    Args:
        year: the year.
        month: the month, 1–12.
        calendar: the working-day calendar whose zone the result is in.
        weekday: Monday is 0, Thursday 3.
        nth: which such weekday of the month, 1–5.
        at: the wall-clock start time.
    """
    nominal = _nth_weekday(year, month, weekday, nth)
    if nominal is None:
        raise ValueError(f"{year}-{month:02d} has no weekday {weekday} number {nth}")
    return datetime.combine(calendar.next_working_day_on_or_after(nominal), at, tzinfo=calendar.tz)


def registration_closes(
    start: datetime, *, calendar: WorkCalendar, working_days_before: float = 3
) -> datetime:
    """Returns when registration for a session starting at ``start`` closes."""
    return calendar.working_days_before(start, working_days_before)


def upcoming_sessions(
    now: datetime,
    months: int = 3,
    *,
    calendar: WorkCalendar,
    weekday: int = THURSDAY,
    nth: int = 3,
    at: time = time(14, 0),
) -> tuple[datetime, ...]:
    """Returns the next ``months`` sessions (one a month) that start after ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")
    local = now.astimezone(calendar.tz)
    # Start a month back: last month's session may have moved past a holiday into this one.
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    sessions: list[datetime] = []
    while len(sessions) < months:
        # A fifth weekday is missing from some months: those months have no session.
        if _nth_weekday(year, month, weekday, nth) is not None:
            start = session_start(year, month, calendar=calendar, weekday=weekday, nth=nth, at=at)
            if start > now:
                sessions.append(start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(sessions)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    if not 0 <= weekday <= 6:
        raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
    if not 1 <= nth <= 5:
        raise ValueError("nth is 1 to 5")
    day = 1 + (weekday - date(year, month, 1).weekday()) % 7 + 7 * (nth - 1)
    return date(year, month, day) if day <= stdcalendar.monthrange(year, month)[1] else None
