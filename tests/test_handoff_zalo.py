"""Live handoff on Zalo: a business on the Official Account (the fake's signed webhooks) talks
with an officer who writes in the Telegram staff group's topic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from fakes.zalo_oa_server import ZaloOAFake
from petition_world import AGENT, GROUP
from support import Clock
from troly.bot.handoff.model import LiveChat
from troly.bot.messages import Incoming
from troly.bot.staff import add_staff
from troly.bot.staff_topics import StaffTopics
from troly.handlers.app import Runtime
from troly.knowledge.index import ProcedureIndex
from zalo_support import OAChat, Said, oa_app

OA_USER = "8123456789012345678"


def payloads(said: Said) -> list[str]:
    return [str(b["payload"]) for b in said.buttons]


async def _officer(rt: Runtime, *, choice: str | None = None, text: str | None = None,
                   thread: str | None) -> list[str]:  # fmt: skip
    """Lan acts in the Telegram staff group (Telegram itself is not running here)."""
    handled = await rt.dialogue.handle(
        Incoming(
            channel="telegram",
            user_id=AGENT,
            text=text,
            choice=choice,
            chat_id=GROUP,
            thread=thread,
            display_name="Lan",
        )
    )
    await rt.deliver(handled)
    # What went to others (the business) is sent in the background: wait for it.
    await rt.outbox.settle()
    return [reply.text for reply in handled.replies]


async def _live_topic(rt: Runtime) -> tuple[str, str]:
    async with rt.sessions() as session:
        code = (await session.execute(select(LiveChat.code))).scalar_one()

    async def create(_name: str) -> str:
        return "601"

    thread = await StaffTopics(rt.sessions).resolve(f"topic:live:{code}", create)
    assert thread is not None
    return code, thread


async def test_a_business_on_the_oa_talks_with_the_officer_and_leaves_with_the_button(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()  # Monday 23/11/2026 09:00
    async with (
        ZaloOAFake(clock=clock) as fake,
        oa_app(tmp_path, fake, clock, index=index, staff_chat_id=int(GROUP)) as rt,
    ):
        async with rt.sessions.begin() as session:
            await add_staff(
                session, channel="telegram", user_id=AGENT, name="Lan", role="agent", now=clock()
            )
        chat = OAChat(rt, fake, OA_USER)
        [waiting] = await chat.say("gap can bo")
        assert "Đang mời cán bộ hỗ trợ" in waiting.text
        assert payloads(waiting) == ["hb:leave"]
        code, thread = await _live_topic(rt)

        before = len(chat.seen())
        assert await _officer(rt, choice=f"hs:take:{code}", thread=thread) == []
        [joined] = await chat.settle(before)
        assert joined.text.startswith("👤 Cán bộ Lan đã tham gia cuộc trò chuyện.")

        # The bot stays out of the way: nothing comes back but the officer's own line.
        assert await chat.say("thu tuc cap giay phep xay dung", replies=0) == []
        before = len(chat.seen())
        await _officer(rt, text="Anh cho xin địa chỉ công trình.", thread=thread)
        [line] = await chat.settle(before)
        assert line.text == "👤 Lan: Anh cho xin địa chỉ công trình."

        [left] = await chat.tap(waiting, 0)
        assert left.text.startswith("Đã kết thúc cuộc trò chuyện với cán bộ.")
        assert payloads(left) == ["menu:main"]
        assert await _officer(rt, text="Anh còn đó không?", thread=thread) == [
            f"Cuộc trò chuyện {code} đã kết thúc."
        ]
