"""Routes one incoming message to the right step: commands and buttons first, then the flow.

Pure: ``route(state, incoming, context) -> Outcome``. ``/huy`` works from any step. Each job
registers its commands, its button prefixes and its active-flow step in the tables below.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from troly.bot.cards import Section
from troly.bot.codes import normalise_code
from troly.bot.flows import ask as ask_flow
from troly.bot.flows import (
    booking,
    dossier,
    handoff,
    menu,
    my_data,
    notice_phone,
    screening,
    smalltalk,
    tiles,
    words,
)
from troly.bot.flows import petition as petition_flow
from troly.bot.flows import staff as staff_flow
from troly.bot.flows import status as status_flow
from troly.bot.flows.base import Context, Outcome, State, Step, command_of, picked_from_choices
from troly.bot.messages import Incoming
from troly.knowledge.aspects import Aspect

_DEEP_LINK_PROCEDURE = re.compile(r"^p_(\d)_(\d{6})$")

Command = Callable[[State, str, Context], Outcome]
"""A command's handler: the state, the text after the command, the context."""
ChoiceHandler = Callable[[State, str, Context], Outcome]
"""A button's handler: the state, the payload after ``prefix:``, the context."""


def _start(state: State, arg: str, ctx: Context) -> Outcome:
    found = _DEEP_LINK_PROCEDURE.match(arg)
    if found:
        code = f"{found.group(1)}.{found.group(2)}"
        return ask_flow.show_procedure(state.idle(), code, Aspect.GENERAL, ctx)
    return menu.welcome(state, ctx.door)


def _ask(state: State, arg: str, ctx: Context) -> Outcome:
    return ask_flow.ask(state.idle(), arg, ctx) if arg else menu.prompt_question(state)


def _petition(state: State, _arg: str, ctx: Context) -> Outcome:
    return petition_flow.start_from_draft(state, ctx)


def _person(state: State, _arg: str, ctx: Context) -> Outcome:
    return handoff.request(state, ctx)


def _look_up(state: State, arg: str, ctx: Context) -> Outcome:
    """``/tracuu``: a petition code (PA-) to the petitions, others (DT-, CK-) to the bookings.

    The same in the staff group, where the appliers show staff any code. A dossier's code
    (``000.00.25.H56-241105-0001``) is looked up as ``/hoso`` would.
    """
    code, _phone = status_flow.split_phone(arg)
    if not code.strip() or normalise_code(code, prefixes=("PA",)) is not None:
        return status_flow.lookup(state, arg, ctx)
    if dossier.is_dossier_code(arg):
        return dossier.start(state, arg, ctx)
    return booking.look_up(state, arg, ctx)


def _status(state: State, arg: str, ctx: Context) -> Outcome:
    """``/status``: a code's status, or one's own petitions without one."""
    return _look_up(state, arg, ctx) if arg.strip() else status_flow.mine(state, arg, ctx)


def _language(state: State, arg: str, ctx: Context) -> Outcome:
    wanted = arg.lower() or ("en" if state.locale == "vi" else "vi")
    return menu.set_language(state, wanted, ctx.door)


COMMANDS: dict[str, Command] = {
    "huy": lambda state, _arg, _ctx: menu.cancel(state),
    "cancel": lambda state, _arg, _ctx: menu.cancel(state),
    "start": _start,
    "menu": lambda state, _arg, _ctx: menu.main_menu(state),
    "help": lambda state, _arg, ctx: menu.help_text(state, ctx.door),
    "trogiup": lambda state, _arg, ctx: menu.help_text(state, ctx.door),
    "huongdan": lambda state, _arg, ctx: menu.help_text(state, ctx.door),
    "lang": _language,
    "ngonngu": _language,
    "en": lambda state, _arg, ctx: menu.set_language(state, "en", ctx.door),
    "vi": lambda state, _arg, ctx: menu.set_language(state, "vi", ctx.door),
    "hoi": _ask,
    "ask": _ask,
    "canbo": _person,
    "hotro": _person,
    "human": _person,
    "phananh": lambda state, _arg, ctx: petition_flow.start(state, ctx),
    "cuatoi": status_flow.mine,
    "dulieu": my_data.show,
    "dangky": booking.start,
    "lichcuatoi": booking.my_bookings,
    "tracuu": _look_up,
    "hoso": dossier.start,
    "zns": notice_phone.start,
    # English aliases.
    "petition": lambda state, _arg, ctx: petition_flow.start(state, ctx),
    "feedback": lambda state, _arg, ctx: petition_flow.start(state, ctx),
    "status": _status,
    "mypetitions": status_flow.mine,
    "book": booking.start,
    "mybookings": booking.my_bookings,
    "mydata": my_data.show,
    "person": _person,
    "dossier": dossier.start,
}


