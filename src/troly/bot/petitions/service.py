"""Recording petitions and telling people: codes, events, the staff topic, the business.

Helpers run inside the caller's transaction and never commit. Logs carry codes only.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import localised
from troly.bot.codes import new_code
from troly.bot.console.accounts import CONSOLE_CHANNEL
from troly.bot.messages import Reply
from troly.bot.outbox import enqueue, first_of_kind
from troly.bot.petitions.model import OPEN_STATUSES, Petition, PetitionEvent, Status
from troly.bot.settings import Settings
from troly.bot.staff_topics import THREAD_PREFIX, open_topic, preload_topics
from troly.bot.topics import topic_label
from troly.bot.workdays import WorkCalendar

logger = logging.getLogger(__name__)

PREFIX = "PA"
STAFF_CHANNEL = "telegram"


@cache
def calendar(timezone: str) -> WorkCalendar:
    """The working-day calendar of the province's time zone (built once)."""
    return WorkCalendar(timezone)


def work_calendar(settings: Settings) -> WorkCalendar:
    """The working-day calendar for these settings."""
    return calendar(settings.timezone)


def day_text(moment: datetime, settings: Settings, locale: str = "vi") -> str:
    """A moment's date: ``14/12/2026``, or ``Mon 14 Dec 2026`` in English."""
    return localised.day(moment, settings, locale)


def time_text(moment: datetime, settings: Settings) -> str:
    """A moment as ``09:05 14/12/2026`` in the province's time."""
    return moment.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M %d/%m/%Y")


async def unused_code(session: AsyncSession) -> str:
    """A fresh random tracking code not used yet (the unique key catches any race)."""
    for _ in range(8):
        code = new_code(PREFIX)
        taken = await session.execute(select(Petition.id).where(Petition.code == code))
        if taken.first() is None:
            return code
    raise RuntimeError("no free petition code after 8 tries")


LOCKED = "petitions.locked"
"""``session.info`` key: the petitions this transaction has already locked, by code."""


async def lock_many(session: AsyncSession, codes: Collection[str]) -> None:
    """Locks the petitions with these codes in one query, in id order, and remembers them.

    ``by_code(lock=True)`` in the same transaction then asks the database no more.
    """
    if not codes:
        return
    query = (
        select(Petition).where(Petition.code.in_(sorted(codes))).order_by(Petition.id)
    ).with_for_update()
    locked: dict[str, Petition] = session.info.setdefault(LOCKED, {})
    for petition in (await session.execute(query)).scalars():
        locked[petition.code] = petition


