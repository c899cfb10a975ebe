"""Paces sends to a chat platform: a token bucket per chat, a sliding window per group and
one for everything, served first come first served, one send at a time per chat.

Each send is counted from the moment its answer came back (never earlier than the platform
counted it), and a send still on its way holds its place, so the platform never sees more
than the limits. The clock and the sleep are injected: tests move a clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

Sleep = Callable[[float], Awaitable[None]]

IN_FLIGHT_POLL = 0.05
"""Seconds between looks when only sends still on their way fill a window."""
_EPSILON = 1e-9
_CHATS_KEPT = 4096


@dataclass(frozen=True, slots=True)
class PaceLimits:
    """How fast a platform may be written to (Telegram's Bot FAQ numbers by default)."""

    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    overall_per_second: int = 30


class Window:
    """At most ``limit`` sends in any ``period`` seconds (sends on their way count)."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._done: deque[float] = deque()
        self._in_flight = 0

    def wait(self, now: float) -> float | None:
        """Seconds until there is room (0: now), or None while sends on their way fill it."""
        while self._done and self._done[0] <= now - self.period:
            self._done.popleft()
        over = len(self._done) + self._in_flight - self.limit
        if over < 0:
            return 0.0
        if over >= len(self._done):
            return None
        return self._done[over] + self.period - now

    def take(self) -> None:
        """A send leaves."""
        self._in_flight += 1

    def done(self, at: float) -> None:
        """The send's answer came back at ``at``: it counts from then."""
        self._in_flight -= 1
        self._done.append(at)

    @property
    def idle(self) -> bool:
        """Nothing on its way and nothing counted."""
        return self._in_flight == 0 and not self._done


@dataclass
class _Chat:
    tokens: float
    at: float
    group: Window | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    paused_until: float = 0.0


class Pacer:
    """Hands out send slots within the limits; see the module docstring."""

    def __init__(
        self,
        limits: PaceLimits,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.limits = limits
        self._clock = clock or time.monotonic
        self._sleep: Sleep = sleep or asyncio.sleep
        self._overall = Window(limits.overall_per_second, 1.0)
        self._overall_turn = asyncio.Lock()  # first come, first served across chats
        self._chats: dict[str, _Chat] = {}

    def _now(self) -> float:
        return self._clock()

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: str, *, group: bool) -> AsyncIterator[None]:
        """Waits for the chat's turn within every limit, then holds it while the send runs.

        One send at a time per chat, in the order they asked; a busy chat waits on its own
        bucket without holding up the others.
        """
        chat = self._chat(chat_id, group=group)
        async with chat.lock:
            await self._until(lambda now: self._chat_wait(chat, now))
            async with self._overall_turn:
                await self._until(self._overall.wait)
                self._overall.take()
            if chat.group is not None:
                chat.group.take()
            try:
                yield
            finally:
                now = self._now()
                self._overall.done(now)
                if chat.group is not None:
                    chat.group.done(now)
                chat.tokens = self._tokens(chat, now) - 1.0
                chat.at = now

    def pause(self, chat_id: str, seconds: float, *, group: bool) -> None:
        """The platform said to wait (a 429): nothing more goes to that chat until then."""
        chat = self._chat(chat_id, group=group)
        chat.paused_until = max(chat.paused_until, self._now() + seconds)

    def _tokens(self, chat: _Chat, now: float) -> float:
        refill = (now - chat.at) * self.limits.chat_per_second
        return min(float(self.limits.chat_burst), chat.tokens + refill)

    def _chat_wait(self, chat: _Chat, now: float) -> float | None:
        wait = max(0.0, chat.paused_until - now)
        tokens = self._tokens(chat, now)
        if tokens < 1.0 - _EPSILON:
            wait = max(wait, (1.0 - tokens) / self.limits.chat_per_second)
        if chat.group is not None:
            group_wait = chat.group.wait(now)
            if group_wait is None:
                return None
            wait = max(wait, group_wait)
        return wait

    async def _until(self, wait_at: Callable[[float], float | None]) -> None:
        while True:
            wait = wait_at(self._now())
            if wait is not None and wait <= _EPSILON:
                return
            await self._sleep(IN_FLIGHT_POLL if wait is None else wait)

    def _chat(self, chat_id: str, *, group: bool) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= _CHATS_KEPT:
                self._forget_quiet_chats()
            window = Window(self.limits.group_per_minute, 60.0) if group else None
            chat = self._chats[chat_id] = _Chat(float(self.limits.chat_burst), self._now(), window)
        return chat

    def _forget_quiet_chats(self) -> None:
        """Drops chats whose state is the same as a new one's: a full bucket, nothing counted."""
        now = self._now()
        for key, chat in list(self._chats.items()):
            quiet = chat.group is None or (chat.group.wait(now) is not None and chat.group.idle)
            full = self._tokens(chat, now) >= self.limits.chat_burst - _EPSILON
            if quiet and full and not chat.lock.locked() and chat.paused_until <= now:
                del self._chats[key]
