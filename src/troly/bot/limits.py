"""Per-user rate limits at every door: one token bucket per (channel, user), in this process.

Each worker keeps its own buckets, so behind N workers a person may get up to N times the
limit (a Telegram poller is one worker: exact there). The buckets cost no database work, so a
flooder is turned away before their messages take a transaction from anyone else. Staff in
the staff group get their own, larger budget. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from troly.bot.dialogue import Dialogue, Handled
from troly.bot.messages import Incoming
from troly.bot.settings import Settings

logger = logging.getLogger(__name__)

NOTICE_WINDOW = 60.0
"""Seconds: a limited person is told at most once in this long (the rate is per minute)."""
_PRUNE_AT = 10_000
EXEMPT_CHANNELS = frozenset({"cli"})
"""The terminal is the operator's own; no one floods it but themselves."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a message may go on; when not, how long to wait and whether to say so."""

    allowed: bool
    retry_after: float = 0.0
    """Seconds until the next message would be taken."""
    notify: bool = False
    """The first refusal in its window: the person is told, once."""

    @property
    def seconds(self) -> int:
        """The wait in whole seconds (at least one), as a person is told it."""
        return max(1, math.ceil(self.retry_after))


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    noticed_at: float | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    """A token bucket's shape: ``burst`` messages at once, refilled at ``per_minute``."""

    per_minute: float
    burst: int

    @property
    def unlimited(self) -> bool:
        """Zero means no limit."""
        return self.per_minute <= 0 or self.burst <= 0


class RateLimits:
    """Decides, message by message, whether a person is within their budget."""

    def __init__(self, *, settings: Settings, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._people = Budget(settings.rate_per_minute, settings.rate_burst)
        self._staff = Budget(settings.rate_staff_per_minute, settings.rate_staff_burst)
        self._buckets: dict[tuple[str, str, bool], _Bucket] = {}
        self._prune_at = _PRUNE_AT

    def budget(self, incoming: Incoming) -> Budget:
        """The budget of the message's sender: staff (in the staff group) or everyone else."""
        return self._staff if incoming.in_group else self._people

    def check(self, incoming: Incoming) -> Verdict:
        """Takes one token for the message's sender, or says how long they must wait."""
        budget = self.budget(incoming)
        if budget.unlimited or incoming.channel in EXEMPT_CHANNELS:
            return Verdict(True)
        now = self._clock().timestamp()
        # A staff member is one person across the group's topics.
        key = (incoming.channel, incoming.user_id, incoming.in_group)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._prune_at:
                self._prune(now)
                # Many people at once: look again only when there are twice as many.
                self._prune_at = max(_PRUNE_AT, 2 * len(self._buckets))
            bucket = self._buckets[key] = _Bucket(float(budget.burst), now)
        rate = budget.per_minute / 60.0
        bucket.tokens = min(float(budget.burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict(True)
        wait = (1.0 - bucket.tokens) / rate
        notify = bucket.noticed_at is None or now - bucket.noticed_at >= NOTICE_WINDOW
        if notify:
            bucket.noticed_at = now
        return Verdict(False, retry_after=wait, notify=notify)

    def _prune(self, now: float) -> None:
        """Forgets the buckets that have refilled: a full bucket is the same as none."""
        for key, bucket in list(self._buckets.items()):
            budget = self._staff if key[2] else self._people
            full_after = budget.burst / (budget.per_minute / 60.0)
            noticed = bucket.noticed_at is not None and now - bucket.noticed_at < NOTICE_WINDOW
            if now - bucket.at >= full_after and not noticed:
                del self._buckets[key]


async def handle_within_limits(
    limits: RateLimits,
    dialogue: Dialogue,
    incoming: Incoming,
    *,
    before: Callable[[Incoming], Awaitable[Incoming]] | None = None,
) -> Handled:
    """Handles a message whose sender is within their budget, or turns it away.

    A message over the budget is not handled; its sender is told so once in a window
    (nothing else is written).

    ``before`` runs only for a message within the budget (the Zalo doors turn a typed
    number into its choice: a database read a flooder does not get).
    """
    verdict = limits.check(incoming)
    if verdict.allowed:
        if before is not None:
            incoming = await before(incoming)
        return await dialogue.handle(incoming)
    logger.info("%s message over its sender's limit turned away", incoming.channel)
    if not verdict.notify:
        return Handled((), ())
    per_minute = round(limits.budget(incoming).per_minute)
    return await dialogue.notice(
        incoming, "limits.slow_down", seconds=verdict.seconds, per_minute=per_minute
    )