async def by_code(session: AsyncSession, code: str, *, lock: bool = False) -> Petition | None:
    """The petition with this code (locked for update when asked)."""
    if lock and (held := session.info.get(LOCKED, {}).get(code)) is not None:
        return held  # type: ignore[no-any-return]
    query = select(Petition).where(Petition.code == code)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def open_code(channel: Any, user_id: Any) -> ScalarSelect[Any]:
    """The query of a chat user's newest open petition code (received to reopened).

    One value or NULL: the dialogue asks it with the conversation, in one statement (the
    channel and user id are its bound parameters).
    """
    return (
        select(Petition.code)
        .where(Petition.channel == channel)
        .where(Petition.user_id == user_id)
        .where(Petition.status.in_(OPEN_STATUSES))
        .order_by(Petition.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def create(
    session: AsyncSession,
    draft: Mapping[str, Any],
    *,
    channel: str,
    user_id: str,
    locale: str,
    now: datetime,
    settings: Settings,
) -> Petition:
    """Records a new petition from a confirmed draft, with its first event."""
    deadline = work_calendar(settings).add_working_days(now, settings.petition_answer_days)
    consent = bool(draft.get("consent"))
    petition = Petition(
        code=await unused_code(session),
        channel=channel,
        user_id=user_id,
        locale=locale,
        topic=str(draft.get("topic") or "khac"),
        description=str(draft.get("description") or ""),
        commune_code=draft.get("commune_code"),
        commune_name=draft.get("commune_name"),
        public=bool(draft.get("public")),
        consent=consent,
        # No consent, no personal data: only what the business agreed to is kept.
        business_name=draft.get("business_name") if consent else None,
        tax_code=draft.get("tax_code") if consent else None,
        phone=draft.get("phone") if consent else None,
        attachments=list(draft.get("attachments") or []),
        status=Status.RECEIVED.value,
        received_at=now,
        deadline=deadline,
        original_deadline=deadline,
        round=1,
        updated_at=now,
    )
    session.add(petition)
    await session.flush()
    record(
        session,
        petition,
        now=now,
        actor="business",
        actor_id=user_id,
        kind="filed",
        to_status=Status.RECEIVED,
    )
    logger.info("petition %s filed", petition.code)
    return petition


def record(
    session: AsyncSession,
    petition: Petition,
    *,
    now: datetime,
    actor: str,
    kind: str,
    actor_id: str | None = None,
    to_status: Status | None = None,
    note: str | None = None,
) -> PetitionEvent:
    """Adds an event to the audit trail, moving the status when ``to_status`` is given."""
    before = petition.status
    if to_status is not None:
        petition.status = to_status.value
    petition.updated_at = now
    event = PetitionEvent(
        petition_id=petition.id,
        at=now,
        actor=actor,
        actor_id=actor_id,
        kind=kind,
        from_status=before if to_status is not None else None,
        to_status=to_status.value if to_status is not None else None,
        note=note,
    )
    session.add(event)
    return event


async def events_of(session: AsyncSession, petition: Petition) -> list[PetitionEvent]:
    """The petition's events, oldest first."""
    query = (
        select(PetitionEvent)
        .where(PetitionEvent.petition_id == petition.id)
        .order_by(PetitionEvent.id)
    )
    return list((await session.execute(query)).scalars())


def topic_key(petition: Petition) -> str:
    """The staff-topic key of a petition."""
    return key_of_code(petition.code)


def key_of_code(code: str) -> str:
    """The staff-topic key of the petition with this code."""
    return f"petition:{code}"


async def preload(session: AsyncSession, codes: Collection[str]) -> None:
    """Locks a batch's petitions and loads their staff topics, one query each."""
    await lock_many(session, codes)
    await preload_topics(session, [key_of_code(code) for code in codes])


async def to_staff(
    session: AsyncSession, petition: Petition, reply: Reply, *, now: datetime, settings: Settings
) -> bool:
    """Queues a message in the petition's forum topic; False when no staff group is set."""
    if settings.staff_chat_id is None:
        return False
    chat = str(settings.staff_chat_id)
    name = f"{petition.code} · {topic_label(petition.topic, 'vi')}"
    thread = await open_topic(session, key=topic_key(petition), chat_id=chat, name=name, now=now)
    enqueue(session, channel=STAFF_CHANNEL, recipient=chat, reply=reply, now=now, thread=thread)
    return True


async def edit_staff_card(
    session: AsyncSession, petition: Petition, card: Reply, *, now: datetime, settings: Settings
) -> bool:
    """Queues the rewrite of the card that opened the petition's topic, with ``card``.

    So the card itself says who took the petition and stops offering «Nhận xử lý». False
    when there is no staff group or the card's row is gone (retention): nothing to edit.
    """
    if settings.staff_chat_id is None:
        return False
    chat = str(settings.staff_chat_id)
    thread = THREAD_PREFIX + topic_key(petition)
    first = await first_of_kind(
        session, channel=STAFF_CHANNEL, recipient=chat, thread=thread, kind=card.kind or ""
    )
    if first is None:
        return False
    enqueue(
        session,
        channel=STAFF_CHANNEL,
        recipient=chat,
        reply=card,
        now=now,
        thread=thread,
        edit_of=first,
    )
    return True


def to_staff_chat(
    session: AsyncSession, reply: Reply, *, now: datetime, settings: Settings
) -> bool:
    """Queues a message in the staff group's general topic (the digest)."""
    if settings.staff_chat_id is None:
        return False
    enqueue(
        session, channel=STAFF_CHANNEL, recipient=str(settings.staff_chat_id), reply=reply, now=now
    )
    return True


def to_person(session: AsyncSession, user_id: str, reply: Reply, *, now: datetime) -> None:
    """Queues a private message to a staff member (on Telegram: web-only staff have none)."""
    if user_id.startswith(f"{CONSOLE_CHANNEL}:"):
        # Someone who signs in only on the web sees reminders in the console's lists.
        return
    enqueue(session, channel=STAFF_CHANNEL, recipient=user_id, reply=reply, now=now)


def to_business(session: AsyncSession, petition: Petition, reply: Reply, *, now: datetime) -> None:
    """Queues a message to the business, on the channel it filed from."""
    aside = replace(reply, aside=True)  # the business did not just ask for it
    enqueue(session, channel=petition.channel, recipient=petition.user_id, reply=aside, now=now)
