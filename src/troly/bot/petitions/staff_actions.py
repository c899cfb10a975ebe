"""Staff actions on a petition from the staff group, each checked against the roster.

Claim, reassign, new date, answer, close (an unanswered petition with a reason), and messages
written in the topic (text, photos, files) relayed to the business.

The roster is checked before anything else: a group member who is not on it cannot act.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.effects import Applied, EffectResult
from troly.bot.flows import staff as staff_flow
from troly.bot.flows.base import State
from troly.bot.handoff import appliers as handoff_appliers
from troly.bot.messages import Button, Document, Incoming, Notice, Reply
from troly.bot.petitions import files as staff_files
from troly.bot.petitions import render
from troly.bot.petitions import schedule as plan
from troly.bot.petitions.effects import StaffAction
from troly.bot.petitions.jobs import set_new_date
from troly.bot.petitions.model import Petition, Status
from troly.bot.petitions.service import (
    by_code,
    day_text,
    edit_staff_card,
    record,
    to_business,
    to_staff,
    work_calendar,
)
from troly.bot.petitions.staff_more import MORE_ACTIONS as _MORE
from troly.bot.petitions.staff_more import READER, record_exchange
from troly.bot.settings import Settings
from troly.bot.staff import assignable_staff, find_staff
from troly.bot.staff_topics import key_of_thread
from troly.bot.storage.models import Conversation
from troly.bot.texts import t

logger = logging.getLogger(__name__)
LO = render.STAFF_LOCALE
_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*[,;:\-–]?\s*(.*)$", re.S)


_Handler = Callable[[StaffAction, Applied, Petition, str], Awaitable[EffectResult | None]]


def _say(key: str, **values: object) -> EffectResult:
    return EffectResult(replies=(Reply(t(key, READER.get(), **values)),))


async def _petition_of(effect: StaffAction, applied: Applied) -> Petition | None:
    if effect.code:
        return await by_code(applied.session, effect.code, lock=True)
    if effect.thread is None or applied.settings.staff_chat_id is None:
        return None
    key = await key_of_thread(
        applied.session, chat_id=str(applied.settings.staff_chat_id), thread_id=effect.thread
    )
    if key is None or not key.startswith("petition:"):
        return None
    return await by_code(applied.session, key.partition(":")[2], lock=True)


async def _live_chat_of(effect: StaffAction, applied: Applied) -> str | None:
    """The live chat whose topic a relayed message was written in (its code), if any."""
    if effect.action != "relay" or effect.thread is None or applied.settings.staff_chat_id is None:
        return None
    key = await key_of_thread(
        applied.session, chat_id=str(applied.settings.staff_chat_id), thread_id=effect.thread
    )
    if key is None or not key.startswith("live:"):
        return None
    return key.partition(":")[2]


async def staff_action(effect: StaffAction, applied: Applied) -> EffectResult | None:
    """Runs one staff action from the staff group after checking the roster."""
    inc = applied.incoming
    found = await find_staff(applied.session, inc.channel, inc.user_id)
    if found is None:
        if effect.action == "relay":
            # Chatter in the group from anyone off the roster is not the bot's business.
            return None
        logger.info("petition action refused: not on the roster")
        return _say("staff.not_authorised")
    applied = replace(applied, incoming=replace(inc, display_name=found.name))
    live = await _live_chat_of(effect, applied)
    if live is not None:
        return await handoff_appliers.relay_from_topic(live, applied)
    # What the bot says back to the officer is in their language (``troly staff add
    # --locale``); what it posts for the group (cards, notices) stays in the group's.
    token = READER.set(found.locale if found.locale in ("vi", "en") else LO)
    try:
        return await _run(effect, applied, found.role)
    finally:
        READER.reset(token)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts on a petition, whichever door they use (their roster id, name and role)."""

    user_id: str
    name: str
    role: str
    """The roster role the rules know: ``agent`` or ``supervisor``."""


async def act_on_petition(
    session: AsyncSession,
    effect: StaffAction,
    actor: Actor,
    *,
    now: datetime,
    settings: Settings,
    locale: str = LO,
) -> EffectResult | None:
    """Runs one staff action for someone already identified (the console).

    The same rules, and the same messages to the business and to the petition's staff topic,
    as the staff group's.
    """
    incoming = Incoming(channel="console", user_id=actor.user_id, display_name=actor.name)
    applied = Applied(session, now, incoming, State(), settings)
    token = READER.set(locale)  # the replies are for this officer, in their language
    try:
        return await _run(effect, applied, actor.role)
    finally:
        READER.reset(token)


