"""Calendar invites (``.ics``, RFC 5545) for a booked seat at the chairman's business reception.

Pure: builds bytes with ``icalendar``; sending them is a channel's job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress

PRODID = "-//Tro ly Doanh nghiep//troly//VI"
REMINDER_BEFORE = timedelta(days=1)


def calendar_invite(
    *,
    uid: str,
    title: str,
    start: datetime,
    duration: timedelta,
    location: str,
    description: str,
    organizer_email: str | None = None,
    stamp: datetime | None = None,
    sequence: int = 0,
    cancelled: bool = False,
) -> bytes:
    """Builds an invite with the zone's VTIMEZONE and a reminder one day before.

    With ``cancelled`` it is the withdrawal of that invite instead (``METHOD:CANCEL``,
    ``STATUS:CANCELLED``, no reminder): calendars that imported the invite remove the event
    of the same ``uid``, given a ``sequence`` at least that of the last invite sent.

    Args:
        uid: stable id of the booking; an update must reuse it.
        title: the event's summary.
        start: timezone-aware start; a ``zoneinfo`` zone is written as TZID + VTIMEZONE.
        duration: how long the session lasts.
        location: the meeting place.
        description: the event's description.
        organizer_email: written as ORGANIZER when given.
        stamp: DTSTAMP; defaults to ``start`` so the same booking always gives the same
            bytes. Pass the current time with a higher ``sequence`` when sending an update.
        sequence: revision number (RFC 5546), raised on every update.
        cancelled: build the cancellation of the event instead of the invite.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware start")
    if stamp is not None and (stamp.tzinfo is None or stamp.utcoffset() is None):
        raise ValueError("naive datetime: pass a timezone-aware stamp")
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")

    event = Event()
    event.add("uid", uid)
    # RFC 5545 wants DTSTAMP in UTC.
    event.add("dtstamp", (stamp if stamp is not None else start).astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", title)
    event.add("dtstart", start)
    event.add("dtend", start + duration)
    event.add("location", location)
    event.add("description", description)
    if organizer_email is not None:
        event.add("organizer", vCalAddress(f"mailto:{organizer_email}"))
    if cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    result: bytes = calendar.to_ical()
    return result
