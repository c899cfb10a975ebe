"""Routes one incoming message to the right step: commands and buttons first, then the flow.

Pure: ``route(state, incoming, context) -> Outcome``. ``/huy`` works from any step.
"""

from __future__ import annotations

import re

from troly.bot.flows import ask as ask_flow
from troly.bot.flows import menu
from troly.bot.flows.base import Context, Outcome, State, command_of
from troly.bot.messages import Incoming
from troly.knowledge.aspects import Aspect

_DEEP_LINK_PROCEDURE = re.compile(r"^p_(\d)_(\d{6})$")
_CANCEL_WORDS = {"huy", "hủy", "huỷ", "cancel", "thoat", "thoát"}


def route(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """Decides what the message means and runs it."""
    if incoming.choice is not None:
        return _choice(state, incoming.choice, ctx)
    command = command_of(incoming)
    if command is not None:
        return _command(state, *command, ctx=ctx)
    text = (incoming.text or "").strip()
    if text.lower() in _CANCEL_WORDS:
        return menu.cancel(state)
    if not text and incoming.attachments:
        return menu.help_text(state)
    return ask_flow.ask(state, text, ctx)


def _command(state: State, name: str, arg: str, *, ctx: Context) -> Outcome:
    if name in {"huy", "cancel"}:
        return menu.cancel(state)
    if name == "start":
        found = _DEEP_LINK_PROCEDURE.match(arg)
        if found:
            code = f"{found.group(1)}.{found.group(2)}"
            return ask_flow.show_procedure(state.idle(), code, Aspect.GENERAL, ctx)
        return menu.welcome(state)
    if name == "menu":
        return menu.main_menu(state)
    if name in {"help", "trogiup", "huongdan"}:
        return menu.help_text(state)
    if name in {"lang", "ngonngu"}:
        return menu.set_language(state, arg.lower() or ("en" if state.locale == "vi" else "vi"))
    if name in {"en", "vi"}:
        return menu.set_language(state, name)
    if name in {"hoi", "ask"}:
        return ask_flow.ask(state, arg, ctx) if arg else menu.prompt_question(state)
    if name in {"canbo", "hotro", "human"}:
        return menu.talk_to_person(state, ctx)
    return menu.help_text(state)


def _choice(state: State, choice: str, ctx: Context) -> Outcome:
    kind, _, rest = choice.partition(":")
    if kind == "start":
        return menu.welcome(state)
    if kind == "cancel":
        return menu.cancel(state)
    if kind == "lang":
        return menu.set_language(state, rest)
    if kind == "menu":
        if rest == "ask":
            return menu.prompt_question(state)
        if rest == "help":
            return menu.help_text(state)
        if rest in {"petition", "booking", "human"}:
            return menu.talk_to_person(state, ctx)
        return menu.main_menu(state)
    if kind == "human":
        return menu.talk_to_person(state, ctx)
    if kind in {"proc", "asp", "docs"}:
        code, _, aspect_name = rest.partition(":")
        try:
            aspect = Aspect(aspect_name) if aspect_name else Aspect.GENERAL
        except ValueError:
            aspect = Aspect.GENERAL
        if kind == "docs":
            return ask_flow.show_procedure(state, code, Aspect.DOCUMENTS, ctx, all_documents=True)
        return ask_flow.show_procedure(state, code, aspect, ctx)
    return menu.expired(state)
