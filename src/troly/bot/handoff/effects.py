"""The live-handoff effects a pure step returns; ``appliers`` applies them in the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FLOW = "handoff"
"""The business's conversation flow while its chat is open (``draft["chat"]`` is its code)."""
STAFF_FLOW = "handoff_staff"
"""An officer's conversation in a chat's topic while it waits for the closing summary."""


@dataclass(frozen=True, slots=True)
class OpenChat:
    """The business asks for a person: open a live chat with these recent questions."""

    questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChatFromBusiness:
    """The business wrote during its live chat (``code``): relay it to the officers."""

    code: str
    text: str = ""
    files: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class LeaveChat:
    """The business ends its live chat (``/huy``, «Thôi, không chờ nữa»)."""

    code: str


@dataclass(frozen=True, slots=True)
class HandoffStaff:
    """An officer's action on a live chat from the staff group (checked against the roster).

    ``action``: ``take``, ``end`` (asks for the summary), ``summary`` (``text``), ``petition``
    (asks for the topic), ``topic`` (``arg``: the petition's topic), ``stay`` (keeps it going).
    """

    code: str
    action: str
    arg: str | None = None
    text: str | None = None
