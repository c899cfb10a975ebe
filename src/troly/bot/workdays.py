"""Vietnamese working-day calendar: deadlines, reminder points and lead times in office time.

Pure: public holidays come from the ``holidays`` package (country VN); no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

_ONE_DAY = timedelta(days=1)
# Far more than any real run of days off (Tết is at most 9 in a row); stops a runaway loop
# when a misconfigured calendar has no working day at all.
_MAX_DAYS_OFF_IN_A_ROW = 366


class WorkCalendar:
    """Working days and office hours of a Vietnamese government office.

    A day is a working day when it is Monday to Friday and not a public holiday (observed and
    substituted days included), or when it is a weekend make-up day announced by the
    government. ``extra_holidays`` and ``extra_working_days`` add a province's own
    announcements and win over everything else.

    Deadlines follow the one-stop rules (Nghị định 61/2018, Thông tư 01/2018) and the Civil
    Code (Điều 147, the first day of a period is not counted): a receipt counts on the day it
    arrives if that is a working day and it arrives by the cut-off (15:00), otherwise on the
    next working day; N working days then end at closing time (17:00) of the Nth working day
    after that receipt day. Fractions of a day are office time (half a day is 4.5 hours with
    the default 08:00–17:00, taken as one continuous span).
    """

    def __init__(
        self,
        tz: str = "Asia/Ho_Chi_Minh",
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        *,
        cutoff: time = time(15, 0),
        opens: time = time(8, 0),
        closes: time = time(17, 0),
    ) -> None:
        if not opens < closes:
            raise ValueError("office hours must open before they close")
        if any(t.tzinfo is not None for t in (cutoff, opens, closes)):
            raise ValueError("office hours and cut-off are wall-clock times without a zone")
        self.tz = ZoneInfo(tz)
        self.cutoff = cutoff
        self.opens = opens
        self.closes = closes
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_working_days = frozenset(extra_working_days)
        both = self.extra_holidays & self.extra_working_days
        if both:
            raise ValueError(f"days both off and working: {sorted(both)}")
        self._holidays = holidays.country_holidays("VN", observed=True)
        self._day_length = datetime.combine(date.min, closes) - datetime.combine(date.min, opens)

    @property
    def day_length(self) -> timedelta:
        """Office time in one working day."""
        return self._day_length

    def holiday_name(self, d: date) -> str | None:
        """Returns the name of the public holiday on ``d``, if there is one."""
        name: str | None = self._holidays.get(d)
        return name

    def is_working_day(self, d: date) -> bool:
        """Tells whether government offices are open on ``d``."""
        if d in self.extra_working_days:
            return True
        if d in self.extra_holidays or d in self._holidays:
            return False
        if d in self._holidays.weekend_workdays:
            return True
        return d.weekday() < 5

    def next_working_day_on_or_after(self, d: date) -> date:
        """Returns ``d`` when it is a working day, otherwise the first working day after it."""
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(d):
                return d
            d += _ONE_DAY
        raise ValueError("no working day within a year")

    def next_working_day_after(self, d: date) -> date:
        """Returns the first working day strictly after ``d``."""
        return self.next_working_day_on_or_after(d + _ONE_DAY)

    def previous_working_day_before(self, d: date) -> date:
        """Returns the last working day strictly before ``d``."""
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            d -= _ONE_DAY
            if self.is_working_day(d):
                return d
        raise ValueError("no working day within a year")

    def receipt_day(self, received: datetime) -> date:
        """Returns the working day a receipt counts on (after the cut-off: the next one)."""
        local = self._local(received)
        day = local.date()
        if self.is_working_day(day) and local.time() <= self.cutoff:
            return day
        return self.next_working_day_after(day)

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """Returns the deadline ``days`` working days after a receipt at ``start``.

        Whole days end at closing time: 10 working days from a Friday-morning receipt end at
        17:00 on the tenth working day after that Friday. Zero days is closing time of the
        receipt day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        clock_starts = self._at(self.receipt_day(start), self.closes)
        return self._advance(clock_starts, self._day_length * days)

    def working_days_between(self, a: datetime, b: datetime) -> float:
        """Measures the office time from ``a`` to ``b`` in working days (negative if b < a)."""
        a, b = self._local(a), self._local(b)
        if b < a:
            return -self._office_time(b, a) / self._day_length
        return self._office_time(a, b) / self._day_length

    def point_in_time(self, start: datetime, deadline: datetime, fraction: float) -> datetime:
        """Returns the moment ``fraction`` of the office time from start to deadline has run.

        Used for reminders at 50% and 80%: the result always lies in office hours of a working
        day, never on a weekend or holiday.
        """
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        start, deadline = self._local(start), self._local(deadline)
        if deadline < start:
            raise ValueError("deadline must not be before start")
        return self._advance(start, self._office_time(start, deadline) * fraction)

    def working_days_before(self, moment: datetime, n: float) -> datetime:
        """Returns the moment ``n`` working days of office time before ``moment``.

        A deadline at 17:00 on Friday minus one working day is 17:00 on Thursday, so "at least
        one working day before" is met by Thursday's close.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        return self._retreat(moment, self._day_length * n)

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime")
        return moment.astimezone(self.tz)

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def _in_office(self, local: datetime) -> bool:
        return self.is_working_day(local.date()) and self.opens <= local.time() <= self.closes

    def _advance(self, moment: datetime, amount: timedelta) -> datetime:
        """Moves forward by ``amount`` of office time; an exact fit ends at a day's close."""
        current = self._local(moment)
        if not self._in_office(current):
            day = current.date()
            if not (self.is_working_day(day) and current.time() < self.opens):
                day = self.next_working_day_after(day)
            current = self._at(day, self.opens)
        while True:
            close = self._at(current.date(), self.closes)
            if amount <= close - current:
                return current + amount
            amount -= close - current
            current = self._at(self.next_working_day_after(current.date()), self.opens)

    def _retreat(self, moment: datetime, amount: timedelta) -> datetime:
        """Moves back by ``amount`` of office time; an exact fit ends at the previous close."""
        current = self._local(moment)
        if not self._in_office(current):
            day = current.date()
            if not (self.is_working_day(day) and current.time() > self.closes):
                day = self.previous_working_day_before(day)
            current = self._at(day, self.closes)
        while True:
            opening = self._at(current.date(), self.opens)
            if amount < current - opening or amount == timedelta(0):
                return current - amount
            amount -= current - opening
            current = self._at(self.previous_working_day_before(current.date()), self.closes)

    def _office_time(self, a: datetime, b: datetime) -> timedelta:
        """Office time in [a, b] for a <= b."""
        a, b = self._local(a), self._local(b)
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo = max(a, self._at(day, self.opens))
                hi = min(b, self._at(day, self.closes))
                if hi > lo:
                    total += hi - lo
            day += _ONE_DAY
        return total
