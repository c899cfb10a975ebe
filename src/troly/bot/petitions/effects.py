"""Effects the petition flows return; their appliers (``petitions.appliers``) do the work.

Frozen dataclasses only: a flow step stays pure and testable without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SubmitPetition:
    """Record the petition in the draft, open its staff topic, schedule its follow-ups."""

    draft: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LookupPetition:
    """Show one petition's status, history and answer, to its owner or to staff only.

    With ``phone``, also to whoever gives the code with the phone the petition left (a petition
    filed on the kiosk, followed later from a phone).
    """

    code: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ListMine:
    """List the petitions of the user who asks."""


@dataclass(frozen=True, slots=True)
class AddInfo:
    """The business adds information (or answers staff): recorded and relayed to the topic."""

    code: str
    text: str
    attachments: tuple[Mapping[str, Any], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RatePetition:
    """The business rates the answer (1–5); the petition closes."""

    code: str
    rating: int


@dataclass(frozen=True, slots=True)
class CommentRating:
    """The optional comment after a rating."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class ReopenPetition:
    """The business says the answer did not settle it: the petition is reopened."""

    code: str


@dataclass(frozen=True, slots=True)
class StaffAction:
    """A staff member acts on a petition (claim, assign, new date, answer, close, relay).

    The applier checks the roster first: anyone else in the group cannot act.
    """

    code: str
    action: str
    arg: str | None = None
    text: str | None = None
    thread: str | None = None
    """For a message written in a topic: the topic it was written in."""
    attachments: tuple[Mapping[str, Any], ...] = field(default=())
    """Files sent with a message in the topic (``kind``, ``ref``, ``name``, ``size``…)."""