def _cancel_choice(state: State, rest: str, ctx: Context) -> Outcome:
    """«Hủy» asks first when something typed would be lost; then yes cancels, no resumes."""
    if rest == "yes":
        return menu.cancel(state)
    if rest == "no":
        resume = RESUME.get(state.flow or "")
        return resume(state, ctx) if resume is not None else menu.main_menu(state)
    return menu.ask_cancel(state)


def _menu_choice(state: State, rest: str, ctx: Context) -> Outcome:
    if rest == "ask":
        return menu.prompt_question(state)
    if rest == "help":
        return menu.help_text(state, ctx.door)
    if rest == "booking":
        return booking.start(state)
    if rest == "human":
        return _person(state, "", ctx)
    if rest == "petition":
        return _petition(state, "", ctx)
    if rest == "dossier":
        return dossier.start(state, "", ctx)
    return menu.main_menu(state)


def _procedure_choice(kind: str) -> ChoiceHandler:
    def handle(state: State, rest: str, ctx: Context) -> Outcome:
        code, _, aspect_name = rest.partition(":")
        try:
            aspect = Aspect(aspect_name) if aspect_name else Aspect.GENERAL
        except ValueError:
            aspect = Aspect.GENERAL
        if kind == "docs":
            return ask_flow.show_section(state, code, Section.DOCUMENTS, 0, ctx)
        shown = ask_flow.show_procedure(state, code, aspect, ctx)
        return Outcome(shown.state, shown.replies, picked_from_choices(state, code))

    return handle


def _tile_choice(state: State, rest: str, ctx: Context) -> Outcome:
    """A kiosk tile: its common question asked as if typed, or the job it opens."""
    tile = tiles.find(rest)
    if tile is None:
        return menu.expired(state)
    question = tile.question(state.locale)
    if question is not None:
        return ask_flow.ask(state.idle(), question, ctx)
    kind, _, more = tile.action.partition(":")
    return CHOICES[kind](state, more, ctx)


def _section_choice(state: State, rest: str, ctx: Context) -> Outcome:
    """``sec:<code>:<docs|steps|legal>:<page>``: a page of a procedure's long section."""
    code, _, tail = rest.partition(":")
    name, _, page = tail.partition(":")
    try:
        section = Section(name)
    except ValueError:
        return menu.expired(state)
    return ask_flow.show_section(state, code, section, int(page) if page.isdigit() else 0, ctx)


CHOICES: dict[str, ChoiceHandler] = {
    "start": lambda state, _rest, ctx: menu.welcome(state, ctx.door),
    "cancel": _cancel_choice,
    "forget": lambda state, _rest, _ctx: menu.forget(state),
    "lang": lambda state, rest, ctx: menu.set_language(state, rest, ctx.door),
    "tile": _tile_choice,
    "menu": _menu_choice,
    "human": _person,
    "pf": petition_flow.on_choice,
    "pb": status_flow.on_choice,
    "ps": staff_flow.on_choice,
    "proc": _procedure_choice("proc"),
    "asp": _procedure_choice("asp"),
    "docs": _procedure_choice("docs"),
    "sec": _section_choice,
    "book": booking.on_choice,
    "data": my_data.on_choice,
    "dos": dossier.on_choice,
    "zns": notice_phone.on_choice,
}

FLOWS: dict[str, Step] = {
    booking.FLOW: booking.on_text,
    petition_flow.FLOW: petition_flow.on_text,
    status_flow.ADD_FLOW: status_flow.on_add_text,
    status_flow.RATE_FLOW: status_flow.on_comment,
    staff_flow.FLOW: staff_flow.on_text,
    dossier.FLOW: dossier.on_text,
    notice_phone.FLOW: notice_phone.on_text,
}
"""The step that takes free text (and attachments) while a flow is active, by flow name."""

STEPS: dict[str, frozenset[str]] = {
    petition_flow.FLOW: frozenset(petition_flow.Step),
    booking.FLOW: frozenset(booking.Step),
    status_flow.ADD_FLOW: frozenset({status_flow.Step.TEXT}),
    status_flow.RATE_FLOW: frozenset({status_flow.Step.COMMENT}),
    staff_flow.FLOW: staff_flow.STEPS,
    screening.FLOW: frozenset({screening.REASON, screening.CANCEL_REASON}),
    my_data.FLOW: frozenset({my_data.CONFIRM}),
    handoff.FLOW: frozenset({"waiting", "live"}),
    handoff.STAFF_FLOW: frozenset({"summary"}),
    dossier.FLOW: frozenset(dossier.Step),
    notice_phone.FLOW: frozenset({notice_phone.PHONE}),
}
"""Every flow a conversation may be in, with the steps it may wait at."""

RESUME: dict[str, Callable[[State, Context], Outcome]] = {
    petition_flow.FLOW: petition_flow.resume,
    booking.FLOW: booking.resume,
}
"""How a flow asks its waiting question again when the person keeps going after «Hủy»."""


def known_step(flow: str | None, step: str | None) -> bool:
    """Whether a stored (flow, step) is one the flows still have (no flow: always)."""
    return flow is None or step in STEPS.get(flow, frozenset())


