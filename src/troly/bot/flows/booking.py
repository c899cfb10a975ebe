"""The booking flow (``/dangky``): a seat at the chairman's dialogue session, step by step.

Pure: each step returns the new state, replies and effects; the open sessions, the seat and
the booking code come from the effects' appliers (``troly.bot.sessions.appliers``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from troly.bot.codes import normalise_code
from troly.bot.flows.base import Context, Outcome, State
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.taxcode import TaxCodeError, parse_tax_code
from troly.bot.texts import t
from troly.bot.topics import TOPIC_KEYS, topic_buttons, topic_label

FLOW = "booking"
NAME_LIMITS = (2, 200)
_PHONE = re.compile(r"^0\d{8,10}$")


class Step(StrEnum):
    """The steps of the booking flow."""

    SESSION = "session"
    CONSENT = "consent"
    SAVED = "saved"
    TAX_CODE = "tax_code"
    NAME = "name"
    REPRESENTATIVE = "representative"
    PHONE = "phone"
    TOPIC = "topic"
    QUESTION = "question"
    REMEMBER = "remember"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class ShowSessions:
    """Effect: list the open sessions with seats left (and offer saved details later)."""


@dataclass(frozen=True, slots=True)
class ChooseSession:
    """Effect: check the chosen session is open and go on to the consent question."""

    session_id: int


@dataclass(frozen=True, slots=True)
class UseSaved:
    """Effect: fill the draft from the business's remembered details."""


@dataclass(frozen=True, slots=True)
class ForgetSaved:
    """Effect: delete the business's remembered details."""


@dataclass(frozen=True, slots=True)
class CheckExisting:
    """Effect: show the existing booking of this business for the session, if any."""

    session_id: int
    tax_code: str


@dataclass(frozen=True, slots=True)
class Book:
    """Effect: take a seat (or a waitlist place) and give the booking code."""

    draft: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MyBookings:
    """Effect: list the bookings of this user (``/lichcuatoi``)."""


@dataclass(frozen=True, slots=True)
class CancelBooking:
    """Effect: the business cancels one of its bookings."""

    code: str


@dataclass(frozen=True, slots=True)
class LookUp:
    """Effect: show a booking or promise by its code, to its business only."""

    code: str


def start(state: State, _arg: str = "", _ctx: Context | None = None) -> Outcome:
    """Starts a registration: the applier lists the open sessions."""
    new = State(flow=FLOW, step=Step.SESSION, draft={}, locale=state.locale)
    return Outcome(new, (), (ShowSessions(),))


def my_bookings(state: State, _arg: str = "", _ctx: Context | None = None) -> Outcome:
    """Lists the user's bookings (``/lichcuatoi``)."""
    return Outcome(state, (), (MyBookings(),))


def look_up(state: State, arg: str, _ctx: Context | None = None) -> Outcome:
    """Looks up a booking or promise code (``/tracuu DT-4KQ8ZP``)."""
    code = normalise_code(arg, prefixes=("DT", "CK")) if arg else None
    if code is None:
        return Outcome(state, (Reply(t("booking.lookup_usage", state.locale)),))
    return Outcome(state, (), (LookUp(code),))


def on_choice(state: State, rest: str, ctx: Context) -> Outcome:
    """Handles the flow's buttons (``book:…``)."""
    action, _, arg = rest.partition(":")
    if action == "start":
        return start(state)
    if action == "mine":
        return my_bookings(state)
    if action == "cancel":
        return _cancel(state, arg)
    if action == "confirm" and not _at(state, Step.CONFIRM):
        if state.flow == FLOW:  # an old summary's button while the details are re-typed
            return _expired(state)
        # A second tap on "confirm" after the booking was made: show what exists (and leave
        # whatever else the user is doing alone).
        return my_bookings(state)
    if state.flow != FLOW:
        return _expired(state)
    if action == "s" and _at(state, Step.SESSION) and arg.isdigit():
        return Outcome(state, (), (ChooseSession(int(arg)),))
    if action == "consent" and _at(state, Step.CONSENT):
        if arg != "yes":
            return Outcome(state.idle(), (Reply(t("booking.no_consent", state.locale)),))
        return _consented(state)
    if action == "saved" and _at(state, Step.SAVED):
        if arg == "use":
            return Outcome(state, (), (UseSaved(),))
        if arg == "forget":
            # The applier confirms the deletion and asks for the tax code.
            return Outcome(
                State(FLOW, Step.TAX_CODE, state.draft, state.locale), (), (ForgetSaved(),)
            )
        return _ask(state, Step.TAX_CODE)
    if action == "t" and _at(state, Step.TOPIC) and arg in TOPIC_KEYS:
        return _then(state.with_draft(topic=arg), Step.QUESTION)
    if action == "keep" and _at(state, Step.REMEMBER):
        return summary(state.with_draft(remember=arg == "yes"))
    if action == "confirm":
        return Outcome(state.idle(), (), (Book(dict(state.draft)),))
    if action == "edit" and _at(state, Step.CONFIRM):
        if not arg:
            return Outcome(state, (_edit_menu(state.locale),))
        if arg in {step.value for step in EDITABLE}:
            return _ask(state.with_draft(editing=True), Step(arg))
    if action == "edit" and state.flow == FLOW and state.draft.get("editing"):
        return _expired(state)
    return _expired(state)


