"""Appliers of the live-handoff effects, the business's and the officer's, in the transaction.

The business acts only on its own chat; an officer must be on the roster first (anyone else
in the group is told so, and their chatter in a chat's topic is not relayed).
"""

from __future__ import annotations

from troly.bot.effects import Applied, EffectApplier, EffectResult
from troly.bot.flows.base import State, support_of
from troly.bot.flows.handoff import KEPT, ask_summary, offer_buttons
from troly.bot.handoff import service
from troly.bot.handoff.effects import FLOW, ChatFromBusiness, HandoffStaff, LeaveChat, OpenChat
from troly.bot.handoff.hours import staffed
from troly.bot.handoff.model import LiveChat, Status
from troly.bot.messages import Button, Reply
from troly.bot.province.store import load_details
from troly.bot.staff import find_staff
from troly.bot.texts import t

LO = service.STAFF_LOCALE


def _released(state: State) -> State:
    return State(None, None, {k: v for k, v in state.draft.items() if k in KEPT}, state.locale)


def _menu(locale: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t("handoff.menu", locale), choice="menu:main"),),)


async def open_chat(effect: OpenChat, applied: Applied) -> EffectResult:
    """Opens the chat (or finds the one already open) and notes its code in the state."""
    inc, state, settings = applied.incoming, applied.state, applied.settings
    if not staffed(applied.now, settings):
        details = await load_details(applied.session, settings)
        phone = support_of(settings, details).phone
        text = t("handoff.unavailable", state.locale, hours="", phone=phone)
        reply = Reply(text, offer_buttons(state.locale))
        return EffectResult(replies=(reply,), state=_released(state))
    chat = await service.open_chat_of(applied.session, channel=inc.channel, user_id=inc.user_id)
    if chat is None:
        chat = await service.open_chat(
            applied.session,
            channel=inc.channel,
            user_id=inc.user_id,
            locale=state.locale,
            questions=effect.questions,
            now=applied.now,
            settings=settings,
        )
    step = "live" if chat.status == Status.LIVE else "waiting"
    return EffectResult(state=State(FLOW, step, {**state.draft, "chat": chat.code}, state.locale))


async def _own(applied: Applied, code: str) -> LiveChat | None:
    chat = await service.by_code(applied.session, code, lock=True)
    inc = applied.incoming
    if chat is None or (chat.channel, chat.user_id) != (inc.channel, inc.user_id):
        return None
    return chat


async def from_business(effect: ChatFromBusiness, applied: Applied) -> EffectResult | None:
    """Relays the business's message to the officers; once while waiting, says it is kept."""
    state = applied.state
    chat = await _own(applied, effect.code)
    if chat is None or not chat.is_open:
        # Ended on the other side while this message was on its way: back to the bot.
        text = t("handoff.over", state.locale)
        reply = Reply(text, _menu(state.locale), kind="handoff:ended")
        return EffectResult(replies=(reply,), state=_released(state))
    await service.from_business(
        applied.session,
        chat,
        text=effect.text,
        files=effect.files,
        now=applied.now,
        settings=applied.settings,
    )
    if chat.status == Status.WAITING and not state.draft.get("acked"):
        leave = Button(t("handoff.leave", state.locale), choice="hb:leave")
        reply = Reply(t("handoff.kept", state.locale), ((leave,),))
        return EffectResult(replies=(reply,), state=state.with_draft(acked=True))
    return None


async def leave_chat(effect: LeaveChat, applied: Applied) -> EffectResult:
    """The business leaves its chat; the officers are told in its topic."""
    chat = await _own(applied, effect.code)
    if chat is not None:
        await service.leave(applied.session, chat, now=applied.now, settings=applied.settings)
    locale = applied.state.locale
    reply = Reply(t("handoff.left", locale), _menu(locale), kind="handoff:ended")
    return EffectResult(replies=(reply,), state=_released(applied.state))


def _say(notice: service.StaffOutcome) -> EffectResult:
    return EffectResult(replies=(Reply(notice.text(LO)),))


async def officer_of(applied: Applied) -> service.Officer | None:
    """The roster member behind a staff-group message, as the service sees an officer."""
    inc = applied.incoming
    member = await find_staff(applied.session, inc.channel, inc.user_id)
    if member is None:
        return None
    return service.Officer(
        inc.user_id, member.name, channel=inc.channel, supervisor=member.role == "supervisor"
    )


async def staff_action(effect: HandoffStaff, applied: Applied) -> EffectResult | None:
    """An officer's button (or summary) in a chat's topic, after the roster check."""
    officer = await officer_of(applied)
    if officer is None:
        return EffectResult(replies=(Reply(t("staff.not_authorised", LO)),))
    session, now, settings = applied.session, applied.now, applied.settings
    if effect.action == "take":
        notice = await service.take(session, effect.code, officer, now=now, settings=settings)
        return None if notice.ok else _say(notice)
    if effect.action in ("end", "petition"):
        refused = await service.check(session, effect.code, officer)
        if refused is not None:
            return _say(refused)
        if effect.action == "petition":
            return EffectResult(replies=(service.petition_topics(effect.code),))
        minutes = settings.staff_prompt_minutes
        state = ask_summary(applied.state, effect.code, now=now, minutes=minutes)
        cancel = Button(t("staff.cancel", LO), choice="ps:cancel")
        prompt = t("handoff.staff_summary_prompt", LO, code=effect.code, minutes=minutes)
        return EffectResult(replies=(Reply(prompt, ((cancel,),)),), state=state)
    if effect.action == "summary":
        notice = await service.end(
            session, effect.code, officer, effect.text or "", now=now, settings=settings
        )
        if notice.key == "handoff.staff_summary_empty":
            # Asked again: the summary is what the business and the record keep.
            minutes = settings.staff_prompt_minutes
            state = ask_summary(applied.state, effect.code, now=now, minutes=minutes)
            return EffectResult(replies=(Reply(notice.text(LO)),), state=state)
        return None if notice.ok else _say(notice)
    if effect.action == "topic":
        topic = effect.arg or ""
        notice = await service.to_petition(
            session, effect.code, officer, topic=topic, now=now, settings=settings
        )
        return None if notice.ok else _say(notice)
    return _say(service.StaffOutcome("handoff.staff_unknown", ok=False))


async def relay_from_topic(code: str, applied: Applied) -> EffectResult | None:
    """What a roster member writes in a chat's topic goes to the business (text only)."""
    officer = await officer_of(applied)
    if officer is None:
        return None
    inc = applied.incoming
    text = (inc.text or "").strip()
    files = [
        {"kind": a.kind, "ref": a.ref, "name": a.name, "mime_type": a.mime_type, "size": a.size}
        for a in inc.attachments
    ]
    if not text and not files:
        return None
    notice = await service.send(
        applied.session,
        code,
        officer,
        text,
        files=files,
        now=applied.now,
        settings=applied.settings,
    )
    # No "✓" after each line of a conversation: the business's answer is the sign it arrived.
    return None if notice.ok else _say(notice)


def appliers() -> dict[type, EffectApplier]:
    """The live-handoff appliers, by effect type."""
    return {
        OpenChat: open_chat,
        ChatFromBusiness: from_business,
        LeaveChat: leave_chat,
        HandoffStaff: staff_action,
    }