FILE_STEPS: dict[str, Callable[[State, Context], int | None]] = {
    petition_flow.FLOW: petition_flow.file_room,
    status_flow.ADD_FLOW: status_flow.file_room,
    handoff.FLOW: handoff.file_room,
}
"""How many files the active flow's step takes now, by flow name (flows absent take none)."""


def file_room(state: State, ctx: Context) -> int | None:
    """How many more files the user may send now, or None when the step takes none.

    0: the step has all the files it takes. A door offers its attach button only above 0.
    """
    room = FILE_STEPS.get(state.flow or "")
    return room(state, ctx) if room is not None else None


# The staff group: only staff actions are understood there, and the bot stays quiet about
# anything else (it reads every message of the group as an admin).
STAFF_COMMANDS: dict[str, Command] = {
    "id": lambda state, _arg, ctx: menu.staff_whoami(state, ctx),
    "huy": lambda state, _arg, _ctx: menu.staff_cancel(state),
    "cancel": lambda state, _arg, _ctx: menu.staff_cancel(state),
    "tracuu": _look_up,
    "status": _look_up,
}
STAFF_CHOICES: dict[str, ChoiceHandler] = {
    "scr": screening.on_choice,
    "ps": staff_flow.on_choice,
    "hs": handoff.on_staff_choice,
}
STAFF_FLOWS: dict[str, Step] = {
    screening.FLOW: screening.on_text,
    staff_flow.FLOW: staff_flow.on_text,
    handoff.STAFF_FLOW: handoff.on_staff_text,
    "": staff_flow.on_text,
}
"""The step taking a staff member's free text in the group: by active flow, "" otherwise."""


def route(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """Decides what the message means and runs it."""
    if incoming.in_group:
        return route_staff(state, incoming, ctx)
    if state.flow == handoff.FLOW:
        # A person is talking with the business: the bot relays, it does not answer.
        return handoff.in_chat(state, incoming, ctx)
    if incoming.choice is not None:
        kind, _, rest = incoming.choice.partition(":")
        handler = CHOICES.get(kind)
        return handler(state, rest, ctx) if handler is not None else menu.expired(state)
    command = command_of(incoming)
    if command is not None:
        name, arg = command
        found = COMMANDS.get(name)
        return found(state, arg, ctx) if found is not None else menu.help_text(state, ctx.door)
    text = (incoming.text or "").strip()
    said = words.command_of_words(text) if text else None
    if said in (words.CANCEL, "menu") and state.flow is not None:
        # Leaving a flow by a word asks first when something typed would be lost.
        return menu.ask_cancel(state) if said == words.CANCEL else _leave_for_menu(state)
    step = FLOWS.get(state.flow) if state.flow is not None else None
    if step is not None:
        return step(state, incoming, ctx)
    if not text and incoming.attachments:
        return menu.help_text(state, ctx.door)
    return _free_text(state, text, said, ctx)


def _leave_for_menu(state: State) -> Outcome:
    asked = menu.ask_cancel(state)
    return menu.main_menu(state) if asked.state.flow is None else asked


def _free_text(state: State, text: str, said: str | None, ctx: Context) -> Outcome:
    """A message outside any flow: a word, a code, small talk, a complaint, else a question."""
    if said is not None and said in COMMANDS:
        return COMMANDS[said](state, "", ctx)
    if (code := words.code_in(text)) is not None:
        # "tra cứu PA-7K3M9Q 0912345678": the phone the petition left comes along.
        phone = status_flow.split_phone(text)[1]
        return _look_up(state, f"{code} {phone}" if phone else code, ctx)
    if handoff.wants_person(text):
        return handoff.request(state, ctx)
    if (code := dossier.asked(text)) is not None:
        return dossier.start(state, code, ctx)
    if (chat := smalltalk.kind_of(text)) is not None:
        return smalltalk.answer(state, chat, ctx.door)
    if status_flow.should_ask_open(state, ctx.open_petition, ctx):
        return status_flow.ask_open(state, str(ctx.open_petition), text)
    if words.is_complaint(text):
        return menu.complaint(state, text)
    return ask_flow.ask(state, text, ctx)


def route_staff(state: State, incoming: Incoming, ctx: Context) -> Outcome:
    """Routes a message or button press from the staff group (authorised by the appliers)."""
    if incoming.choice is not None:
        kind, _, rest = incoming.choice.partition(":")
        handler = STAFF_CHOICES.get(kind)
        return handler(state, rest, ctx) if handler is not None else menu.staff_expired(state)
    command = command_of(incoming)
    if command is not None:
        name, arg = command
        found = STAFF_COMMANDS.get(name)
        return found(state, arg, ctx) if found is not None else Outcome(state)
    step = STAFF_FLOWS.get(state.flow or "")
    return step(state, incoming, ctx) if step is not None else Outcome(state)