def _cancel(state: State, arg: str) -> Outcome:
    """``book:cancel:<code>`` asks first; ``…:yes`` cancels, ``…:no`` keeps the booking."""
    code, _, answer = arg.partition(":")
    if answer == "yes":
        return Outcome(state, (), (CancelBooking(code),))
    locale = state.locale
    if answer == "no":
        return Outcome(state, (Reply(t("booking.kept", locale, code=code)),))
    buttons = (
        (Button(t("booking.cancel_yes", locale, code=code), choice=f"book:cancel:{code}:yes"),),
        (Button(t("booking.cancel_keep", locale), choice=f"book:cancel:{code}:no"),),
    )
    return Outcome(state, (Reply(t("booking.cancel_confirm", locale, code=code), buttons),))


def on_text(state: State, incoming: Incoming, _ctx: Context) -> Outcome:
    """Takes what the user typed at the current step."""
    locale = state.locale
    text = unicodedata.normalize("NFC", (incoming.text or "").strip())
    step = state.step
    if step == Step.TAX_CODE:
        try:
            tax_code = parse_tax_code(text)
        except TaxCodeError as error:
            return Outcome(state, (Reply(t(f"booking.tax_{error.reason}", locale)),))
        session_id = int(state.draft["session_id"])
        # The applier asks for the name, or shows this business's existing booking.
        new = State(FLOW, Step.NAME, {**state.draft, "tax_code": tax_code.value}, locale)
        return Outcome(new, (), (CheckExisting(session_id, tax_code.value),))
    if step in (Step.NAME, Step.REPRESENTATIVE):
        low, high = NAME_LIMITS
        if not low <= len(text) <= high:
            return Outcome(state, (Reply(t("booking.name_length", locale, low=low, high=high)),))
        if step == Step.NAME:
            return _then(state.with_draft(business_name=text), Step.REPRESENTATIVE)
        return _then(state.with_draft(representative=text), Step.PHONE)
    if step == Step.PHONE:
        phone = normalise_phone(text)
        if phone is None:
            return Outcome(state, (Reply(t("booking.phone_invalid", locale)),))
        return _then(state.with_draft(phone=phone), Step.TOPIC)
    if step == Step.QUESTION:
        limit = _question_limit(_ctx)
        if not text:
            return _ask(state, Step.QUESTION)
        if len(text) > limit:
            reply = Reply(t("booking.question_too_long", locale, length=len(text), limit=limit))
            return Outcome(state, (reply,))
        new = state.with_draft(question=text)
        if new.draft.get("editing"):
            return summary(new)
        if new.draft.get("from_saved"):
            return summary(new.with_draft(remember=True))
        return _ask(new, Step.REMEMBER)
    # A button was expected: show the question again.
    return _ask(state, Step(step)) if step in set(Step) else _expired(state)


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese phone number as ``0xxxxxxxxx``, or None ("+84 912 345 678" is accepted)."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else None


def ask_consent(state: State) -> Outcome:
    """Asks consent to use the business's details for the session (no consent, no booking)."""
    buttons = (
        (
            Button(t("booking.consent_yes", state.locale), choice="book:consent:yes"),
            Button(t("booking.consent_no", state.locale), choice="book:consent:no"),
        ),
    )
    new = State(FLOW, Step.CONSENT, state.draft, state.locale)
    return Outcome(new, (Reply(t("booking.consent", state.locale), buttons),))


