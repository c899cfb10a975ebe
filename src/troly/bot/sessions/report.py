"""The session report: who came, the topics raised, promises and their status (table, CSV).

Holds business identity only (name, tax code), never the representative's name or phone.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.sessions import notices, promises
from troly.bot.sessions.model import Booking, DialogueSession, Promise
from troly.bot.settings import Settings
from troly.bot.topics import topic_label

COLUMNS = (
    "code",
    "business",
    "tax_code",
    "topic",
    "status",
    "conclusion",
    "promise",
    "department",
    "due",
    "promise_status",
)


@dataclass(frozen=True, slots=True)
class Report:
    """A session's report: its rows (one per booking or promise) and the topic counts."""

    title: str
    rows: tuple[dict[str, str], ...]
    topics: tuple[tuple[str, int], ...]

    def table(self) -> str:
        """The report as a plain-text table."""
        widths = {c: max([len(c), *(len(r[c]) for r in self.rows)]) for c in COLUMNS}
        lines = [self.title, ""]
        lines.append("  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip())
        lines.append("  ".join("-" * widths[c] for c in COLUMNS))
        for row in self.rows:
            lines.append("  ".join(row[c].ljust(widths[c]) for c in COLUMNS).rstrip())
        lines.append("")
        lines.extend(f"{label}: {count}" for label, count in self.topics)
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        """The report as CSV (a header, then one line per row)."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


async def session_report(
    session: AsyncSession, row: DialogueSession, *, now: datetime, settings: Settings
) -> Report:
    """Builds the report of one session."""
    query = select(Booking).where(Booking.session_id == row.id).order_by(Booking.id)
    bookings = list((await session.execute(query)).scalars())
    made = await promises.promises_of(session, [b.id for b in bookings])
    by_booking: dict[int, list[Promise]] = {}
    for promise in made:
        by_booking.setdefault(promise.booking_id, []).append(promise)
    rows: list[dict[str, str]] = []
    for booking in bookings:
        base = {
            "code": booking.code,
            "business": booking.business_name,
            "tax_code": booking.business_tax_code(),
            "topic": topic_label(booking.topic, "vi"),
            "status": "cancelled_late" if booking.cancelled_late else booking.status,
            "conclusion": booking.conclusion or "",
        }
        empty = {"promise": "", "department": "", "due": "", "promise_status": ""}
        if booking.id not in by_booking:
            rows.append({**base, **empty})
        for promise in by_booking.get(booking.id, []):
            status = "overdue" if promise.is_overdue(now) else promise.status
            rows.append(
                {
                    **base,
                    "promise": promise.code,
                    "department": promise.department,
                    "due": promise.due_at.astimezone(ZoneInfo(settings.timezone))
                    .date()
                    .isoformat(),
                    "promise_status": status,
                }
            )
    raised = Counter(topic_label(b.topic, "vi") for b in bookings if b.status == "attended")
    title = f"Buổi tiếp doanh nghiệp {notices.session_label(row, settings)} ({row.status})"
    if row.departments:
        title += "\nThành phần / attending: " + ", ".join(row.departments)
    return Report(title, tuple(rows), tuple(raised.most_common()))
