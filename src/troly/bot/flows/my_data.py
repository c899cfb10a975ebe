"""``/dulieu``: see the personal data held about oneself, take a copy, erase it (confirmed).

Pure: what is held, and the erasing, come from the effects' appliers (``troly.bot.personal_data``).
"""

from __future__ import annotations

from dataclasses import dataclass

from troly.bot.flows.base import Context, Outcome, State
from troly.bot.messages import Reply
from troly.bot.texts import t

FLOW = "my_data"
CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class ShowMyData:
    """Effect: show what every job holds about the asker, with a button to erase it."""


@dataclass(frozen=True, slots=True)
class SendMyDataFile:
    """Effect: send everything ``ShowMyData`` shows as one JSON file (the right to a copy)."""


@dataclass(frozen=True, slots=True)
class AskErase:
    """Effect: say what erasing will erase and stop (bookings cancelled), and ask to confirm."""


@dataclass(frozen=True, slots=True)
class EraseMyData:
    """Effect: erase it, if what erasing stops is still what the confirmation said."""

    stops: tuple[str, ...]


def show(state: State, _arg: str = "", _ctx: Context | None = None) -> Outcome:
    """``/dulieu``: the personal data held about the asker."""
    return Outcome(state, (), (ShowMyData(),))


def ask_erase(state: State) -> Outcome:
    """The confirmation step before erasing (the applier lists the consequences)."""
    return Outcome(state, (), (AskErase(),))


def on_choice(state: State, rest: str, _ctx: Context) -> Outcome:
    """The buttons of ``/dulieu`` (``data:<what>``)."""
    if rest == "erase":
        return ask_erase(state)
    if rest == "file":
        return Outcome(state, (), (SendMyDataFile(),))
    if rest == "confirm":
        if state.flow != FLOW or state.step != CONFIRM:
            # An old confirmation: what it said may no longer hold, so ask again.
            return ask_erase(state)
        stops = tuple(str(line) for line in state.draft.get("stops", ()))
        return Outcome(state.idle(), (), (EraseMyData(stops),))
    if rest == "keep":
        return Outcome(state.idle(), (Reply(t("data.kept", state.locale)),))
    return Outcome(state, (Reply(t("menu.expired", state.locale)),))