def after_saved(state: State, details: dict[str, Any]) -> Outcome:
    """Continues with remembered details: straight to the topic."""
    return _ask(state.with_draft(**details, from_saved=True), Step.TOPIC)


def summary(state: State) -> Outcome:
    """Shows what will be sent, with confirm / edit / cancel."""
    d, locale = state.draft, state.locale
    text = t(
        "booking.summary",
        locale,
        session=d.get("session_label", ""),
        business=d.get("business_name", ""),
        tax_code=d.get("tax_code", ""),
        representative=d.get("representative", ""),
        phone=d.get("phone", ""),
        topic=topic_label(str(d.get("topic", "")), locale),
        question=d.get("question", ""),
    )
    buttons = (
        (Button(t("booking.confirm", locale), choice="book:confirm"),),
        (
            Button(t("booking.edit", locale), choice="book:edit"),
            Button(t("booking.abandon", locale), choice="cancel"),
        ),
    )
    new = State(FLOW, Step.CONFIRM, {**state.draft, "editing": False}, locale)
    return Outcome(new, (Reply(text, buttons, kind="booking:summary"),))


def _consented(state: State) -> Outcome:
    if state.draft.get("saved"):
        buttons = (
            (Button(t("booking.saved_use", state.locale), choice="book:saved:use"),),
            (
                Button(t("booking.saved_new", state.locale), choice="book:saved:new"),
                Button(t("booking.saved_forget", state.locale), choice="book:saved:forget"),
            ),
        )
        new = State(FLOW, Step.SAVED, state.draft, state.locale)
        held = str(state.draft["saved"])
        return Outcome(new, (Reply(t("booking.saved_prompt", state.locale, held=held), buttons),))
    return _ask(state, Step.TAX_CODE)


def _ask(state: State, step: Step) -> Outcome:
    locale = state.locale
    new = State(FLOW, step, state.draft, locale)
    if step == Step.TOPIC:
        reply = Reply(t("booking.ask_topic", locale), topic_buttons("book:t:", locale))
    elif step == Step.REMEMBER:
        buttons = (
            (
                Button(t("booking.remember_yes", locale), choice="book:keep:yes"),
                Button(t("booking.remember_no", locale), choice="book:keep:no"),
            ),
        )
        reply = Reply(t("booking.ask_remember", locale), buttons)
    elif step == Step.CONSENT:
        return ask_consent(state)
    elif step == Step.CONFIRM:
        return summary(state)
    elif step in (Step.SESSION, Step.SAVED):
        return _consented(state) if step == Step.SAVED else start(state)
    else:
        reply = Reply(t(f"booking.ask_{step.value}", locale))
    return Outcome(new, (reply,))


EDITABLE = (Step.TAX_CODE, Step.NAME, Step.REPRESENTATIVE, Step.PHONE, Step.TOPIC, Step.QUESTION)
"""What «Sửa» offers to change, one at a time (the rest of the summary stays)."""


def _edit_menu(locale: str) -> Reply:
    rows = tuple(
        (Button(t(f"booking.edit_{step.value}", locale), choice=f"book:edit:{step.value}"),)
        for step in EDITABLE
    )
    return Reply(t("booking.edit_which", locale), rows)


def _then(state: State, following: Step) -> Outcome:
    """After an answer: the next question, or back to the summary when correcting one field."""
    return summary(state) if state.draft.get("editing") else _ask(state, following)


def _at(state: State, step: Step) -> bool:
    return state.flow == FLOW and state.step == step


def _question_limit(ctx: Context) -> int:
    return ctx.settings.booking_question_max_chars if ctx.settings is not None else 500


def resume(state: State, _ctx: Context | None = None) -> Outcome:
    """Asks the question of the step the registration waits at again (after "keep going")."""
    return _ask(state, Step(state.step)) if state.step in set(Step) else _expired(state)


def _expired(state: State) -> Outcome:
    """An old button: in the middle of a registration, carry on from its step; else say how."""
    if state.flow == FLOW and state.step in set(Step):
        return _ask(state, Step(state.step)).after(Reply(t("flow.button_expired", state.locale)))
    return Outcome(state, (Reply(t("booking.expired", state.locale)),))
