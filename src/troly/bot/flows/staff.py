"""The staff's side in the staff group: card buttons, typed answers, new dates and reasons.

Messages written in a petition's topic are relayed to the business. A prompt (the answer, a
new date, the reason for closing an unanswered petition) waits for its reply only in the
topic where it was asked: the staff conversation is kept per topic
(``Incoming.conversation_key``), so the officer may write in other topics meanwhile and each
message goes to that topic's business. A prompt waits ``staff_prompt_minutes``: a message
after that is not taken (nor relayed), and the officer is told to press the button again.
The bookings' screening prompts (``flows/screening.py``) wait the same way, with
``prompt``, ``expired`` and ``expired_notice`` from here.

Pure: every action is a ``StaffAction`` effect; its applier checks the roster.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from troly.bot.flows import menu
from troly.bot.flows.base import Context, Outcome, State
from troly.bot.messages import Incoming, Reply
from troly.bot.petitions.effects import StaffAction
from troly.bot.petitions.render import STAFF_LOCALE
from troly.bot.texts import t

FLOW = "staff"
_TEXT_ACTIONS = {"new_date": "new_date", "answer": "answer_text", "close_reason": "close_text"}
STEPS = frozenset(_TEXT_ACTIONS)
"""The prompts a staff conversation may wait at."""
_BUTTONS = {"new_date": "staff.new_date", "answer": "staff.answer", "close_reason": "staff.close"}
"""The card button that asks again, by prompt step (named in the expiry notice)."""


def prompt(
    state: State, step: str, code: str, *, now: datetime, minutes: int, flow: str = FLOW
) -> State:
    """The state in which the officer's next message in the topic answers ``step`` of ``flow``."""
    until = (now + timedelta(minutes=minutes)).isoformat()
    return State(flow, step, {"code": code, "until": until}, state.locale)


def expired(state: State, now: datetime) -> bool:
    """Whether the prompt's time is up (one with no time limit recorded counts as expired)."""
    until = state.draft.get("until")
    try:
        limit = datetime.fromisoformat(until) if isinstance(until, str) else None
    except ValueError:
        limit = None
    return limit is None or limit.tzinfo is None or now > limit


def on_choice(state: State, payload: str, _ctx: Context) -> Outcome:
    """A button on a petition card (``ps:<action>:<code>[:<arg>]``)."""
    action, _, rest = payload.partition(":")
    if action == "cancel":
        return menu.staff_cancel(state)
    code, _, arg = rest.partition(":")
    # A new button press in the topic ends any answer or date being typed there.
    return Outcome(state.idle(), (), (StaffAction(code, action, arg or None),))


def on_text(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """What a staff member types: the awaited answer, new date or reason, or a message to relay."""
    text = (incoming.text or "").strip()
    action = _TEXT_ACTIONS.get(state.step or "")
    if state.flow == FLOW and action is not None and expired(state, ctx.now):
        # Hours or days later the message is about something else: it must not reach the
        # business as the official answer (or move the date), nor be relayed as chatter.
        return _expired(state)
    if state.flow == FLOW and action == "answer_text":
        # The answer may come as a document (the official letter) or a photo, with a caption.
        code = str(state.draft.get("code", ""))
        answer = StaffAction(code, action, text=text, attachments=_files(incoming))
        return Outcome(state.idle(), (), (answer,))
    if state.flow == FLOW and action is not None:
        code = str(state.draft.get("code", ""))
        return Outcome(state.idle(), (), (StaffAction(code, action, text=text),))
    return relay(state, incoming)


def _expired(state: State) -> Outcome:
    return expired_notice(state, button=_BUTTONS.get(state.step or "", "staff.answer"))


def expired_notice(state: State, *, button: str, case: str = "staff.case_petition") -> Outcome:
    """Drops an expired prompt: the officer is told to press ``button`` on the card again.

    ``button`` and ``case`` (what the code is: a petition, a booking) are catalogue keys.
    """
    code = str(state.draft.get("code", ""))
    label, what = t(button, STAFF_LOCALE), t(case, STAFF_LOCALE)
    notice = t("staff.prompt_expired", STAFF_LOCALE, code=code, button=label, case=what)
    return Outcome(state.idle(), (Reply(notice),))


def _files(incoming: Incoming) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"kind": a.kind, "ref": a.ref, "name": a.name, "mime_type": a.mime_type, "size": a.size}
        for a in incoming.attachments
    )


def relay(state: State, incoming: Incoming) -> Outcome:
    """A message written in a petition's topic (text, a photo, a file) goes to the business."""
    thread = incoming.thread
    text = (incoming.text or "").strip()
    if thread is None or not (text or incoming.attachments):
        return Outcome(state)
    action = StaffAction("", "relay", text=text, thread=str(thread), attachments=_files(incoming))
    return Outcome(state, (), (action,))
