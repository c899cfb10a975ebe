"""Staff actions beside the staff group's buttons: ask for more information, and reopen.

Same shape and same rules as ``staff_actions`` (which registers these): the petition is locked,
the business is told on its own channel, the petition's staff topic sees what happened.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from troly.bot.effects import Applied, EffectResult
from troly.bot.messages import Reply
from troly.bot.petitions import render
from troly.bot.petitions import schedule as plan
from troly.bot.petitions.effects import StaffAction
from troly.bot.petitions.model import Petition, Status
from troly.bot.petitions.service import day_text, record, to_business, to_staff, work_calendar
from troly.bot.texts import t

LO = render.STAFF_LOCALE
MoreHandler = Callable[[StaffAction, Applied, Petition, str], Awaitable[EffectResult | None]]


READER: ContextVar[str] = ContextVar("staff_reader_locale", default=LO)
"""The language of the officer reading the action's own replies (the console: theirs; the
staff group: its language). What goes to the topic stays in the group's language."""


def _say(key: str, **values: object) -> EffectResult:
    return EffectResult(replies=(Reply(t(key, READER.get(), **values)),))


def _who(applied: Applied) -> str:
    return applied.incoming.display_name or applied.incoming.user_id


def record_exchange(applied: Applied, p: Petition, *, kind: str, note: str) -> None:
    """Records staff writing to the business (the writer takes an untaken petition)."""
    moving = Status.IN_PROGRESS if p.status in (Status.RECEIVED, Status.ASSIGNED) else None
    if p.assignee is None:
        p.assignee, p.assignee_name = applied.incoming.user_id, _who(applied)
    record(
        applied.session,
        p,
        now=applied.now,
        actor="staff",
        actor_id=applied.incoming.user_id,
        kind=kind,
        to_status=moving,
        note=note,
    )


async def ask_info(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    """Asks the business for more information; its answer comes back as an addition."""
    text = " ".join((effect.text or "").split())
    if not p.is_open:
        return _say("staff.not_open", code=p.code)
    if not text:
        return _say("staff.info_request_empty")
    now = applied.now
    record_exchange(applied, p, kind="info_requested", note=text)
    message = t("petition.info_requested", p.locale, code=p.code, text=text)
    to_business(
        applied.session,
        p,
        Reply(message, render.business_buttons(p), kind="petition:relay"),
        now=now,
    )
    staff = t("staff.info_requested", LO, code=p.code, name=_who(applied), text=text)
    await to_staff(applied.session, p, Reply(staff), now=now, settings=applied.settings)
    await plan.cancel_unassigned(applied.session, p)
    return _say("staff.relayed")


async def reopen(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    """Reopens an answered or closed petition (a supervisor, or its assignee).

    The new deadline is ``petition_reopen_days`` away; the business and the topic are told.
    """
    if p.status not in (Status.ANSWERED, Status.CLOSED):
        return _say("staff.reopen_not_answered", code=p.code)
    if role != "supervisor" and p.assignee != applied.incoming.user_id:
        return _say("staff.reopen_not_allowed", code=p.code)
    now, settings = applied.now, applied.settings
    await plan.stop_all(applied.session, p)
    p.round += 1
    p.closed_at = None
    p.deadline = work_calendar(settings).add_working_days(now, settings.petition_reopen_days)
    reason = " ".join((effect.text or "").split())[:500] or None
    record(
        applied.session,
        p,
        now=now,
        actor="staff",
        actor_id=applied.incoming.user_id,
        kind="reopened",
        to_status=Status.REOPENED,
        note=reason,
    )
    await plan.schedule_open(applied.session, p, start=now, now=now, settings=settings)
    deadline = day_text(p.deadline, settings)
    told = t("petition.reopened_by_staff", p.locale, code=p.code, deadline=deadline)
    to_business(applied.session, p, Reply(told, render.business_buttons(p)), now=now)
    staff = t("staff.reopened_by", LO, code=p.code, name=_who(applied), deadline=deadline)
    await to_staff(applied.session, p, Reply(staff), now=now, settings=settings)
    return None


MORE_ACTIONS: dict[str, MoreHandler] = {"ask_info": ask_info, "reopen": reopen}
