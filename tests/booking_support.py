"""Helpers for the dialogue-session tests: valid tax codes, a dialogue wired with the sessions'
appliers, the staff group's and a business's queued messages, the follow-up runner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import VN, Clock
from troly.bot.dialogue import Dialogue
from troly.bot.followups import Followups
from troly.bot.messages import Reply, reply_from_payload
from troly.bot.settings import Settings
from troly.bot.storage.models import Conversation, OutboxMessage
from troly.bot.taxcode import check_digit
from troly.bot.wiring import effect_appliers, followup_handlers, followup_preloaders
from troly.knowledge.index import ProcedureIndex

STAFF_CHAT = -1001234
# 1 December 2026: the December session (Thursday 17th, 14:00) is open until Monday 14th 14:00.
OPENING = datetime(2026, 12, 1, 9, 0, tzinfo=VN)


def session_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "staff_chat_id": STAFF_CHAT}
    values.update(overrides)
    return Settings(**values)


def tax_codes(province: str = "28") -> Iterator[str]:
    """Valid 10-digit tax codes, all different."""
    n = 0
    while True:
        first_nine = f"{province}{n:07d}"
        digit = check_digit(first_nine)
        n += 1
        if digit is not None and digit < 10:
            yield f"{first_nine}{digit}"


def dialogue_for(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    settings: Settings,
    clock: Clock,
    **kwargs: Any,
) -> Dialogue:
    return Dialogue(
        sessions=sessions,
        index=index,
        settings=settings,
        clock=clock,
        appliers=effect_appliers(settings),
        **kwargs,
    )


def followups_for(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> Followups:
    return Followups(
        sessions=sessions,
        handlers=followup_handlers(settings),
        preloaders=followup_preloaders(),
        clock=clock,
        settings=settings,
    )


class Inbox:
    """Reads what was queued for one recipient since the last read."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], recipient: str) -> None:
        self._sessions = sessions
        self.recipient = recipient
        self._seen = 0

    async def new(self) -> list[Reply]:
        async with self._sessions() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.recipient == self.recipient)
                .where(OutboxMessage.id > self._seen)
                .order_by(OutboxMessage.id)
            )
            rows = list((await session.execute(query)).scalars())
        if rows:
            self._seen = rows[-1].id
        return [reply_from_payload(row.payload) for row in rows]


def confirm_draft(session_id: int, tax_code: str, n: int = 0) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "session_label": "14:00 17/12/2026",
        "tax_code": tax_code,
        "business_name": f"Công ty TNHH Số {n}",
        "representative": f"Người Đại Diện {n}",
        "phone": "0912345678",
        "topic": "datdai",
        "question": "Chậm giao đất cho dự án",
        "remember": False,
    }


async def seed_at_confirm(
    sessions: async_sessionmaker[AsyncSession],
    *,
    users: list[tuple[str, dict[str, Any]]],
    now: datetime,
    channel: str = "web",
) -> None:
    """Puts users at the summary step, as if each had typed the flow through."""
    async with sessions.begin() as session:
        for user_id, draft in users:
            session.add(
                Conversation(
                    channel=channel,
                    user_id=user_id,
                    locale="vi",
                    flow="booking",
                    step="confirm",
                    draft=draft,
                    version=0,
                    blocked=False,
                    created_at=now,
                    last_seen_at=now,
                )
            )
