"""The business's side after filing: ``/tracuu``, ``/cuatoi``, adding information, rating.

Pure: lookups and changes are effects; the appliers check that the petition is the asker's.
"""

from __future__ import annotations

import re
from enum import StrEnum

from troly.bot.flows import ask as ask_flow
from troly.bot.flows import menu, my_data
from troly.bot.flows.base import Context, Outcome, State
from troly.bot.flows.identity import check_phone
from troly.bot.flows.petition import prompt_key, takes_files
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.petitions.effects import (
    AddInfo,
    CommentRating,
    ListMine,
    LookupPetition,
    RatePetition,
    ReopenPetition,
)
from troly.bot.texts import t

ADD_FLOW = "petition_add"
RATE_FLOW = "petition_rate"
MAX_INFO_CHARS = 2000
PENDING = "pending"
"""Draft key: what the business wrote while asked whether it is about its open petition."""
ASKED = "asked_open"
"""Draft key: "<code> <date>" once the business said a message was not about that petition:
it is not asked again about that petition that day."""


class Step(StrEnum):
    """Where the status flows wait."""

    TEXT = "text"
    COMMENT = "comment"


# A phone number written beside a code: "PA-7K3M9Q 0912 345 678", "+84912345678".
_PHONE_IN = re.compile(r"(?<![\w-])(?:\+84|84|0)(?:[ .\-]?\d){8,10}(?![\w-])")


def split_phone(text: str) -> tuple[str, str | None]:
    """The text without the phone number written in it, and that number (``0912345678``)."""
    for found in _PHONE_IN.finditer(text):
        phone, _ = check_phone(found.group(0), "vi")
        if phone is not None:
            rest = text[: found.start()] + " " + text[found.end() :]
            return " ".join(rest.split()), phone
    return text, None


def lookup(state: State, arg: str, _ctx: Context) -> Outcome:
    """``/tracuu <code> [phone]``: asks for the code when it is missing."""
    code, phone = split_phone(arg.strip())
    if not code:
        return Outcome(state, (Reply(t("petition.lookup_usage", state.locale)),))
    return Outcome(state, (), (LookupPetition(code, phone),))


def mine(state: State, _arg: str, _ctx: Context) -> Outcome:
    """``/cuatoi``: lists one's own petitions."""
    return Outcome(state, (), (ListMine(),))


def on_choice(state: State, payload: str, ctx: Context) -> Outcome:
    """A button under a petition message (``pb:<what>:<code>[:<n>]``)."""
    locale = state.locale
    what, _, rest = payload.partition(":")
    code, _, value = rest.partition(":")
    if what in ("for", "notfor"):
        return _about_open(state, what == "for", code, ctx)
    if what == "add" and code:
        draft = {"code": code}
        skip = Button(t("petition.cancel", locale), choice="cancel")
        reply = Reply(t(prompt_key("petition.add_prompt", ctx), locale, code=code), ((skip,),))
        return Outcome(State(ADD_FLOW, Step.TEXT.value, draft, locale), (reply,))
    if what == "rate" and code and value in {"1", "2", "3", "4", "5"}:
        return Outcome(state.idle(), (), (RatePetition(code, int(value)),))
    if what == "reopen" and code:
        return Outcome(state.idle(), (), (ReopenPetition(code),))
    if what == "erase":
        # The erase button of an older ``/dulieu``: it now asks to confirm first.
        return my_data.ask_erase(state)
    if what == "skip":
        return Outcome(state.idle(), (Reply(t("petition.thanks", locale)),))
    return menu.expired(state)


def should_ask_open(state: State, code: str | None, ctx: Context) -> bool:
    """Whether an idle message should first be asked about the open petition ``code``."""
    return bool(code) and state.draft.get(ASKED) != f"{code} {ctx.now.date().isoformat()}"


def ask_open(state: State, code: str, text: str) -> Outcome:
    """Asks, with one tap, whether a message is for the business's open petition ``code``."""
    locale = state.locale
    buttons = (
        (Button(t("petition.open_yes", locale, code=code), choice=f"pb:for:{code}"),),
        (Button(t("petition.open_no", locale), choice=f"pb:notfor:{code}"),),
    )
    reply = Reply(t("petition.open_ask", locale, code=code), buttons, kind="petition:open")
    return Outcome(state.with_draft(**{PENDING: text}), (reply,))


def _about_open(state: State, for_it: bool, code: str, ctx: Context) -> Outcome:
    """Yes: the message goes to the petition's staff. No: it is answered as a question."""
    text = state.draft.get(PENDING)
    rest = state.with_draft(**{PENDING: None})
    if not isinstance(text, str) or not text:
        return menu.expired(rest)
    if for_it:
        return Outcome(rest, (), (AddInfo(code, text, ()),))
    declined = rest.with_draft(**{ASKED: f"{code} {ctx.now.date().isoformat()}"})
    return ask_flow.ask(declined, text, ctx)


def file_room(state: State, ctx: Context) -> int | None:
    """How many files the business may add with its information (None on a file-less door)."""
    if state.flow != ADD_FLOW or not takes_files(ctx):
        return None
    return ctx.settings.petition_max_attachments if ctx.settings is not None else 5


def on_add_text(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """The information the business adds (text and files) goes to the petition's staff."""
    locale = state.locale
    text = (incoming.text or "").strip()
    if not text and not incoming.attachments:
        prompt = t(prompt_key("petition.add_prompt", ctx), locale, code=state.draft["code"])
        return Outcome(state, (Reply(prompt),))
    if len(text) > MAX_INFO_CHARS:
        key = prompt_key("petition.too_long", ctx)
        reply = Reply(t(key, locale, length=len(text), limit=MAX_INFO_CHARS))
        return Outcome(state, (reply,))
    files = tuple(
        {"kind": a.kind, "ref": a.ref, "name": a.name, "mime_type": a.mime_type}
        for a in incoming.attachments
    )
    return Outcome(state.idle(), (), (AddInfo(str(state.draft["code"]), text, files),))


def on_comment(state: State, incoming: Incoming, _ctx: Context) -> Outcome:
    """The optional comment after a rating."""
    text = (incoming.text or "").strip()
    if not text:
        return Outcome(state.idle(), (Reply(t("petition.thanks", state.locale)),))
    return Outcome(state.idle(), (), (CommentRating(str(state.draft["code"]), text),))
