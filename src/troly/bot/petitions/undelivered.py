"""A message to a petition's business that can never arrive: its staff topic is told.

Registered as an outbox ``on_dead`` hook (``wiring.py``). The dead rows name no petition:
the ones concerned are the recipient's petitions whose code the message quotes (every
message to a business about a petition does). Logs carry codes only, no personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.messages import Reply
from troly.bot.outbox import DeadHook, DeadRow
from troly.bot.petitions.model import Petition
from troly.bot.petitions.render import STAFF_LOCALE
from troly.bot.petitions.service import to_staff
from troly.bot.settings import Settings
from troly.bot.texts import t

logger = logging.getLogger(__name__)


def hook(settings: Settings) -> DeadHook:
    """The hook that tells each concerned petition's topic, once per batch of dead rows."""

    async def on_dead(session: AsyncSession, rows: Sequence[DeadRow], now: datetime) -> None:
        told: set[str] = set()
        for channel, recipient in dict.fromkeys((r.channel, r.recipient) for r in rows):
            texts = [
                str(r.payload.get("text") or "")
                for r in rows
                if (r.channel, r.recipient) == (channel, recipient)
            ]
            query = (
                select(Petition)
                .where(Petition.channel == channel)
                .where(Petition.user_id == recipient)
                .where(Petition.erased_at.is_(None))
                .order_by(Petition.id)
            )
            for petition in (await session.execute(query)).scalars():
                if petition.code in told or not any(petition.code in text for text in texts):
                    continue
                told.add(petition.code)
                note = t("staff.business_unreachable", STAFF_LOCALE, code=petition.code)
                await to_staff(session, petition, Reply(note), now=now, settings=settings)
                logger.info("petition %s: a message to its business died", petition.code)

    return on_dead
