"""The console's audit log: every view of personal data and every action, who and from where.

Written in the same transaction as what it records. Must not import handlers or platform
libraries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.console.model import AuditEntry
from troly.bot.storage.models import StaffMember

PAGE = 100


def audit(
    session: AsyncSession,
    member: StaffMember | None,
    action: str,
    *,
    now: datetime,
    address: str | None,
    target: str | None = None,
    name: str | None = None,
) -> None:
    """Adds one audit row (``member`` None: someone not signed in, named by ``name``)."""
    session.add(
        AuditEntry(
            at=now,
            staff_id=member.id if member is not None else None,
            staff_name=(member.name if member is not None else name or "-")[:120],
            action=action[:40],
            target=target[:64] if target else None,
            address=address[:64] if address else None,
        )
    )


async def recent(session: AsyncSession, *, before: int | None = None) -> list[AuditEntry]:
    """One page of the audit log, newest first (``before``: an id, for the next page)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return list((await session.execute(query)).scalars())
