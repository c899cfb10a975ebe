"""The time-critical messages carry a ``Notice`` (what a ZNS template says when the chat is
closed): the official answer and the apology with its new date; the outbox tests in
test_zns.py send them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import AGENT, BUSINESS, World
from support import VN, Clock
from troly.bot.messages import Notice
from troly.knowledge.index import ProcedureIndex


async def test_the_apology_and_the_official_answer_carry_their_notices(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    world = World(sessions, index, Clock())
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.sent()

    await world.at(datetime(2026, 12, 7, 17, 0, tzinfo=VN))
    [apology] = [s for s in await world.sent() if s.recipient == BUSINESS]
    assert apology.reply.notice == Notice(
        "petition_apology", {"code": code, "old_date": "08/12/2026", "new_date": "15/12/2026"}
    )

    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.staff_say(AGENT, "Giấy phép đã được ký.", thread=thread)
    [answer] = [s for s in await world.sent() if s.recipient == BUSINESS]
    assert answer.reply.notice == Notice("petition_answer", {"code": code, "date": "07/12/2026"})
