"""Follow-up handlers of petitions: each re-reads the petition and acts only if still due.

They run in the follow-up's transaction (``FollowupRun.session``): their events and outbox
rows commit together with the follow-up being marked done, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.followups import FollowupHandler, FollowupRun, Preloader, schedule
from troly.bot.messages import Notice, Reply
from troly.bot.petitions import render
from troly.bot.petitions import schedule as plan
from troly.bot.petitions.model import OPEN_STATUSES, Petition, Status
from troly.bot.petitions.service import (
    by_code,
    day_text,
    record,
    to_business,
    to_person,
    to_staff,
    to_staff_chat,
    work_calendar,
)
from troly.bot.petitions.service import (
    preload as preload_petitions,
)
from troly.bot.settings import Settings
from troly.bot.staff import list_staff
from troly.bot.storage.models import Followup
from troly.bot.texts import t

logger = logging.getLogger(__name__)

NEW_DATE_ARROW = " → "
"""Between the old and the new date in a ``new_date`` event's note."""
LO = render.STAFF_LOCALE


async def _petition(run: FollowupRun) -> Petition | None:
    return await by_code(run.session, run.followup.ref, lock=True)


async def _alert_supervisors(run: FollowupRun, petition: Petition, text: str) -> None:
    await to_staff(run.session, petition, Reply(text), now=run.now, settings=run.settings)
    for member in await list_staff(run.session, role="supervisor", channel="telegram"):
        to_person(run.session, member.user_id, Reply(text), now=run.now)


async def on_unassigned(run: FollowupRun) -> None:
    """Tells the supervisors that nobody took a petition within a working day."""
    petition = await _petition(run)
    if petition is None or not petition.is_open or petition.assignee is not None:
        return
    text = t("staff.unassigned_alert", LO, code=petition.code)
    await _alert_supervisors(run, petition, text)
    record(run.session, petition, now=run.now, actor="system", kind="escalated_unassigned")
    logger.info("petition %s escalated: unassigned", petition.code)


async def on_remind(run: FollowupRun) -> None:
    """Reminds the assignee (50%, 80% of the time) of the deadline."""
    petition = await _petition(run)
    if petition is None or not petition.is_open:
        return
    text = t(
        "staff.reminder",
        LO,
        code=petition.code,
        percent=run.followup.payload.get("percent", ""),
        deadline=day_text(petition.deadline, run.settings),
        assignee=petition.assignee_name or t("staff.nobody", LO),
    )
    await to_staff(run.session, petition, Reply(text), now=run.now, settings=run.settings)
    if petition.assignee is not None:
        to_person(run.session, petition.assignee, Reply(text), now=run.now)
    record(
        run.session,
        petition,
        now=run.now,
        actor="system",
        kind="reminded",
        note=str(run.followup.payload.get("percent", "")),
    )


async def on_apology(run: FollowupRun) -> None:
    """One working day before a deadline that will be missed: apologise with one new date."""
    petition = await _petition(run)
    if petition is None or not petition.is_open or petition.new_date_set:
        return
    cal = work_calendar(run.settings)
    # N working days after the deadline's day (a 17:00 deadline would otherwise count as
    # received after the cut-off and add a day).
    deadline_day = petition.deadline.astimezone(cal.tz).date()
    start = datetime.combine(deadline_day, cal.opens, tzinfo=cal.tz)
    new_date = cal.add_working_days(start, run.settings.petition_extension_days)
    await set_new_date(
        run.session,
        petition,
        new_date,
        now=run.now,
        settings=run.settings,
        reason=None,
        actor="system",
        actor_id=None,
        running=run.followup.id,
    )


async def set_new_date(
    session: AsyncSession,
    petition: Petition,
    new_date: datetime,
    *,
    now: datetime,
    settings: Settings,
    reason: str | None,
    actor: str,
    actor_id: str | None,
    running: int | None = None,
) -> None:
    """Moves the deadline once, apologises to the business and tells the topic."""
    old = petition.deadline
    petition.deadline = new_date
    petition.apologised_at = now
    petition.new_date_reason = reason
    locale = petition.locale
    reason_text = reason or t("petition.apology_default_reason", locale)
    apology = t(
        "petition.apology",
        locale,
        code=petition.code,
        old=day_text(old, settings, locale),
        new=day_text(new_date, settings, locale),
        reason=reason_text,
    )
    notice = Notice(
        "petition_apology",
        {
            "code": petition.code,
            "old_date": day_text(old, settings),
            "new_date": day_text(new_date, settings),
        },
    )
    reply = Reply(apology, render.business_buttons(petition), notice=notice)
    to_business(session, petition, reply, now=now)
    note = f"{day_text(old, settings)}{NEW_DATE_ARROW}{day_text(new_date, settings)}"
    record(session, petition, now=now, actor=actor, actor_id=actor_id, kind="new_date", note=note)
    staff_text = t(
        "staff.new_date_set",
        LO,
        code=petition.code,
        new=day_text(new_date, settings),
        reason=reason or t("staff.auto_reason", LO),
    )
    await to_staff(session, petition, Reply(staff_text), now=now, settings=settings)
    await plan.moved_deadline(session, petition, now=now, settings=settings, running=running)
    logger.info("petition %s new date set by %s", petition.code, actor)


