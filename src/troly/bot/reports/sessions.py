"""Dialogue-session figures: registrations, approvals, waitlist, attendance, no-shows.

Per session of the period; and the promises of the period's sessions by department and
status, overdue first.

Holds no business identity (no name, no tax code). Must not import handlers or platform
libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.reports.period import Period
from troly.bot.sessions.model import Booking, BookingStatus, DialogueSession, Promise
from troly.bot.workdays import WorkCalendar

APPROVED = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
"""The statuses of a booking staff approved (a roll call turns confirmed into the other two)."""
PROMISE_STATES = ("overdue", "open", "done")
"""A promise is done, open (on track), or overdue: not done and past its due date."""


@dataclass(frozen=True, slots=True)
class SessionFigures:
    """One session's bookings, counted by what became of them."""

    session_id: int
    starts_at: datetime
    status: str
    seats: int
    registered: int
    approved: int
    declined: int
    waitlisted: int
    """Bookings that went on the waitlist (a seat may have come free for them later)."""
    cancelled: int
    attended: int
    no_show: int


async def session_figures(
    session: AsyncSession, period: Period, *, calendar: WorkCalendar
) -> list[SessionFigures]:
    """The sessions held (or planned) in the period, in date order, with their counts."""
    start, end = period.bounds(calendar.tz)
    rows = list(
        (
            await session.execute(
                select(DialogueSession)
                .where(DialogueSession.starts_at >= start)
                .where(DialogueSession.starts_at < end)
                .order_by(DialogueSession.starts_at, DialogueSession.id)
            )
        ).scalars()
    )
    bookings: dict[int, list[tuple[str, int | None]]] = {row.id: [] for row in rows}
    if rows:
        query = select(Booking.session_id, Booking.status, Booking.waitlist_seq).where(
            Booking.session_id.in_(list(bookings))
        )
        for session_id, status, waitlist_seq in await session.execute(query):
            bookings[session_id].append((status, waitlist_seq))
    figures = []
    for row in rows:
        found = bookings[row.id]

        def count(*statuses: str, found: list[tuple[str, int | None]] = found) -> int:
            return sum(1 for status, _ in found if status in statuses)

        figures.append(
            SessionFigures(
                session_id=row.id,
                starts_at=row.starts_at,
                status=row.status,
                seats=row.seats,
                registered=len(found),
                approved=count(*APPROVED),
                declined=count(BookingStatus.DECLINED),
                waitlisted=sum(1 for _, seq in found if seq is not None),
                cancelled=count(BookingStatus.CANCELLED),
                attended=count(BookingStatus.ATTENDED),
                no_show=count(BookingStatus.NO_SHOW),
            )
        )
    return figures


@dataclass(frozen=True, slots=True)
class PromiseLine:
    """One promise as the reports list it: whose, when due, in what state."""

    code: str
    session_id: int
    session_at: datetime
    department: str
    due_at: datetime
    state: str
    days_late: float | None
    """Working days past the due date, for an overdue promise."""


async def promise_lines(
    session: AsyncSession, period: Period, *, now: datetime, calendar: WorkCalendar
) -> list[PromiseLine]:
    """The promises made at the period's sessions, overdue first, then open, then done."""
    start, end = period.bounds(calendar.tz)
    query = (
        select(Promise, Booking.session_id, DialogueSession.starts_at)
        .join(Booking, Booking.id == Promise.booking_id)
        .join(DialogueSession, DialogueSession.id == Booking.session_id)
        .where(DialogueSession.starts_at >= start)
        .where(DialogueSession.starts_at < end)
    )
    lines = []
    for promise, session_id, session_at in await session.execute(query):
        state = "done" if promise.status == "done" else "open"
        if promise.is_overdue(now):
            state = "overdue"
        late = calendar.working_days_between(promise.due_at, now) if state == "overdue" else None
        lines.append(
            PromiseLine(
                code=promise.code,
                session_id=session_id,
                session_at=session_at,
                department=promise.department,
                due_at=promise.due_at,
                state=state,
                days_late=late,
            )
        )
    order = {state: n for n, state in enumerate(PROMISE_STATES)}
    return sorted(lines, key=lambda line: (order[line.state], line.due_at, line.code))


@dataclass(frozen=True, slots=True)
class PromiseCounts:
    """One department's promises by state."""

    department: str
    overdue: int
    open: int
    done: int

    @property
    def total(self) -> int:
        """All the department's promises."""
        return self.overdue + self.open + self.done


def promises_by_department(lines: list[PromiseLine]) -> list[PromiseCounts]:
    """Promises per department: those with overdue ones first (most overdue first)."""
    counts: dict[str, dict[str, int]] = {}
    for line in lines:
        counts.setdefault(line.department, dict.fromkeys(PROMISE_STATES, 0))[line.state] += 1
    rows = [PromiseCounts(dept, c["overdue"], c["open"], c["done"]) for dept, c in counts.items()]
    return sorted(rows, key=lambda row: (-row.overdue, -row.total, row.department))
