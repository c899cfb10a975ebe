"""Applying a step's effects inside the message's transaction.

A flow step is pure and returns effects (frozen dataclasses); an *applier* registered for the
effect's type does the database work in the same transaction and may add replies for the
user or change the state (a petition's tracking code is only known once the row exists).
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.flows.base import State
from troly.bot.messages import Incoming, Reply
from troly.bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Applied:
    """What an applier may use: the open transaction, the time, the message and the state."""

    session: AsyncSession
    now: datetime
    incoming: Incoming
    state: State
    settings: Settings
    prefetched: Mapping[str, object] = field(default_factory=dict)
    """What the dialogue's prefetch asked other systems before the transaction, by key."""


@dataclass(frozen=True, slots=True)
class EffectResult:
    """What applying an effect adds: replies after the step's own, and perhaps a new state."""

    replies: tuple[Reply, ...] = ()
    state: State | None = None


EffectApplier = Callable[[Any, Applied], Awaitable[EffectResult | None]]
Appliers = Mapping[type, EffectApplier]


async def apply_effects(
    effects: tuple[object, ...], appliers: Appliers, applied: Applied
) -> tuple[State, tuple[Reply, ...]]:
    """Applies each effect in order; returns the final state and the replies they added."""
    state = applied.state
    replies: list[Reply] = []
    for effect in effects:
        applier = appliers.get(type(effect))
        if applier is None:
            raise LookupError(f"no applier registered for {type(effect).__name__}")
        result = await applier(
            effect,
            replace(applied, state=state),
        )
        if result is None:
            continue
        replies.extend(result.replies)
        if result.state is not None:
            state = result.state
    return state, tuple(replies)
