"""The petition's topics as buttons: the shared list of ``troly.bot.topics``.

Keys are stable ASCII (they travel in button payloads); the dialogue sessions use the same
list.
"""

from __future__ import annotations

from troly.bot.messages import Button
from troly.bot.topics import TOPIC_KEYS, TOPICS, topic_label

__all__ = ["TOPIC_KEYS", "topic_buttons", "topic_label"]


def topic_buttons(prefix: str, locale: str) -> tuple[tuple[Button, ...], ...]:
    """The topics as buttons, two a row, each sending ``<prefix><key>``."""
    buttons = [Button(topic_label(key, locale), choice=f"{prefix}{key}") for key, _, _ in TOPICS]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
