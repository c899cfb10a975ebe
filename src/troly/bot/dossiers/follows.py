"""The dossiers a business follows: what it last heard about each, until finished or unfollowed.

A follow belongs to one chat user on one channel; the poll follow-up (``jobs.py``) compares
each new answer with what was stored here and tells the business only of a change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime

POLL = "dossier.poll"
"""The follow-up kind of a followed dossier's poll."""


class DossierFollow(Base):
    """One business following one dossier code; ``active`` until finished or unfollowed."""

    __tablename__ = "dossier_follows"
    __table_args__ = (
        UniqueConstraint("channel", "user_id", "code", name="uq_dossier_follow"),
        Index("ix_dossier_follows_user", "channel", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    state: Mapped[str | None] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(120), default="")
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    due: Mapped[str | None] = mapped_column(String(10))
    """The due date last seen (ISO): a later one after a late dossier is its new date."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def ref(self) -> str:
        """The follow-ups' ``ref`` of this follow."""
        return f"dossier:{self.id}"


async def forget_ended_before(session: AsyncSession, *, before: datetime) -> int:
    """Deletes the follows that ended before ``before`` (a chat id and a code); how many."""
    result = await session.execute(
        delete(DossierFollow)
        .where(DossierFollow.active.is_(False))
        .where(DossierFollow.ended_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
