"""Start, menu, help, language and cancel: the flow-less parts of a conversation."""

from __future__ import annotations

from dataclasses import replace

from troly.bot.flows.base import Context, Outcome, State
from troly.bot.flows.tiles import tile_rows
from troly.bot.messages import Button, Reply
from troly.bot.texts import LOCALES, at_door, t


def menu_buttons(locale: str) -> tuple[tuple[Button, ...], ...]:
    """The main menu as buttons.

    Five: the Zalo OA shows up to five as buttons (more become numbered lines). Help is
    ``/trogiup`` and the other language ``/en`` (or the word "English"), named in the
    welcome; the web page and the kiosk have their own language switch.
    """
    return (
        (Button(t("menu.ask", locale), choice="menu:ask"),),
        (Button(t("menu.petition", locale), choice="menu:petition"),),
        (Button(t("menu.booking", locale), choice="menu:booking"),),
        (
            Button(t("menu.dossier", locale), choice="menu:dossier"),
            Button(t("menu.human", locale), choice="human"),
        ),
    )


def welcome(state: State, door: str | None = None) -> Outcome:
    """Greets the user and shows the menu (the kiosk: its own words and its topic tiles)."""
    text = t(at_door("menu.welcome", door), state.locale)
    return Outcome(state.idle(), (Reply(text, start_buttons(state.locale, door)),))


def start_buttons(locale: str, door: str | None) -> tuple[tuple[Button, ...], ...]:
    """The menu, after the common topics as tiles on the kiosk (a tap instead of typing)."""
    menu = menu_buttons(locale)
    return (*tile_rows(locale), *menu) if door == "kiosk" else menu


def main_menu(state: State) -> Outcome:
    """Shows the menu (leaving any flow)."""
    return Outcome(
        state.idle(), (Reply(t("menu.title", state.locale), menu_buttons(state.locale)),)
    )


def help_text(state: State, door: str | None = None) -> Outcome:
    """Says what the assistant can do and how (the kiosk: by its buttons, not commands)."""
    text = t(at_door("menu.help_text", door), state.locale)
    return Outcome(state, (Reply(text, menu_buttons(state.locale)),))


def prompt_question(state: State) -> Outcome:
    """Invites a procedure question; the procedure discussed so far stops being the context."""
    idle = state.idle()
    draft = {k: v for k, v in idle.draft.items() if k not in ("last_code", "choices")}
    return Outcome(replace(idle, draft=draft), (Reply(t("menu.ask_prompt", state.locale)),))


def set_language(state: State, locale: str, door: str | None = None) -> Outcome:
    """Switches the conversation's language (the kiosk's tiles come again, relabelled)."""
    if locale not in LOCALES:
        return Outcome(state, (Reply(t("menu.language_unknown", state.locale)),))
    new_state = replace(state, locale=locale)
    buttons = start_buttons(locale, door)
    return Outcome(new_state, (Reply(t("menu.language_set", locale), buttons),))


_CANCELLED = {
    "petition": "menu.cancelled_petition",
    "booking": "menu.cancelled_booking",
    "petition_add": "menu.cancelled_add",
}
"""What a cancel says it dropped, by flow (others: a plain "cancelled")."""
_WORTH_ASKING = {"petition": ("description",), "booking": ("tax_code", "business_name")}
"""The draft keys that make a cancel lose something typed, by flow: then it asks first."""


def cancel(state: State) -> Outcome:
    """Abandons whatever was under way (``/huy``, or confirmed), saying what it dropped."""
    key = _CANCELLED.get(state.flow or "", "menu.cancelled") if state.flow else None
    key = key or "menu.nothing_to_cancel"
    return Outcome(state.idle(), (Reply(t(key, state.locale), menu_buttons(state.locale)),))


def ask_cancel(state: State) -> Outcome:
    """The word "hủy" or a «Hủy» button: asks first when something typed would be lost."""
    flow = state.flow or ""
    if not any(state.draft.get(key) for key in _WORTH_ASKING.get(flow, ())):
        return cancel(state)
    locale = state.locale
    buttons = (
        (Button(t(f"menu.cancel_yes_{flow}", locale), choice="cancel:yes"),),
        (Button(t("menu.cancel_no", locale), choice="cancel:no"),),
    )
    return Outcome(state, (Reply(t(f"menu.cancel_confirm_{flow}", locale), buttons),))


def complaint(state: State, text: str) -> Outcome:
    """A complaint about slow handling or treatment: a petition (keeping it) or a person."""
    locale = state.locale
    buttons = (
        (Button(t("complaint.petition", locale), choice="menu:petition"),),
        (Button(t("complaint.person", locale), choice="human"),),
        (Button(t("complaint.ask", locale), choice="menu:ask"),),
    )
    # What was written becomes the petition's description, or the officer's first note.
    kept = state.with_draft(last_question=text)
    return Outcome(kept, (Reply(t("complaint.offer", locale), buttons, kind="complaint"),))


def forget(state: State) -> Outcome:
    """The kiosk's «Làm lại từ đầu» / «Xóa thông tin của tôi»: nothing typed here is kept.

    The draft goes whole (a half-written petition, a name, a phone, the questions asked), so
    the next person at the screen finds nothing of the last one. What was filed stays filed.
    """
    return Outcome(State(locale=state.locale), (Reply(t("menu.forgotten", state.locale)),))


def expired(state: State) -> Outcome:
    """Answers a button that no longer means anything (old message, unknown payload)."""
    return Outcome(state, (Reply(t("menu.expired", state.locale), menu_buttons(state.locale)),))


def staff_whoami(state: State, ctx: Context) -> Outcome:
    """Tells a group member their user id (for ``troly staff add``)."""
    return Outcome(state, (Reply(t("staff.whoami", state.locale, user_id=ctx.user_id)),))


def staff_cancel(state: State) -> Outcome:
    """Abandons a staff action under way in the group (a reason being typed)."""
    key = "staff.cancelled" if state.flow else "menu.nothing_to_cancel"
    return Outcome(state.idle(), (Reply(t(key, state.locale)),))


def staff_expired(state: State) -> Outcome:
    """Answers a staff button that no longer means anything."""
    return Outcome(state, (Reply(t("staff.expired", state.locale)),))
