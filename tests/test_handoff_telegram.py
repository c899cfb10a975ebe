"""Live handoff end to end: a business on Telegram (through the fake Bot API) and on the web
chat (over HTTP) talks with an officer in the staff group's forum topic."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

from fakes.telegram_server import TelegramFake
from support import VN, Clock
from troly.bot.messages import Incoming
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.handlers.app import Runtime, build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

GROUP = -1001234
BUSINESS = 1001
LAN = 11
MINH = 12
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=VN)
NAMES = {LAN: "Lan", MINH: "Minh"}


@asynccontextmanager
async def _app(tmp_path: Path, fake: TelegramFake, clock: Clock) -> AsyncIterator[Runtime]:
    """The app against the fake Bot API, started, with Lan and Minh on the roster."""
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'tg.db'}",
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.base_url.removesuffix("/bot"),
        staff_chat_id=GROUP,
    )
    runtime = build_runtime(settings, clock=clock)
    app, runtime = create_app(settings, runtime=runtime, scheduler=False)
    async with app.router.lifespan_context(app):
        async with runtime.sessions.begin() as session:
            for user, name in NAMES.items():
                await add_staff(
                    session,
                    channel="telegram",
                    user_id=str(user),
                    name=name,
                    role="agent",
                    now=clock(),
                )
        yield runtime


def _button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix!r} in {message.get('text')!r}")


async def _group_has(fake: TelegramFake, count: int) -> list[dict[str, Any]]:
    await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= count, timeout=10)
    return fake.sent_to(GROUP)


async def test_a_business_on_telegram_talks_with_the_officer_who_took_it_first(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ hỗ trợ", forum=True, bot_can_manage_topics=True)
        async with _app(tmp_path, fake, Clock(MONDAY_9)):
            await fake.user_says(BUSINESS, "Tôi muốn nói chuyện với cán bộ")
            [waiting] = await fake.wait_for_messages(BUSINESS, 1)
            assert "Đang mời cán bộ hỗ trợ" in waiting["text"]

            [card] = await _group_has(fake, 1)
            thread = card["message_thread_id"]
            take = _button(card, "hs:take:")
            code = take.split(":")[2]
            topic_calls = [c for c in fake.calls if c.method.lower() == "createforumtopic"]
            assert [c.params.get("name") for c in topic_calls] == [
                f"💬 {code} · Trò chuyện trực tiếp"
            ]

            # Lan and Minh press «Nhận» at the same moment: one wins, the other is told.
            await fake.user_presses(LAN, int(card["message_id"]), take, chat_id=GROUP)
            await fake.user_presses(MINH, int(card["message_id"]), take, chat_id=GROUP)
            taken, refused = (await _group_has(fake, 3))[1:3]
            if "nhận trước" in taken["text"]:
                taken, refused = refused, taken
            winner = "Lan" if "Lan đã nhận" in taken["text"] else "Minh"
            assert taken["text"].startswith(f"👤 {winner} đã nhận cuộc trò chuyện {code}.")
            assert refused["text"] == (
                f"Cuộc trò chuyện {code} đã có {winner} nhận trước, nên anh/chị không nhận"
                " được nữa."
            )
            assert {taken["message_thread_id"], refused["message_thread_id"]} == {thread}
            joined = (await fake.wait_for_messages(BUSINESS, 2))[-1]
            assert joined["text"].startswith(f"👤 Cán bộ {winner} đã tham gia cuộc trò chuyện.")

            # The business's question is relayed (<, & escaped), not answered by the bot.
            await fake.user_says(BUSINESS, "Thủ tục cấp phép xây dựng <500 m² & nhà xưởng?")
            await fake.wait_until(
                lambda: any("nhà xưởng" in m["text"] for m in fake.sent_to(GROUP)), timeout=10
            )
            [relayed] = [m for m in fake.sent_to(GROUP) if "nhà xưởng" in m["text"]]
            assert relayed["text"].endswith("Thủ tục cấp phép xây dựng <500 m² & nhà xưởng?")
            assert relayed["message_thread_id"] == thread
            assert len(fake.sent_to(BUSINESS)) == 2

            officer = LAN if winner == "Lan" else MINH
            await fake.group_member_says(
                GROUP, officer, "Anh gửi giúp diện tích đất.", thread_id=thread, first_name=winner
            )
            answer = (await fake.wait_for_messages(BUSINESS, 3))[-1]
            assert answer["text"] == f"👤 {winner}: Anh gửi giúp diện tích đất."
            # A photo posted in the topic reaches the business, with its caption.
            photo = b"\xff\xd8\xff\xe0" + b"fake jpeg of the site plan" * 40
            await fake.group_member_sends_file(
                GROUP, officer, photo, photo=True, caption="Mặt bằng mẫu", thread_id=thread
            )
            text, picture = (await fake.wait_for_messages(BUSINESS, 5))[-2:]
            assert text["text"] == f"👤 {winner}: Mặt bằng mẫu"
            assert "photo" in picture

            await fake.user_presses(
                officer, int(taken["message_id"]), f"hs:end:{code}", chat_id=GROUP
            )
            prompt = (await _group_has(fake, 5))[-1]
            assert "Gõ một câu tóm tắt" in prompt["text"]
            await fake.group_member_says(
                GROUP, officer, "Đã hướng dẫn hồ sơ cấp phép.", thread_id=thread, first_name=winner
            )
            ended = (await fake.wait_for_messages(BUSINESS, 6))[-1]
            assert "Tóm tắt: Đã hướng dẫn hồ sơ cấp phép." in ended["text"]
            assert _button(ended, "menu:main") == "menu:main"
            await _group_has(fake, 6)
            assert (
                fake.sent_to(GROUP)[-1]["text"]
                == f"✅ {winner} đã kết thúc cuộc trò chuyện {code}."
            )
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []


async def test_on_telegram_nobody_in_time_offers_the_petition_with_what_was_written(
    tmp_path: Path,
) -> None:
    clock = Clock(MONDAY_9)
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ hỗ trợ", forum=True, bot_can_manage_topics=True)
        async with _app(tmp_path, fake, clock) as runtime:
            await fake.user_says(BUSINESS, "/canbo")
            await fake.wait_for_messages(BUSINESS, 1)
            await fake.user_says(BUSINESS, "Xin hoàn thuế GTGT đã 3 tháng chưa được giải quyết")
            await fake.wait_for_messages(BUSINESS, 2)

            clock.advance(minutes=5)
            await runtime.tick()
            offer = (await fake.wait_for_messages(BUSINESS, 3))[-1]
            assert "chưa có cán bộ nào rảnh" in offer["text"]
            await fake.user_presses(BUSINESS, int(offer["message_id"]), "menu:petition")
            intro = (await fake.wait_for_messages(BUSINESS, 4))[-1]
            assert "«Xin hoàn thuế GTGT đã 3 tháng chưa được giải quyết»" in intro["text"]
            await _group_has(fake, 3)
            assert "Không ai nhận" in fake.sent_to(GROUP)[-1]["text"]
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []


SESSION = "5a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _say(client: TestClient, **message: Any) -> list[dict[str, Any]]:
    response = client.post("/api/chat", json={"session": SESSION, **message})
    assert response.status_code == 200, response.text
    return list(response.json()["replies"])


def _pending(client: TestClient) -> list[str]:
    response = client.post("/api/chat/pending", json={"session": SESSION})
    assert response.status_code == 200
    return [reply["text"] for reply in response.json()["replies"]]


def test_a_business_on_the_web_chat_talks_with_an_officer_in_the_staff_group(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        staff_chat_id=GROUP,
    )
    runtime = build_runtime(settings, index=index, clock=Clock(MONDAY_9))
    app, _ = create_app(settings, runtime=runtime, scheduler=False)

    def officer(choice: str | None = None, text: str | None = None, *, thread: str) -> list[str]:
        incoming = Incoming(
            channel="telegram",
            user_id=str(LAN),
            choice=choice,
            text=text,
            chat_id=str(GROUP),
            thread=thread,
        )
        handled = client.portal.call(runtime.dialogue.handle, incoming)  # type: ignore[union-attr]
        return [reply.text for reply in handled.replies]

    with TestClient(app) as client:
        client.portal.call(_roster, runtime)  # type: ignore[union-attr]
        _say(client, text="đăng ký kinh doanh hộ cá thể")
        [waiting] = _say(client, choice="human")
        assert waiting["kind"] == "handoff:waiting"
        assert [b["choice"] for b in waiting["buttons"]] == ["hb:leave"]
        [kept] = _say(client, text="Tôi muốn đổi địa chỉ hộ kinh doanh")
        assert kept["text"].startswith("✓ Đã ghi lại.")

        code, thread = client.portal.call(_live_topic, runtime)  # type: ignore[union-attr]
        assert officer(f"hs:take:{code}", thread=thread) == []
        assert _pending(client) == [
            "👤 Cán bộ Lan đã tham gia cuộc trò chuyện. Bạn cứ viết, cán bộ đọc và trả lời ngay"
            " tại đây. Gõ /huy để kết thúc."
        ]
        assert officer(text="Chị cho biết địa chỉ mới ạ.", thread=thread) == []
        assert _pending(client) == ["👤 Lan: Chị cho biết địa chỉ mới ạ."]
        assert _say(client, text="Số 5 Lê Lợi") == []

        [left] = _say(client, text="/huy")
        assert left["text"].startswith("Đã kết thúc cuộc trò chuyện với cán bộ.")
        assert officer(text="Chị còn đó không?", thread=thread) == [
            f"Cuộc trò chuyện {code} đã kết thúc."
        ]
        assert _pending(client) == []
        # Back with the bot: a question gets an answer again.
        assert _say(client, text="khôi phục mã số thuế")[0]["text"].startswith("📄")


async def _roster(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        await add_staff(
            session, channel="telegram", user_id=str(LAN), name="Lan", role="agent", now=MONDAY_9
        )


async def _live_topic(runtime: Runtime) -> tuple[str, str]:
    from sqlalchemy import select

    from troly.bot.handoff.model import LiveChat
    from troly.bot.staff_topics import StaffTopics

    async with runtime.sessions() as session:
        code = (await session.execute(select(LiveChat.code))).scalar_one()

    async def create(_name: str) -> str:
        return "321"

    thread = await StaffTopics(runtime.sessions).resolve(f"topic:live:{code}", create)
    assert thread is not None
    return code, thread
