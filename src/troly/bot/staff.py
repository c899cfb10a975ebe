"""The staff roster: who may act from the staff group, and with which role.

Appliers of staff actions call ``acting_staff`` first; anyone else in the group is told
politely that they cannot act. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.effects import Applied
from troly.bot.storage.models import StaffMember

Role = Literal["agent", "supervisor"]
ROLES: tuple[Role, ...] = ("agent", "supervisor")


async def find_staff(session: AsyncSession, channel: str, user_id: str) -> StaffMember | None:
    """The active roster entry of a user on a channel, if any."""
    query = (
        select(StaffMember)
        .where(StaffMember.channel == channel)
        .where(StaffMember.user_id == user_id)
        .where(StaffMember.active.is_(True))
    )
    return (await session.execute(query)).scalar_one_or_none()


async def staff_role(session: AsyncSession, channel: str, user_id: str) -> Role | None:
    """The user's role on the roster, or None for someone who is not staff."""
    member = await find_staff(session, channel, user_id)
    if member is None:
        return None
    for role in ROLES:
        if member.role == role:
            return role
    return None


async def acting_staff(applied: Applied, *, role: Role | None = None) -> StaffMember | None:
    """The roster entry of the sender of a staff action, when allowed (supervisors may all)."""
    incoming = applied.incoming
    member = await find_staff(applied.session, incoming.channel, incoming.user_id)
    if member is None:
        return None
    if role == "supervisor" and member.role != "supervisor":
        return None
    return member


async def add_staff(
    session: AsyncSession,
    *,
    channel: str,
    user_id: str,
    name: str,
    role: Role,
    now: datetime,
    locale: str | None = None,
) -> StaffMember:
    """Adds someone to the roster, or updates their name and role (and re-activates them).

    ``locale`` is the language the bot answers them in (``vi`` unless given).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    query = (
        select(StaffMember)
        .where(StaffMember.channel == channel)
        .where(StaffMember.user_id == user_id)
    )
    member = (await session.execute(query)).scalar_one_or_none()
    if member is None:
        member = StaffMember(
            channel=channel, user_id=user_id, name=name, role=role, active=True, added_at=now
        )
        session.add(member)
    else:
        member.name, member.role, member.active = name, role, True
    if locale is not None:
        member.locale = locale
    await session.flush()
    return member


async def remove_staff(session: AsyncSession, *, channel: str, user_id: str) -> bool:
    """Takes someone off the roster (kept inactive, so past actions still name them)."""
    member = await find_staff(session, channel, user_id)
    if member is None:
        return False
    member.active = False
    return True


async def list_staff(
    session: AsyncSession, *, role: Role | None = None, channel: str | None = None
) -> list[StaffMember]:
    """The active roster (of one role, on one channel, when given), supervisors first."""
    query = select(StaffMember).where(StaffMember.active.is_(True))
    if role is not None:
        query = query.where(StaffMember.role == role)
    if channel is not None:
        query = query.where(StaffMember.channel == channel)
    members = list((await session.execute(query)).scalars())
    return sorted(members, key=lambda m: (m.role != "supervisor", m.name.lower(), m.id))


async def assignable_staff(session: AsyncSession) -> list[StaffMember]:
    """Who a petition can be given to: active officers and supervisors, from any door."""
    return [m for m in await list_staff(session) if m.role in ROLES]
