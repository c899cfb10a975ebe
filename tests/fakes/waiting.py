"""What the fake servers share: waiting, without polling, for their state to change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class StateChanges:
    """A fake's state changes wake whoever waits on them.

    The fake creates ``self._event`` and calls ``_bump()`` after every change it records;
    ``errors`` is what it refused, quoted when a wait runs out.
    """

    _event: asyncio.Event
    errors: list[Any]

    def _bump(self) -> None:
        """Wakes everything waiting for a state change."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> Any:
        """Waits (event-driven) until ``predicate()`` is truthy and returns its value."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._event
                    result = predicate()
                    if result:
                        return result
                    await event.wait()
        except TimeoutError:
            raise TimeoutError(f"{what} not met within {timeout}s; errors={self.errors}") from None
