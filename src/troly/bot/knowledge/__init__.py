"""The knowledge the bot answers from: its source, what staff taught, and its reload.

``source`` gathers the records, the bundled vocabulary and the taught layer into one input and
builds the index from it; ``live`` holds the index in use and swaps it when the knowledge
generation in the database moves; ``taught`` is the teach / undo service.
"""

from __future__ import annotations

from troly.bot.knowledge.source import build_index

__all__ = ["build_index"]
