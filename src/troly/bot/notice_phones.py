"""Phones a business gave, with consent, for notices outside a chat's window (Zalo ZNS).

One row per chat user: the phone and when the consent was given. Withdrawing deletes it.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class NoticePhone(Base):
    """A phone given for notices by template (ZNS), with the moment of consent."""

    __tablename__ = "notice_phones"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())


async def phone_for(session: AsyncSession, channel: str, user_id: str) -> str | None:
    """The phone the user consented to receive notices on, or None."""
    query = (
        select(NoticePhone.phone)
        .where(NoticePhone.channel == channel)
        .where(NoticePhone.user_id == user_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def give(
    session: AsyncSession, *, channel: str, user_id: str, phone: str, now: datetime
) -> None:
    """Records (or replaces) the phone and the consent."""
    row = await session.get(NoticePhone, (channel, user_id))
    if row is None:
        session.add(NoticePhone(channel=channel, user_id=user_id, phone=phone, consented_at=now))
    else:
        row.phone, row.consented_at = phone, now


async def withdraw(session: AsyncSession, *, channel: str, user_id: str) -> bool:
    """Deletes the phone and the consent; whether there was one."""
    result = await session.execute(
        delete(NoticePhone)
        .where(NoticePhone.channel == channel)
        .where(NoticePhone.user_id == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
