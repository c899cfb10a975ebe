"""Who may act on petitions: the staff roster (agents, supervisors), seen from petitions.

A thin view over ``troly.bot.staff`` so petitions depend on one place for roles.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

AGENT = "agent"
SUPERVISOR = "supervisor"


async def role_of(session: AsyncSession, channel: str, user_id: str) -> str | None:
    """The staff role of a user, or None for anyone not on the roster."""
    return None


async def members(
    session: AsyncSession, *, channel: str = "telegram", role: str | None = None
) -> list[tuple[str, str]]:
    """Staff on the roster (user id, display name), of one role when given."""
    return []
