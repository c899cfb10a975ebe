"""Who may act on petitions: the staff roster (agents, supervisors), seen from petitions.

A thin view over ``troly.bot.staff`` so petitions depend on one place for roles.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.staff import find_staff, list_staff, staff_role

AGENT = "agent"
SUPERVISOR = "supervisor"


async def role_of(session: AsyncSession, channel: str, user_id: str) -> str | None:
    """The staff role of a user, or None for anyone not on the roster."""
    return await staff_role(session, channel, user_id)


async def name_and_role(
    session: AsyncSession, channel: str, user_id: str
) -> tuple[str, str] | None:
    """The roster name and role of a user, or None for anyone not on the roster."""
    member = await find_staff(session, channel, user_id)
    return None if member is None else (member.name, member.role)


async def members(
    session: AsyncSession, *, channel: str = "telegram", role: str | None = None
) -> list[tuple[str, str]]:
    """Staff on the roster (user id, display name), of one role when given."""
    people = await list_staff(session, role="supervisor" if role == SUPERVISOR else None)
    return [
        (m.user_id, m.name)
        for m in people
        if m.channel == channel and (role is None or m.role == role)
    ]
