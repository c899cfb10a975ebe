"""The unanswered questions staff teach from: what people picked from the choices is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Chat, Clock, choices
from troly.bot.dialogue import Dialogue
from troly.bot.knowledge.unanswered import unanswered
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex


async def test_a_pick_from_the_choices_is_recorded_with_the_question(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    chat = Chat(dialogue)
    [offered] = await chat.say("an", "gia hạn giấy phép xây dựng")
    second = choices(offered)[1]
    await chat.press("an", second)
    [again] = await chat.say("binh", "gia han giay phep xay dung")
    await chat.say("binh", "1")
    await chat.say("chi", "gia hạn giấy phép xây dựng")  # offered, nothing picked

    async with sessions() as session:
        [group] = await unanswered(session, since=clock.now - timedelta(days=1))

    first_code = choices(again)[0].split(":")[1]
    assert (group.text, group.count) == ("gia han giay phep xay dung", 3)
    assert dict(group.picked) == {second.split(":")[1]: 1, first_code: 1}
    assert dict(group.decisions) == {"choose": 3}
