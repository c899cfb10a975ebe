"""Dossier status by code: ``/hoso <mã hồ sơ>``, the words that ask it, following a dossier.

Pure: the lookup and the follows are effects (``bot/dossiers/service.py`` applies them with
the one-stop connector). Without a one-stop system configured it says where to look it up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from troly.bot.dossiers.model import parse_code
from troly.bot.flows import menu
from troly.bot.flows.base import Context, Outcome, State, command_of
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.texts import t
from troly.knowledge.folding import basic_fold

FLOW = "dossier"
MAX_WORDS = 14
QUESTION_WORDS = 3


class Step(StrEnum):
    """Where the dossier flow waits."""

    CODE = "code"


@dataclass(frozen=True, slots=True)
class LookupDossier:
    """Effect: look the dossier up in the one-stop system and show its status."""

    code: str


@dataclass(frozen=True, slots=True)
class FollowDossier:
    """Effect: follow the dossier (a poll follow-up tells the business of each change)."""

    code: str


@dataclass(frozen=True, slots=True)
class UnfollowDossier:
    """Effect: stop following the dossier."""

    code: str


@dataclass(frozen=True, slots=True)
class ListFollowed:
    """Effect: show the dossiers the business follows (before asking for a code)."""


_DOSSIER = (" ho so ", " dossier ")
_ASKING = tuple(
    f" {basic_fold(phrase)} "
    for phrase in (
        "đến đâu",
        "tới đâu",
        "thế nào rồi",
        "sao rồi",
        "xong chưa",
        "có kết quả chưa",
        "tình trạng",
        "trạng thái",
        "tiến độ",
        "tra cứu",
        "theo dõi",
        "status",
        "track",
        "where is",
    )
)
# A receipt's code: groups of letters and digits joined by dots or hyphens
# ("000.00.25.H56-241105-0001"); formats differ, so any such token with a digit counts.
_CODE_LIKE = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+){2,}")


def asked(text: str) -> str | None:
    """The code asked about ("" when none is given) if the message asks for a dossier's status.

    A short message naming a dossier with a status word or a code: "hồ sơ của tôi đến đâu
    rồi", "tra cứu hồ sơ 000.00.25.H56-241105-0001". "hồ sơ đăng ký kinh doanh gồm gì"
    stays a question for the knowledge base.
    """
    folded = basic_fold(text)
    if not folded or len(folded.split()) > MAX_WORDS:
        return None
    padded = f" {folded} "
    if not any(word in padded for word in _DOSSIER):
        return None
    code = next(
        (c for m in _CODE_LIKE.finditer(text) if (c := parse_code(m.group(0))) is not None), None
    )
    if code is not None:
        return code
    return "" if any(word in padded for word in _ASKING) else None


def is_dossier_code(text: str) -> bool:
    """Whether ``text`` is a whole dossier code in a receipt's shape (three groups or more)."""
    return _CODE_LIKE.fullmatch(text.strip()) is not None and parse_code(text) is not None


def wanted_code(incoming: Incoming) -> str | None:
    """The dossier code a message may look up, so it can be asked before the transaction.

    The code of ``/hoso``, ``/dossier``, ``/tracuu`` (a dossier's code), of the «Xem» and
    «Theo dõi» buttons, of a message asking about a dossier, or a message that is one (the
    answer to "send the code"). Pure; a guess that turns out unused costs one lookup.
    """
    if incoming.choice is not None:
        kind, _, rest = incoming.choice.partition(":")
        what, _, code = rest.partition(":")
        return parse_code(code) if kind == "dos" and what in {"look", "follow"} else None
    command = command_of(incoming)
    if command is not None:
        name, arg = command
        if name in {"hoso", "dossier"} or (name == "tracuu" and is_dossier_code(arg)):
            return parse_code(arg)
        return None
    text = (incoming.text or "").strip()
    if not text:
        return None
    return asked(text) or (parse_code(text) if is_dossier_code(text) else None)


def _connected(ctx: Context) -> bool:
    return ctx.settings is not None and bool(ctx.settings.dossier_url)


def start(state: State, arg: str, ctx: Context) -> Outcome:
    """``/hoso [mã]``: looks the code up, or asks for it (listing the dossiers followed)."""
    locale = state.locale
    settings = ctx.settings
    if settings is None or not _connected(ctx):
        page = settings.dossier_lookup_page if settings is not None else ""
        text = t("dossier.no_system", locale, page=page)
        button = (Button(t("dossier.portal_button", locale), url=page),) if page else ()
        rows = (button,) if button else ()
        return Outcome(state.idle(), (Reply(text, (*rows, *menu.menu_buttons(locale))),))
    if not arg.strip():
        waiting = State(FLOW, Step.CODE.value, {}, locale)
        return Outcome(waiting, (), (ListFollowed(),))
    return _code_given(state, arg, ctx)


def _code_given(state: State, text: str, _ctx: Context) -> Outcome:
    code = parse_code(text)
    locale = state.locale
    if code is None:
        waiting = State(FLOW, Step.CODE.value, {}, locale)
        return Outcome(waiting, (Reply(t("dossier.bad_code", locale), cancel_row(locale)),))
    return Outcome(state.idle(), (), (LookupDossier(code),))


def on_text(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """The code typed after ``/hoso`` asked for it."""
    text = (incoming.text or "").strip()
    if not text:
        return Outcome(
            state, (Reply(ctx.say("dossier.ask_code", state.locale), cancel_row(state.locale)),)
        )
    return _code_given(state, text, ctx)


def on_choice(state: State, payload: str, ctx: Context) -> Outcome:
    """A dossier button (``dos:<what>:<code>``)."""
    what, _, code = payload.partition(":")
    if what == "ask":
        return start(state, "", ctx)
    if what in {"look", "follow", "unfollow"} and parse_code(code) is not None:
        if what == "look" or (what == "follow" and not _connected(ctx)):
            return start(state, code, ctx)
        effect = FollowDossier(code) if what == "follow" else UnfollowDossier(code)
        return Outcome(state.idle(), (), (effect,))
    return menu.expired(state)


def cancel_row(locale: str) -> tuple[tuple[Button, ...], ...]:
    """The cancel button under a prompt."""
    return ((Button(t("petition.cancel", locale), choice="cancel"),),)
