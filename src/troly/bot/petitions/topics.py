"""The short list of subjects a petition (or a booking's question) is about.

Keys are stable ASCII (they travel in button payloads); labels live in the catalogues as
``topic.<key>``. The list follows the knowledge base's fields of procedures.
"""

from __future__ import annotations

from troly.bot.messages import Button
from troly.bot.texts import t

TOPICS: tuple[str, ...] = (
    "business_registration",
    "investment",
    "land",
    "construction",
    "tax",
    "customs",
    "environment",
    "fire_safety",
    "social_insurance",
    "other",
)


def topic_label(key: str, locale: str) -> str:
    """The topic's name in ``locale`` (the key itself for one no longer listed)."""
    return t(f"topic.{key}", locale) if key in TOPICS else key


def topic_buttons(prefix: str, locale: str) -> tuple[tuple[Button, ...], ...]:
    """The topics as buttons, two a row, each sending ``<prefix><key>``."""
    buttons = [Button(topic_label(key, locale), choice=f"{prefix}{key}") for key in TOPICS]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