async def _run(effect: StaffAction, applied: Applied, role: str) -> EffectResult | None:
    petition = await _petition_of(effect, applied)
    if petition is None:
        return None if effect.action == "relay" else _say("staff.unknown_petition")
    handler = _ACTIONS.get(effect.action) or _MORE.get(effect.action)
    if handler is None:
        return _say("staff.unknown_petition")
    return await handler(effect, applied, petition, role)


def _who(applied: Applied) -> str:
    return applied.incoming.display_name or applied.incoming.user_id


async def _claim(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    if not p.is_open:
        return _say("staff.not_open", code=p.code)
    if p.assignee == applied.incoming.user_id:
        return _say("staff.already_yours", code=p.code)
    if p.assignee is not None:
        # The row is locked: of two claims at once, the second sees the first one's name.
        # Taking it over is a reassignment (a supervisor or the assignee, «Giao người khác»).
        return _say("staff.claimed_by", code=p.code, name=p.assignee_name or p.assignee)
    return await _assign(applied, p, applied.incoming.user_id, _who(applied), kind="claimed")


async def _assign(
    applied: Applied, p: Petition, user_id: str, name: str, *, kind: str
) -> EffectResult | None:
    now, settings = applied.now, applied.settings
    p.assignee, p.assignee_name = user_id, name
    moving = Status.ASSIGNED if p.status in (Status.RECEIVED, Status.REOPENED) else None
    record(
        applied.session,
        p,
        now=now,
        actor="staff",
        actor_id=applied.incoming.user_id,
        kind=kind,
        to_status=moving,
        note=name,
    )
    await plan.cancel_unassigned(applied.session, p)
    # The card is rewritten (who has it, no «Nhận xử lý»); this message under it says so too
    # and carries the actions left, for a group that scrolled past the card.
    text = t("staff.assigned", LO, code=p.code, name=name)
    taken = Reply(text, render.staff_buttons(p.code, taken=True))
    await to_staff(applied.session, p, taken, now=now, settings=settings)
    card = render.staff_card(p, settings)
    await edit_staff_card(applied.session, p, card, now=now, settings=settings)
    if kind == "claimed" and moving is not None:
        to_business(
            applied.session, p, Reply(t("petition.assigned", p.locale, code=p.code)), now=now
        )
    return None


async def _reassign_menu(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    if role != "supervisor" and p.assignee != applied.incoming.user_id:
        return _say("staff.reassign_not_allowed")
    people = await assignable_staff(applied.session)
    rows = tuple(
        (Button(m.name, choice=f"ps:assign:{p.code}:{m.user_id}"),)
        for m in people
        if m.user_id != p.assignee
    )
    if not rows:
        return _say("staff.nobody_to_assign")
    return EffectResult(replies=(Reply(t("staff.reassign_to", LO, code=p.code), rows),))


async def _assign_to(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    if role != "supervisor" and p.assignee != applied.incoming.user_id:
        return _say("staff.reassign_not_allowed")
    if not p.is_open:
        return _say("staff.not_open", code=p.code)
    people = {m.user_id: m.name for m in await assignable_staff(applied.session)}
    target = effect.arg or ""
    if target not in people:
        return _say("staff.not_on_roster")
    return await _assign(applied, p, target, people[target], kind="reassigned")


def _prompt(step: str, key: str) -> _Handler:
    async def prompt(
        effect: StaffAction, applied: Applied, p: Petition, role: str
    ) -> EffectResult | None:
        if not p.is_open:
            return _say("staff.not_open", code=p.code)
        if step == "new_date" and p.new_date_set:
            return _say("staff.new_date_once", code=p.code)
        return _ask(applied, p, step, key)

    return prompt


def _ask(applied: Applied, p: Petition, step: str, key: str) -> EffectResult:
    """Waits for the officer's next message in the topic, for a limited time."""
    minutes = applied.settings.staff_prompt_minutes
    state = staff_flow.prompt(applied.state, step, p.code, now=applied.now, minutes=minutes)
    deadline = day_text(p.deadline, applied.settings)
    reply = Reply(
        t(key, LO, code=p.code, deadline=deadline, minutes=minutes),
        ((Button(t("staff.cancel", LO), choice="ps:cancel"),),),
    )
    return EffectResult(replies=(reply,), state=state)


def parse_new_date(text: str) -> tuple[date, str] | None:
    """``dd/mm/yyyy reason`` as a date and a reason (both required)."""
    found = _DATE.match(text)
    if found is None:
        return None
    day, month, year, reason = found.groups()
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        return None
    reason = " ".join(reason.split())
    return (when, reason) if reason else None


async def _new_date(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    now, settings = applied.now, applied.settings
    if not p.is_open:
        return _say("staff.not_open", code=p.code)
    if p.new_date_set:
        # One-stop rules: the date may be moved only once.
        return _say("staff.new_date_once", code=p.code)
    parsed = parse_new_date(effect.text or "")
    if parsed is None:
        return _again(applied, p, "staff.new_date_format")
    when, reason = parsed
    cal = work_calendar(settings)
    today = now.astimezone(cal.tz).date()
    if when <= today:
        # The business must not be promised a day that has already come.
        return _again(applied, p, "staff.new_date_past", day=_day(when), today=_day(today))
    if when <= p.deadline.astimezone(cal.tz).date():
        deadline = day_text(p.deadline, settings)
        return _again(applied, p, "staff.new_date_invalid", deadline=deadline)
    if not cal.is_working_day(when):
        after = cal.next_working_day_after(when)
        return _again(applied, p, "staff.new_date_day_off", day=_day(when), next=_day(after))
    moment = datetime.combine(when, cal.closes, tzinfo=cal.tz)
    await set_new_date(
        applied.session,
        p,
        moment,
        now=now,
        settings=settings,
        reason=reason[:500],
        actor="staff",
        actor_id=applied.incoming.user_id,
    )
    return None


def _again(applied: Applied, p: Petition, key: str, **values: object) -> EffectResult:
    """Refuses a typed date and keeps waiting for the corrected one in the same topic.

    Otherwise the officer's corrected date would be relayed to the business as a chat message.
    """
    minutes = applied.settings.staff_prompt_minutes
    state = staff_flow.prompt(applied.state, "new_date", p.code, now=applied.now, minutes=minutes)
    refusal = Reply(
        t(key, READER.get(), **values), ((Button(t("staff.cancel", LO), choice="ps:cancel"),),)
    )
    return EffectResult(replies=(refusal,), state=state)


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


async def _answer(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    now, settings = applied.now, applied.settings
    text = (effect.text or "").strip()
    if not p.is_open:
        return _say("staff.not_open", code=p.code)
    if not text and not effect.attachments:
        return _say("staff.answer_empty")
    outgoing = _outgoing(effect, applied, p)
    if isinstance(outgoing, EffectResult):
        return outgoing
    documents, labels = outgoing
    text = "\n".join(part for part in (text, _names_note(effect)) if part)
    p.answer, p.answered_at = text, now
    if p.assignee is None:
        p.assignee, p.assignee_name = applied.incoming.user_id, _who(applied)
    record(
        applied.session,
        p,
        now=now,
        actor="staff",
        actor_id=applied.incoming.user_id,
        kind="answered",
        to_status=Status.ANSWERED,
        note=text,
    )
    message = t("petition.answer", p.locale, code=p.code, answer=text)
    first = documents[0] if documents else None
    # Outside the Zalo OA's window the answer is announced by ZNS (its full text waits).
    notice = Notice("petition_answer", {"code": p.code, "date": day_text(now, settings)})
    answer = Reply(
        message, render.rating_buttons(p), document=first, kind="petition:answer", notice=notice
    )
    for reply in (answer, *_more_files(p, documents, labels)):
        to_business(applied.session, p, reply, now=now)
    await to_staff(
        applied.session,
        p,
        Reply(t("staff.answered", LO, code=p.code, name=_who(applied))),
        now=now,
        settings=settings,
    )
    await plan.answered(applied.session, p, now=now, settings=settings)
    return None


async def _close(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    if p.status == Status.CLOSED:
        return _say("staff.not_open", code=p.code)
    answered = p.status == Status.ANSWERED
    if role != "supervisor" and not (answered and p.assignee == applied.incoming.user_id):
        # An answered petition: its assignee or a supervisor. One still owed an answer:
        # a supervisor only (the business is told it was closed unanswered, and may reopen).
        key = "staff.close_answered_not_allowed" if answered else "staff.close_open_not_allowed"
        return _say(key, code=p.code, name=p.assignee_name or t("staff.nobody", LO))
    if not answered:
        # The business is owed the reason it gets no answer: the supervisor types it first.
        return _ask(applied, p, "close_reason", "staff.close_reason_prompt")
    return await _closed(applied, p, reason=None)


async def _close_reason(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    if p.status == Status.CLOSED:
        return _say("staff.not_open", code=p.code)
    if role != "supervisor":
        # Taken off the supervisors between the button and the reason.
        name = p.assignee_name or t("staff.nobody", LO)
        return _say("staff.close_open_not_allowed", code=p.code, name=name)
    reason = " ".join((effect.text or "").split())[:500]
    if not reason:
        return _ask(applied, p, "close_reason", "staff.close_reason_empty")
    # Answered meanwhile: it closes as an answered petition, the reason kept in its history.
    return await _closed(applied, p, reason=reason)


async def _closed(applied: Applied, p: Petition, *, reason: str | None) -> EffectResult | None:
    """Closes the petition, telling the business (with the reason when unanswered) and staff."""
    now = applied.now
    answered = p.status == Status.ANSWERED
    p.closed_at = now
    record(
        applied.session,
        p,
        now=now,
        actor="staff",
        actor_id=applied.incoming.user_id,
        kind="closed",
        to_status=Status.CLOSED,
        note=reason,
    )
    await plan.stop_all(applied.session, p)
    if answered:
        told = Reply(t("petition.closed", p.locale, code=p.code))
        staff = t("staff.closed", LO, code=p.code, name=_who(applied))
    else:
        # Not a silent end: the business may reopen it (a closed petition can be reopened).
        text = t("petition.closed_unanswered", p.locale, code=p.code, reason=reason or "")
        told = Reply(text, _reopen_button(p))
        staff = t("staff.closed_unanswered", LO, code=p.code, name=_who(applied), reason=reason)
    to_business(applied.session, p, told, now=now)
    await to_staff(applied.session, p, Reply(staff), now=now, settings=applied.settings)
    return None


def _reopen_button(p: Petition) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t("petition.reopen", p.locale), choice=f"pb:reopen:{p.code}"),),)


def _outgoing(
    effect: StaffAction, applied: Applied, p: Petition
) -> tuple[list[Document], list[str]] | EffectResult:
    """The staff's files as documents for the business, or the polite refusal of a big one."""
    files = effect.attachments
    big = staff_files.too_big(p, files, channel=applied.incoming.channel, settings=applied.settings)
    if big is not None:
        # Nothing goes half-way: the message waits for a file the business can receive.
        values = staff_files.too_big_values(big, p, applied.settings, LO)
        return _say("staff.file_too_big", **values)
    if files:
        p.attachments = [*p.attachments, *({**item, "by": "staff"} for item in files)]
    documents = staff_files.documents(p, files, channel=applied.incoming.channel)
    return documents, [staff_files.file_name(item, p.locale) for item in files]


def _names_note(effect: StaffAction) -> str:
    names = ", ".join(staff_files.file_name(item, LO) for item in effect.attachments)
    return f"[{names}]" if names else ""


def _more_files(p: Petition, documents: list[Document], labels: list[str]) -> list[Reply]:
    """A reply for each file after the first (a reply carries one)."""
    return [
        Reply(
            t("petition.from_staff_file", p.locale, code=p.code, name=label),
            document=document,
            kind="petition:relay",
        )
        for label, document in list(zip(labels, documents, strict=True))[1:]
    ]


async def _relay(
    effect: StaffAction, applied: Applied, p: Petition, role: str
) -> EffectResult | None:
    now = applied.now
    text = (effect.text or "").strip()
    if not text and not effect.attachments:
        return None
    if p.status == Status.CLOSED:
        return _say("staff.relay_closed", code=p.code)
    outgoing = _outgoing(effect, applied, p)
    if isinstance(outgoing, EffectResult):
        return outgoing
    documents, labels = outgoing
    note = "\n".join(part for part in (text, _names_note(effect)) if part)
    record_exchange(applied, p, kind="staff_message", note=note)
    if text:
        message = t("petition.from_staff", p.locale, code=p.code, text=text)
    else:
        message = t("petition.from_staff_file", p.locale, code=p.code, name=labels[0])
    first = documents[0] if documents else None
    relay = Reply(message, render.business_buttons(p), document=first, kind="petition:relay")
    for reply in (relay, *_more_files(p, documents, labels)):
        to_business(applied.session, p, reply, now=now)
    await plan.cancel_unassigned(applied.session, p)
    if await _blocked(applied, p):
        # Still queued (they may have unblocked), but no "✓" for what will likely not arrive.
        return _say("staff.business_unreachable", code=p.code)
    return _say("staff.relayed")


async def _blocked(applied: Applied, p: Petition) -> bool:
    """Whether the business's last known state is "blocked the bot" (until it writes again)."""
    query = (
        select(Conversation.blocked)
        .where(Conversation.channel == p.channel)
        .where(Conversation.user_id == p.user_id)
    )
    return bool(await applied.session.scalar(query))


_ACTIONS: dict[str, _Handler] = {
    "claim": _claim,
    "reassign": _reassign_menu,
    "assign": _assign_to,
    "date": _prompt("new_date", "staff.new_date_prompt"),
    "answer": _prompt("answer", "staff.answer_prompt"),
    "new_date": _new_date,
    "answer_text": _answer,
    "close": _close,
    "close_text": _close_reason,
    "relay": _relay,
}
