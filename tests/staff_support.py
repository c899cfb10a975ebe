"""The staff side in tests: someone on the roster, and a chat that speaks from the staff group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming, Reply
from troly.bot.staff import add_staff


async def make_staff(
    sessions: async_sessionmaker[AsyncSession], channel: str, user_id: str, now: datetime
) -> None:
    async with sessions.begin() as session:
        await add_staff(
            session,
            channel=channel,
            user_id=user_id,
            name=f"Cán bộ {user_id}",
            role="agent",
            now=now,
        )


class StaffChat:
    """Presses buttons and writes in the staff group (Telegram), like staff do."""

    def __init__(self, dialogue: Dialogue, group: int) -> None:
        self.dialogue = dialogue
        self.group = str(group)

    async def press(self, user: str, choice: str) -> list[Reply]:
        incoming = Incoming(channel="telegram", user_id=user, choice=choice, chat_id=self.group)
        return list((await self.dialogue.handle(incoming)).replies)

    async def say(self, user: str, text: str) -> list[Reply]:
        incoming = Incoming(channel="telegram", user_id=user, text=text, chat_id=self.group)
        return list((await self.dialogue.handle(incoming)).replies)
