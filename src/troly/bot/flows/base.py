"""What every flow shares: the conversation state, the context a step runs in, and effects.

A flow's step is a pure function ``(state, incoming, context) -> Outcome``: no database, no
clock of its own, no platform. The engine applies the effects in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from troly.bot.follow_up import picked_number
from troly.bot.messages import Incoming, Reply
from troly.bot.province.details import ProvinceDetails, details_from
from troly.bot.settings import Settings
from troly.bot.texts import at_door, t
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import ProcedureIndex, SearchResult


@dataclass(frozen=True, slots=True)
class State:
    """A conversation's state: the active flow and step, a small JSON draft, the locale."""

    flow: str | None = None
    step: str | None = None
    draft: Mapping[str, Any] = field(default_factory=dict)
    locale: str = "vi"

    def with_draft(self, **values: Any) -> State:
        """A copy with ``values`` merged into the draft."""
        return replace(self, draft={**self.draft, **values})

    def idle(self) -> State:
        """The state with no active flow, keeping the locale, the last procedure and questions.

        The recent questions stay so that an officer the business then asks for sees them.
        """
        kept = (
            "last_code",
            "recent_questions",
            "choices",
            "choice_aspect",
            "choice_folded",
            "asked_open",
        )
        keep = {k: v for k, v in self.draft.items() if k in kept}
        return State(flow=None, step=None, draft=keep, locale=self.locale)


_TEXT = (str, type(None))
DRAFT_TYPES: Mapping[str, tuple[type, ...]] = {
    **dict.fromkeys(
        (
            "topic",
            "description",
            "commune_code",
            "commune_name",
            "business_name",
            "tax_code",
            "phone",
            "representative",
            "question",
            "code",
            "until",
            "last_code",
            "last_question",
            "choice_folded",
            "chat",
            "pending",
            "asked_open",
            "door",
        ),
        _TEXT,
    ),
    **dict.fromkeys(
        ("public", "consent", "editing", "petition_filed", "acked"), (bool, type(None))
    ),
    **dict.fromkeys(
        ("attachments", "stops", "recent_questions", "carried_files"), (list, type(None))
    ),
}
"""The types of the draft values the steps read, by key: a stored draft holding another type
was not written by a step, and is not loaded (the conversation starts again)."""


def draft_fits(draft: Mapping[str, Any]) -> bool:
    """Whether every value the steps read from a stored draft has the type they expect."""
    return all(isinstance(draft[key], DRAFT_TYPES.get(key, object)) for key in draft)


@dataclass(frozen=True, slots=True)
class Support:
    """How to reach a person while no petition flow exists for the question."""

    phone: str
    hours: str
    place: str
    hours_en: str = ""
    place_en: str = ""

    def in_locale(self, locale: str) -> Support:
        """The same contacts with the hours and place in ``locale`` (Vietnamese otherwise)."""
        if locale == "en" and self.hours_en:
            return Support(self.phone, self.hours_en, self.place_en or self.place)
        return self


def support_of(settings: Settings, details: ProvinceDetails | None) -> Support:
    """How to reach a person: the center's hotline, hours and place, else the settings'.

    Without a center hotline the support setting's number (the national portal's) is given.
    """
    if details is None:
        details = details_from(settings)
    place = details.center_place()
    return Support(
        phone=details.center_hotline or settings.support_phone,
        hours=details.center_hours or settings.support_hours,
        place=place or settings.support_place,
        hours_en=settings.support_hours_en,
        place_en=(
            f"{settings.support_place_en}, {details.center_address}"
            if details.center_address
            else settings.support_place_en
        ),
    )


@dataclass(frozen=True, slots=True)
class Context:
    """What a step may consult: the knowledge index, the time, limits, support contacts."""

    index: ProcedureIndex
    now: datetime
    max_question_chars: int
    support: Support
    channel: str = "web"
    settings: Settings | None = None
    user_id: str = ""
    details: ProvinceDetails | None = None
    """The province's own details (service center, portal, local notes), when known."""
    open_petition: str | None = None
    """The code of the user's newest open petition, when the door's dialogue looks it up."""
    door: str | None = None
    """The door within the channel (``"kiosk"``), whose sentences may differ (``at_door``)."""

    def say(self, key: str, locale: str, /, **values: Any) -> str:
        """The sentence ``key`` as this door says it (its ``key@door`` variant, if any)."""
        return t(at_door(key, self.door), locale, **values)


@dataclass(frozen=True, slots=True)
class LogQuestion:
    """Effect: record a knowledge-base question in the question log."""

    result: SearchResult


@dataclass(frozen=True, slots=True)
class RecordPick:
    """Effect: the person picked ``code`` from the choices offered for a logged question.

    ``folded``: the question as the log keeps it (masked, folded), to find its row.
    """

    folded: str
    code: str


def picked_from_choices(state: State, code: str) -> tuple[RecordPick, ...]:
    """The effect that records a pick, when ``code`` is one of the choices just offered."""
    choices, folded = state.draft.get("choices"), state.draft.get("choice_folded")
    if isinstance(choices, list) and code in choices and isinstance(folded, str):
        return (RecordPick(folded, code),)
    return ()


# An effect is any frozen dataclass a step returns for the engine to apply in the message's
# transaction: ``LogQuestion`` here; petitions and bookings define their own, each with an
# applier registered with the dialogue (``Dialogue(appliers=...)``).
Effect = object


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one step: the new state, the replies, the effects to apply."""

    state: State
    replies: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()

    def after(self, *first: Reply) -> Outcome:
        """The same outcome with ``first`` said before its replies."""
        return Outcome(self.state, (*first, *self.replies), self.effects)


Step = Callable[[State, Incoming, Context], Outcome]


def command_of(incoming: Incoming) -> tuple[str, str] | None:
    """The command and its argument of a "/command arg" text ("/start@bot x" -> start, x)."""
    text = (incoming.text or "").strip()
    if not text.startswith("/"):
        return None
    head, _, arg = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name, arg.strip()) if name else None


def typed_button(text: str, shown: Outcome) -> str | None:
    """The choice of the button a person typed instead of pressing, if the text names one.

    On a phone, typing «xây dựng» or «2» where «🏗️ Xây dựng» is the second button is the same
    answer; only buttons that send a choice (not links) count, in reading order.
    """
    buttons = [b for reply in shown.replies for b in reply.all_buttons() if b.choice is not None]
    if not buttons:
        return None
    number = picked_number(text)
    if number is not None:
        return buttons[number - 1].choice if 1 <= number <= len(buttons) else None
    said = _label_words(text)
    matching = [b.choice for b in buttons if said and _label_words(b.label) == said]
    return matching[0] if len(matching) == 1 else None


def _label_words(text: str) -> str:
    """A label as plain folded words: no emoji, marks, case or punctuation."""
    return " ".join(re.findall(r"[a-z0-9]+", basic_fold(text)))
