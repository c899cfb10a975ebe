"""The live-handoff flow: «Gặp cán bộ» puts the business through to a person when one is there.

The business's side: asking (during the handoff hours of working days a live chat opens,
otherwise a petition is offered), then every message relayed while the chat is open, and
``/huy`` to leave. The officer's side in the chat's topic: the buttons (take, end, turn
into a petition) and the closing summary they type.

Pure: every step returns an ``Outcome``; the appliers in ``bot/handoff/appliers.py`` do the
database work and check the roster.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from troly.bot.flows import petition as petition_flow
from troly.bot.flows import staff as staff_flow
from troly.bot.flows.base import Context, Outcome, State, command_of
from troly.bot.flows.petition import CARRIED
from troly.bot.handoff.effects import FLOW as FLOW
from troly.bot.handoff.effects import STAFF_FLOW as STAFF_FLOW
from troly.bot.handoff.effects import (
    ChatFromBusiness,
    HandoffStaff,
    LeaveChat,
    OpenChat,
)
from troly.bot.handoff.hours import hours_text, staffed
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.petitions.render import STAFF_LOCALE
from troly.bot.texts import t
from troly.knowledge.folding import basic_fold

RECENT = "recent_questions"
"""Draft key: the last questions asked in this conversation (shown to the officer)."""
KEPT = ("last_code", "last_question", RECENT, CARRIED)
"""What a conversation keeps of its draft when it leaves a flow for a person (or a petition)."""
MAX_QUESTION = 300
MAX_WORDS = 9
MAX_FILES = 5

_ASKING = tuple(
    basic_fold(phrase)
    for phrase in (
        "gặp cán bộ",
        "gap can bo",
        "gặp nhân viên",
        "gặp tư vấn viên",
        "nói chuyện với người",
        "nói chuyện với cán bộ",
        "nói chuyện với nhân viên",
        "nói chuyện trực tiếp",
        "chat với cán bộ",
        "chat với người",
        "người thật",
        "cán bộ hỗ trợ",
        "talk to a person",
        "talk to a human",
        "talk to someone",
        "talk to an officer",
        "talk to a support officer",
        "speak to a person",
        "speak to a human",
        "speak to someone",
        "real person",
        "human agent",
    )
)
_WORD = re.compile(r"\w+")


def wants_person(text: str) -> bool:
    """Whether a short message asks to talk with a person ("cho tôi gặp cán bộ")."""
    folded = basic_fold(text)
    if not folded or len(_WORD.findall(folded)) > MAX_WORDS:
        return False
    padded = f" {' '.join(_WORD.findall(folded))} "
    return any(f" {phrase} " in padded for phrase in _ASKING) or folded in {"human", "agent"}


def remember_question(draft: Mapping[str, Any], text: str, keep: int) -> list[str]:
    """The recent questions with ``text`` added (the last ``keep``; never logged)."""
    earlier = [str(q) for q in draft.get(RECENT) or []]
    return [*earlier, text[:MAX_QUESTION]][-keep:] if keep else []


def _kept(state: State, **more: Any) -> State:
    draft = {k: v for k, v in state.draft.items() if k in KEPT}
    return State(None, None, {**draft, **more}, state.locale)


def offer_buttons(locale: str) -> tuple[tuple[Button, ...], ...]:
    """A petition instead of a person, or back to the menu."""
    return (
        (Button(t("handoff.offer_petition", locale), choice="menu:petition"),),
        (Button(t("handoff.menu", locale), choice="menu:main"),),
    )


def request(state: State, ctx: Context) -> Outcome:
    """The business asks for a person: a live chat when one is there, else a petition."""
    locale = state.locale
    if state.flow == FLOW:
        return reminder(state, ctx)
    settings = ctx.settings
    s = ctx.support.in_locale(locale)
    if settings is None or settings.staff_chat_id is None or not hours_text(settings):
        # No live handoff here: say so (and the hotline) before the petition form.
        unavailable = t("handoff.not_here", locale, phone=s.phone, hours=s.hours)
        return petition_flow.start_from_draft(state, ctx).after(
            Reply(unavailable, kind="handoff:not_here")
        )
    if not staffed(ctx.now, settings):
        closed = t("handoff.closed", locale, hours=hours_text(settings), phone=s.phone)
        return petition_flow.start_from_draft(_kept(state), ctx).after(
            Reply(closed, kind="handoff:closed")
        )
    questions = [str(q) for q in state.draft.get(RECENT) or []]
    last = state.draft.get("last_question")
    if isinstance(last, str) and last and last[:MAX_QUESTION] not in questions:
        # A note a flow left for an officer (a tax code already registered, say).
        questions.append(last[:MAX_QUESTION])
    waiting = State(FLOW, "waiting", _kept(state).draft, locale)
    leave = Button(t("handoff.leave", locale), choice="hb:leave")
    text = ctx.say("handoff.waiting", locale, minutes=settings.handoff_wait_minutes, phone=s.phone)
    reply = Reply(text, ((leave,),), kind="handoff:waiting")
    return Outcome(waiting, (reply,), (OpenChat(tuple(questions)),))


def reminder(state: State, ctx: Context) -> Outcome:
    """Said when the business presses an old button or a command during its chat."""
    key = "handoff.reminder_live" if state.step == "live" else "handoff.reminder_waiting"
    leave = Button(t("handoff.leave", state.locale), choice="hb:leave")
    return Outcome(state, (Reply(ctx.say(key, state.locale), ((leave,),)),))


_LEAVE_COMMANDS = {"huy", "cancel"}
_LEAVE_WORDS = {"huy", "hủy", "huỷ", "cancel", "thoat", "thoát"}


def in_chat(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """Anything the business sends while its chat is open: ``/huy`` leaves, the rest is relayed.

    The bot stays out of the way: no question is answered, no command run but leaving.
    """
    code = str(state.draft.get("chat") or "")
    if incoming.choice is not None:
        if incoming.choice in ("hb:leave", "cancel"):
            return _leave(state, code)
        return reminder(state, ctx)
    command = command_of(incoming)
    if command is not None:
        return _leave(state, code) if command[0] in _LEAVE_COMMANDS else reminder(state, ctx)
    text = (incoming.text or "").strip()
    if text.lower() in _LEAVE_WORDS:
        return _leave(state, code)
    files = tuple(
        {"kind": a.kind, "ref": a.ref, "name": a.name, "mime_type": a.mime_type}
        for a in incoming.attachments[:MAX_FILES]
    )
    if not code or not (text or files):
        return Outcome(state)
    return Outcome(state, (), (ChatFromBusiness(code, text, files),))


def _leave(state: State, code: str) -> Outcome:
    if not code:
        return Outcome(_kept(state), (Reply(t("handoff.left", state.locale)),))
    return Outcome(state, (), (LeaveChat(code),))


def file_room(state: State, ctx: Context) -> int | None:
    """Files may be sent during a chat, a few at a time (the terminal sends none)."""
    return None if ctx.channel == "cli" else MAX_FILES


def on_staff_choice(state: State, payload: str, _ctx: Context) -> Outcome:
    """A button in a chat's topic (``hs:<action>:<code>[:<topic>]``)."""
    action, _, rest = payload.partition(":")
    code, _, arg = rest.partition(":")
    if action == "stay":
        return Outcome(state.idle(), (Reply(t("handoff.staff_keep_going", STAFF_LOCALE)),))
    # A new button press in the topic ends a summary being typed there.
    return Outcome(state.idle(), (), (HandoffStaff(code, action, arg or None),))


def ask_summary(state: State, code: str, *, now: datetime, minutes: int) -> State:
    """The officer's next message in the topic is the chat's closing summary."""
    return staff_flow.prompt(state, "summary", code, now=now, minutes=minutes, flow=STAFF_FLOW)


def on_staff_text(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """The closing summary the officer was asked for (or a late message, not taken)."""
    if staff_flow.expired(state, ctx.now):
        return staff_flow.expired_notice(
            state, button="handoff.staff_end", case="handoff.staff_case"
        )
    code = str(state.draft.get("code", ""))
    text = (incoming.text or "").strip()
    return Outcome(state.idle(), (), (HandoffStaff(code, "summary", text=text),))
