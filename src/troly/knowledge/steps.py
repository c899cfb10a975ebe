"""Work done a small step at a time: a generator that yields between steps and returns a result.

Building an index or reading an import this way lets a worker run it on its event loop between
questions (``troly.bot.knowledge.live.in_slices``); ``finished`` runs it all at once.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

T = TypeVar("T")

Steps = Generator[None, None, T]
"""Work that yields after each small step (well under a millisecond) and returns its result."""


def finished(steps: Steps[T]) -> T:
    """Runs all the steps at once and returns the result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