def moved_to(note: str | None) -> date | None:
    """The new date a ``new_date`` event's note names (``14/12/2026 → 28/12/2026``)."""
    _old, arrow, new = (note or "").partition(NEW_DATE_ARROW)
    parts = new.strip().split("/")
    if not arrow or len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None


async def on_overdue(run: FollowupRun) -> None:
    """Tells the supervisors that a petition passed its deadline unanswered."""
    petition = await _petition(run)
    if petition is None or not petition.is_overdue(run.now):
        return
    text = t(
        "staff.overdue_alert",
        LO,
        code=petition.code,
        deadline=day_text(petition.deadline, run.settings),
        assignee=petition.assignee_name or t("staff.nobody", LO),
    )
    await _alert_supervisors(run, petition, text)
    record(run.session, petition, now=run.now, actor="system", kind="escalated_overdue")
    logger.info("petition %s escalated: overdue", petition.code)


async def on_rating(run: FollowupRun) -> None:
    """Asks the business to rate the answer (1–5), or to say it is not settled."""
    petition = await _petition(run)
    if petition is None or petition.status != Status.ANSWERED or petition.rating is not None:
        return
    text = t("petition.rate_prompt", petition.locale, code=petition.code)
    to_business(run.session, petition, Reply(text, render.rating_buttons(petition)), now=run.now)
    record(run.session, petition, now=run.now, actor="system", kind="rating_asked")


async def on_autoclose(run: FollowupRun) -> None:
    """Closes an answered petition the business did not reply to in time."""
    petition = await _petition(run)
    if petition is None or petition.status != Status.ANSWERED:
        return
    petition.closed_at = run.now
    record(
        run.session,
        petition,
        now=run.now,
        actor="system",
        kind="auto_closed",
        to_status=Status.CLOSED,
    )
    text = t("petition.auto_closed", petition.locale, code=petition.code)
    to_business(run.session, petition, Reply(text), now=run.now)
    staff = t("staff.auto_closed", LO, code=petition.code)
    await to_staff(run.session, petition, Reply(staff), now=run.now, settings=run.settings)
    await plan.stop_all(run.session, petition, running=run.followup.id)


def next_digest_at(after: datetime, settings: Settings) -> datetime:
    """The next digest time (08:00 on a working day) strictly after ``after``."""
    zone = ZoneInfo(settings.timezone)
    hour, minute = (int(x) for x in settings.petition_digest_time.split(":"))
    cal = work_calendar(settings)
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(400):
        moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if moment > local and cal.is_working_day(day):
            return moment
        day += timedelta(days=1)
    raise ValueError("no working day within a year")


async def ensure_digest(session: AsyncSession, *, now: datetime, settings: Settings) -> bool:
    """Schedules the next daily digest (idempotent by its date); the app calls it on start."""
    due = next_digest_at(now - timedelta(minutes=1), settings)
    key = f"digest:{due.date().isoformat()}"
    return await schedule(session, kind=plan.DIGEST, ref="digest", due_at=due, now=now, key=key)


async def on_digest(run: FollowupRun) -> None:
    """The 08:00 digest to the staff group: new, due today, overdue; then the next one."""
    session, now, settings = run.session, run.now, run.settings
    zone = ZoneInfo(settings.timezone)
    today = now.astimezone(zone).date()
    open_rows = (
        await session.execute(
            select(Petition)
            .where(Petition.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Petition.deadline)
        )
    ).scalars()
    new, due_today, overdue = [], [], []
    for p in open_rows:
        if p.deadline < now:
            overdue.append(p)
        elif p.deadline.astimezone(zone).date() == today:
            due_today.append(p)
        if p.status == Status.RECEIVED and p.assignee is None:
            new.append(p)

    def codes(items: list[Petition]) -> str:
        return ", ".join(p.code for p in items[:30]) or "—"

    text = t(
        "staff.digest",
        LO,
        day=today.strftime("%d/%m/%Y"),
        new=len(new),
        new_codes=codes(new),
        due=len(due_today),
        due_codes=codes(due_today),
        overdue=len(overdue),
        overdue_codes=codes(overdue),
    )
    to_staff_chat(session, Reply(text, kind="petition:digest"), now=now, settings=settings)
    following = next_digest_at(now, settings)
    await schedule(
        session,
        kind=plan.DIGEST,
        ref="digest",
        due_at=following,
        now=now,
        key=f"digest:{following.date().isoformat()}",
    )


async def preload(session: AsyncSession, rows: Sequence[Followup]) -> None:
    """A batch's petitions locked and their topics loaded at once (the digest has no ref)."""
    await preload_petitions(session, {row.ref for row in rows if row.kind != plan.DIGEST})


def preloaders() -> dict[str, Preloader]:
    """The petition follow-up kinds that preload their batch."""
    return {kind: preload for kind in handlers() if kind != plan.DIGEST}


def handlers() -> dict[str, FollowupHandler]:
    """The petition follow-up handlers, by kind."""
    return {
        plan.UNASSIGNED: on_unassigned,
        plan.REMIND: on_remind,
        plan.APOLOGY: on_apology,
        plan.OVERDUE: on_overdue,
        plan.RATING: on_rating,
        plan.AUTOCLOSE: on_autoclose,
        plan.DIGEST: on_digest,
    }
