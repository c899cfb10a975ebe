"""Telegram updates of one person handled in the order they were sent, others concurrently.

PTB's ``concurrent_updates(64)`` starts a task per update, so two messages one person sends
within milliseconds ("khôi phục mã số thuế", then "thế còn lệ phí?") could be handled in
either order: the second might be answered before the card it follows up. This processor
keeps PTB's concurrency across people and serialises each person's updates in arrival
order. PTB creates the tasks in the order of the updates, and a task reaches
``do_process_update`` without yielding first, so taking a FIFO lock there (``asyncio.Lock``
wakes its waiters first come, first served) orders a person's updates as Telegram numbered
them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def sender_key(update: object) -> int | None:
    """Whose update this is (the person, in any chat), or None when it has no sender."""
    if not isinstance(update, Update):
        return None
    user = update.effective_user
    return user.id if user is not None else None


class PerSenderOrder(BaseUpdateProcessor):
    """Up to ``max_concurrent`` updates at once; one sender's updates one after another."""

    __slots__ = ("_locks", "_waiting")

    def __init__(self, max_concurrent: int) -> None:
        super().__init__(max_concurrent)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Awaits the update's handling after the same sender's earlier updates."""
        key = sender_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                # Nobody else holds or waits for this sender's lock: forget it.
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
