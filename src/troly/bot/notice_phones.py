"""Phones a business gave, with consent, for notices outside a chat's window (Zalo ZNS).

One row per chat user: the phone and when the consent was given. Withdrawing deletes it, and
so does ``/dulieu``'s erase. The appliers of ``/zns`` live here too. Must not import handlers
or platform libraries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.effects import Applied, EffectApplier, EffectResult
from troly.bot.flows import notice_phone as flow
from troly.bot.messages import Button, Reply
from troly.bot.personal_data import Erased, Held, Keeper
from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime
from troly.bot.texts import t


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


def _masked(phone: str) -> str:
    return phone[:3] + "•" * max(len(phone) - 6, 0) + phone[-3:]


async def _show(_effect: flow.ShowNoticePhone, applied: Applied) -> EffectResult:
    locale, inc = applied.state.locale, applied.incoming
    phone = await phone_for(applied.session, inc.channel, inc.user_id)
    if phone is None:
        return EffectResult((flow.consent_reply(locale),))
    buttons = (
        (Button(t("zns.change_button", locale), choice="zns:change"),),
        (Button(t("zns.off_button", locale), choice="zns:off"),),
    )
    return EffectResult((Reply(t("zns.given", locale, phone=_masked(phone)), buttons),))


async def _give(effect: flow.GiveNoticePhone, applied: Applied) -> EffectResult:
    inc = applied.incoming
    await give(
        applied.session, channel=inc.channel, user_id=inc.user_id, phone=effect.phone,
        now=applied.now,
    )  # fmt: skip
    text = t("zns.saved", applied.state.locale, phone=_masked(effect.phone))
    return EffectResult((Reply(text),))


async def _withdraw(_effect: flow.WithdrawNoticePhone, applied: Applied) -> EffectResult:
    inc = applied.incoming
    had = await withdraw(applied.session, channel=inc.channel, user_id=inc.user_id)
    return EffectResult((Reply(t("zns.off" if had else "zns.none", applied.state.locale)),))


def appliers() -> dict[type, EffectApplier]:
    """The ``/zns`` effects' appliers."""
    return {
        flow.ShowNoticePhone: _show,
        flow.GiveNoticePhone: _give,
        flow.WithdrawNoticePhone: _withdraw,
    }


async def _held(applied: Applied) -> Held:
    inc = applied.incoming
    phone = await phone_for(applied.session, inc.channel, inc.user_id)
    if phone is None:
        return Held()
    line = t("zns.data_line", applied.state.locale, phone=phone)
    return Held((line,), data={"notice_phone": phone})


async def _erase(applied: Applied) -> Erased:
    inc = applied.incoming
    if not await withdraw(applied.session, channel=inc.channel, user_id=inc.user_id):
        return Erased()
    return Erased((t("zns.data_erased", applied.state.locale),))


def keeper() -> Keeper:
    """The notice phone's part of ``/dulieu``."""
    return Keeper(held=_held, erase=_erase)
