"""``/zns``: a Zalo OA user gives (or withdraws) a phone for notices outside the chat's window.

Zalo lets the OA write only within 7 days of the user's last message; after that an official
answer, an apology with a new date, a session reminder or a dossier's change can reach the
user only as a ZNS template to a phone given for it, with consent (facts/channels.md F).
Pure: storing and deleting are effects (``bot/notice_phones.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from troly.bot.flows import menu
from troly.bot.flows.base import Context, Outcome, State
from troly.bot.flows.identity import check_phone
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.texts import t

FLOW = "notice_phone"
PHONE = "phone"
CHANNEL = "zalo_oa"


@dataclass(frozen=True, slots=True)
class ShowNoticePhone:
    """Effect: say whether a phone is given, or ask for consent."""


@dataclass(frozen=True, slots=True)
class GiveNoticePhone:
    """Effect: store the phone and the consent."""

    phone: str


@dataclass(frozen=True, slots=True)
class WithdrawNoticePhone:
    """Effect: delete the phone (the consent is withdrawn)."""


def start(state: State, _arg: str, ctx: Context) -> Outcome:
    """``/zns``: only on the Zalo OA, where the window exists."""
    if ctx.channel != CHANNEL:
        return Outcome(
            state, (Reply(t("zns.only_oa", state.locale), menu.menu_buttons(state.locale)),)
        )
    return Outcome(state.idle(), (), (ShowNoticePhone(),))


def consent_reply(locale: str) -> Reply:
    """Asks for consent, with the purpose and the right to withdraw."""
    return Reply(
        t("zns.consent", locale),
        (
            (Button(t("zns.consent_yes", locale), choice="zns:consent:1"),),
            (Button(t("zns.consent_no", locale), choice="zns:consent:0"),),
        ),
        kind="consent",
    )


def on_choice(state: State, payload: str, ctx: Context) -> Outcome:
    """``zns:consent:1|0``, ``zns:change``, ``zns:off``."""
    locale = state.locale
    if ctx.channel != CHANNEL:
        return menu.expired(state)
    if payload == "consent:1" or payload == "change":
        ask = Reply(
            t("zns.ask_phone", locale), ((Button(t("petition.cancel", locale), choice="cancel"),),)
        )
        return Outcome(State(FLOW, PHONE, {}, locale), (ask,))
    if payload == "consent:0":
        return Outcome(state.idle(), (Reply(t("zns.declined", locale), menu.menu_buttons(locale)),))
    if payload == "off":
        return Outcome(state.idle(), (), (WithdrawNoticePhone(),))
    return menu.expired(state)


def on_text(state: State, incoming: Incoming, _ctx: Context) -> Outcome:
    """The phone, checked like every phone the assistant takes."""
    phone, problem = check_phone(incoming.text or "", state.locale)
    if problem is not None or phone is None:
        return Outcome(state, (problem or Reply(t("identity.phone_invalid", state.locale)),))
    return Outcome(state.idle(), (), (GiveNoticePhone(phone),))
