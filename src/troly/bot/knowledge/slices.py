"""CPU work on a worker's event loop in slices of about a millisecond, questions first.

A rebuild in a thread held the interpreter's lock for long stretches whatever the switch
interval, and each of a question's hand-offs to a database thread waited behind it. As small
steps on the loop, the work runs while no question is being answered and takes one slice in
every few milliseconds while one is. Must not import handlers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from troly.knowledge.steps import Steps

T = TypeVar("T")

SLICE_SECONDS = 0.001
"""How long the work runs before the event loop gets a turn."""

BUSY_REST_SECONDS = 0.004
"""How long the work rests after a slice while questions are being answered: each of a
question's awaits then finds the loop free but for one slice in five."""


def _never() -> bool:
    return False


async def in_slices(
    steps: Steps[T],
    *,
    busy: Callable[[], bool] = _never,
    work: float = SLICE_SECONDS,
    rest: float = BUSY_REST_SECONDS,
) -> T:
    """Runs the steps to the end on the event loop, giving way to questions.

    After every ``work`` seconds of steps the loop gets a turn; while ``busy()`` (questions are
    being answered) the work rests ``rest`` seconds first.
    """
    clock = time.perf_counter
    until = clock() + work
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if clock() >= until:
            await asyncio.sleep(rest if busy() else 0)
            until = clock() + work
