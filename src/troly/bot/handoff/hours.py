"""When a person can be reached: the handoff hours of the province's working days.

Pure: the time comes in, the answer goes out; no database, no clock of its own.
"""

from __future__ import annotations

from datetime import datetime

from troly.bot.petitions.service import calendar
from troly.bot.settings import Settings, handoff_spans


def staffed(now: datetime, settings: Settings) -> bool:
    """Whether an officer can be asked for now: a working day, within the handoff hours.

    Off without a staff group (nobody would see the request) or with no hours set.
    """
    if settings.staff_chat_id is None:
        return False
    cal = calendar(settings.timezone)
    local = now.astimezone(cal.tz)
    if not cal.is_working_day(local.date()):
        return False
    moment = local.time().replace(tzinfo=None)
    return any(start <= moment < end for start, end in handoff_spans(settings.handoff_hours))


def hours_text(settings: Settings) -> str:
    """The handoff hours as people read them: ``07:30–11:30, 13:30–17:00``."""
    return ", ".join(
        f"{start:%H:%M}–{end:%H:%M}" for start, end in handoff_spans(settings.handoff_hours)
    )
