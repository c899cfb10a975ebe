"""Erasing a closed petition's personal data once the retention has passed (Luật 91/2025/QH15).

What goes: the business's name, tax code and phone; the chat identity that links the petition
to a person's account; the description, the answer, the messages exchanged and the rating
comment (free text that may name people, addresses, phone numbers); the files' references and
the copies kept for Zalo and the web; and, for every message, the outbox's copy once it is
older than the retention (web uploads no petition took go once that old too). What stays,
for statistics: the code, topic, commune, channel, dates, status, rating, the assignee (the
province's own staff) and the events without their text. The same
daily follow-up deletes the question log's rows older than its own retention (a question may
name a person), and the dossier follows ended longer ago than theirs. Running it twice changes
nothing. Must not import handlers.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.answers import forget_questions_before
from troly.bot.dossiers.follows import forget_ended_before
from troly.bot.files import UNCLAIMED
from troly.bot.followups import FollowupHandler, FollowupRun, schedule
from troly.bot.outbox import forget_before
from troly.bot.petitions.files import file_owner
from troly.bot.petitions.model import Petition, PetitionEvent, Status
from troly.bot.petitions.service import record, work_calendar
from troly.bot.settings import Settings
from troly.bot.storage.models import SharedFile

logger = logging.getLogger(__name__)

RETENTION = "petition.retention"
ERASED = "erased_retention"
RUN_AT = time(1, 30)
FREE_TEXT_EVENTS = ("business_message", "staff_message", "answered", "rating_comment", "closed")
"""Events whose note is text someone wrote (the others hold dates, stars or staff names).

A ``closed`` event's note is the supervisor's reason for closing a petition unanswered.
"""


async def forget_closed_petitions(
    session: AsyncSession, *, now: datetime, settings: Settings
) -> int:
    """Erases the personal data of petitions closed before the retention; returns how many."""
    cutoff = now - timedelta(days=settings.petition_retention_days)
    query = (
        select(Petition)
        .where(Petition.status == Status.CLOSED.value)
        .where(Petition.closed_at < cutoff)
        .where(Petition.erased_at.is_(None))
        .order_by(Petition.id)
        .with_for_update()
    )
    petitions = list((await session.execute(query)).scalars())
    for petition in petitions:
        await _erase(session, petition, now=now, settings=settings)
    # A web upload no petition took (a draft left unfinished) is kept no longer than a petition.
    await session.execute(
        delete(SharedFile)
        .where(SharedFile.owner == UNCLAIMED)
        .where(SharedFile.created_at < cutoff)
    )
    if petitions:
        logger.info("retention: personal data of %s closed petitions erased", len(petitions))
    return len(petitions)


async def _erase(
    session: AsyncSession, petition: Petition, *, now: datetime, settings: Settings
) -> None:
    await session.execute(
        update(PetitionEvent)
        .where(PetitionEvent.petition_id == petition.id)
        .where(PetitionEvent.kind.in_(FREE_TEXT_EVENTS))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(PetitionEvent)
        .where(PetitionEvent.petition_id == petition.id)
        .where(PetitionEvent.actor == "business")
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(SharedFile).where(SharedFile.owner == file_owner(petition.code)))
    petition.user_id = ""
    petition.consent = False
    petition.business_name = petition.tax_code = petition.phone = None
    petition.description = ""
    petition.answer = None
    petition.rating_comment = None
    petition.new_date_reason = None
    petition.attachments = []
    petition.erased_at = now
    record(
        session,
        petition,
        now=now,
        actor="system",
        kind=ERASED,
        note=f"{settings.petition_retention_days}",
    )


def next_run_at(after: datetime, settings: Settings) -> datetime:
    """The next run (01:30 in the province's time) strictly after ``after``."""
    zone = work_calendar(settings).tz
    local = after.astimezone(zone)
    moment = datetime.combine(local.date(), RUN_AT, tzinfo=zone)
    return moment if moment > local else moment + timedelta(days=1)


async def ensure_retention(session: AsyncSession, *, now: datetime, settings: Settings) -> bool:
    """Schedules the next run (idempotent by its date); the app calls it on start."""
    due = next_run_at(now, settings)
    return await schedule(
        session, kind=RETENTION, ref="petitions", due_at=due, now=now, key=_key(due)
    )


def _key(due: datetime) -> str:
    return f"{RETENTION}:{due.date().isoformat()}"


async def on_retention(run: FollowupRun) -> None:
    """The daily run: erases what is past the retention, then schedules the next day's.

    The outbox's copies of messages older than the retention go too: they quote what the
    petitions held (the staff card, the summary before filing, the messages relayed).
    """
    await forget_closed_petitions(run.session, now=run.now, settings=run.settings)
    cutoff = run.now - timedelta(days=run.settings.petition_retention_days)
    if await forget_before(run.session, before=cutoff):
        logger.info("retention: old outbox messages deleted")
    asked = run.now - timedelta(days=run.settings.question_log_retention_days)
    if questions := await forget_questions_before(run.session, before=asked):
        logger.info("retention: %s old logged questions deleted", questions)
    ended = run.now - timedelta(days=run.settings.dossier_retention_days)
    if follows := await forget_ended_before(run.session, before=ended):
        logger.info("retention: %s ended dossier follows deleted", follows)
    following = next_run_at(run.now, run.settings)
    await schedule(
        run.session,
        kind=RETENTION,
        ref="petitions",
        due_at=following,
        now=run.now,
        key=_key(following),
    )


def handlers() -> dict[str, FollowupHandler]:
    """The retention follow-up handler, by kind."""
    return {RETENTION: on_retention}
