"""Staff screening of bookings from the staff group: the buttons and the typed reasons.

A reason (to decline a booking, or to cancel a confirmed one) is awaited only in the topic
where «Từ chối» or «Hủy đăng ký» was pressed (the staff conversation is kept per topic), and
any other screening button there ends the wait. It is awaited ``staff_prompt_minutes``, as
the petitions' prompts are (``flows/staff.py``): a message after that declines or cancels
nothing, and the officer is told to press the button again.

Pure: the roster check and the changes are the ``Screen`` effect's applier's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from troly.bot.flows import staff as staff_flow
from troly.bot.flows.base import Context, Outcome, State
from troly.bot.messages import Incoming, Reply
from troly.bot.texts import t

FLOW = "screen"
REASON = "reason"
CANCEL_REASON = "cancel_reason"
_TEXT_ACTIONS = {REASON: "text", CANCEL_REASON: "cancel_text"}
"""The ``Screen`` action a typed reason makes, by prompt step."""
_BUTTONS = {REASON: "staff.decline", CANCEL_REASON: "staff.cancel_booking"}
"""The button that asks again, by prompt step (named in the expiry notice)."""


@dataclass(frozen=True, slots=True)
class Screen:
    """Effect: a staff member screens a booking (ok, no, nr, merge, mt, cancel or a reason).

    A typed reason is ``text`` (to decline) or ``cancel_text`` (to cancel a confirmed one).
    """

    action: str
    code: str
    arg: str = ""


def on_choice(state: State, rest: str, _ctx: Context) -> Outcome:
    """Handles ``scr:<action>:<code>[:<arg>]`` buttons."""
    action, _, tail = rest.partition(":")
    code, _, arg = tail.partition(":")
    if not code:
        return Outcome(state, (Reply(t("booking.expired", state.locale)),))
    # A button press ends any reason being typed (a preset reason is the reason; «Từ chối»
    # asks again); the applier waits for a typed reason after «Từ chối» only.
    return Outcome(state.idle(), (), (Screen(action, code, arg),))


def ask_reason(
    state: State, code: str, *, now: datetime, minutes: int, step: str = REASON
) -> State:
    """The state in which the staff member's next message, within ``minutes``, is the reason.

    The reason to decline, or with ``step`` ``CANCEL_REASON`` to cancel a confirmed booking.
    """
    return staff_flow.prompt(state, step, code, now=now, minutes=minutes, flow=FLOW)


def on_text(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """Takes the typed reason for declining or cancelling the booking being screened."""
    text = (incoming.text or "").strip()
    code = str(state.draft.get("code", ""))
    step = state.step or REASON
    if code and step in _BUTTONS and staff_flow.expired(state, ctx.now):
        # Days later the message is about something else: it must not decline or cancel the
        # booking, nor reach the business as the reason.
        return staff_flow.expired_notice(state, button=_BUTTONS[step], case="staff.case_booking")
    if step == CANCEL_REASON and code:
        # An empty reason (a photo alone) is the applier's to ask again, still in time.
        return Outcome(state.idle(), (), (Screen("cancel_text", code, text[:500]),))
    if not code:
        return Outcome(state.idle(), (Reply(t("booking.expired", state.locale)),))
    if not text:
        # A photo alone is no reason: the prompt keeps waiting, within its time.
        return Outcome(state, (Reply(t("staff.decline_reason_empty", state.locale, code=code)),))
    return Outcome(state.idle(), (), (Screen(_TEXT_ACTIONS.get(step, "text"), code, text[:500]),))
