"""End to end: a photo staff post in a petition's topic on the (fake) Telegram staff group
reaches a business on the (fake) Zalo OA, by a URL the app serves; a file Telegram will not
let the bot download is refused politely in the topic; the retention erases the served copy.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr

from fakes.telegram_server import TelegramFake
from fakes.zalo_oa_server import ZaloOAFake
from petition_world import AGENT, GROUP
from support import Clock
from troly.bot.messages import Incoming
from troly.bot.petitions.retention import forget_closed_petitions
from troly.bot.staff import add_staff
from troly.handlers.app import Runtime
from troly.knowledge.index import ProcedureIndex
from zalo_support import OAChat, oa_app

OA_USER = "8123456789012345678"
PHOTO = b"\xff\xd8\xff\xe0" + b"fake jpeg of the fire exit" * 40
STAFF = int(AGENT)


async def _file_on_the_oa(chat: OAChat) -> str:
    await chat.say("/phananh")
    await chat.say("4")
    [files] = await chat.say("Hồ sơ cấp phép xây dựng quá hạn 20 ngày")
    [commune] = await chat.tap(files, 0)
    [public] = await chat.tap(commune, 1)  # «Không gắn với xã, phường nào»
    [consent] = await chat.tap(public, 0)
    [_, summary] = await chat.tap(consent, 1, replies=2)
    [filed] = await chat.tap(summary, 0)
    return filed.text.split("Mã theo dõi: ")[1].split()[0]


async def _close(rt: Runtime, code: str, thread: str) -> None:
    """Closes the unanswered petition as a supervisor: the button, then the reason."""
    for step in ({"choice": f"ps:close:{code}"}, {"text": "Đã giải quyết trực tiếp."}):
        handled = await rt.dialogue.handle(
            Incoming(channel="telegram", user_id=AGENT, chat_id=GROUP, thread=thread, **step)
        )
        await rt.deliver(handled)
        # What went to others (the business) is sent in the background: wait for it.
        await rt.outbox.settle()


async def test_a_staff_photo_reaches_the_oa_business_by_url_and_a_huge_file_is_refused(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with TelegramFake(local_mode=True) as telegram, ZaloOAFake(clock=clock) as zalo:
        telegram.add_group(int(GROUP), "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        async with oa_app(
            tmp_path,
            zalo,
            clock,
            index=index,
            public=True,
            staff_chat_id=int(GROUP),
            telegram_token=SecretStr(telegram.token),
            telegram_api_url=telegram.base_url.removesuffix("/bot"),
        ) as rt:
            async with rt.sessions.begin() as session:
                await add_staff(
                    session,
                    channel="telegram",
                    user_id=AGENT,
                    name="Lan",
                    role="supervisor",  # she closes the petition unanswered at the end
                    now=clock(),
                )
            chat = OAChat(rt, zalo, OA_USER)
            code = await _file_on_the_oa(chat)
            await telegram.wait_until(lambda: len(telegram.sent_to(int(GROUP))) >= 1, timeout=10)
            thread = telegram.sent_to(int(GROUP))[0]["message_thread_id"]

            before = len(chat.seen())
            await telegram.group_member_sends_file(
                int(GROUP), STAFF, PHOTO, photo=True, caption="Lối thoát hiểm", thread_id=thread
            )
            text, photo = await chat.settle(before, replies=2)
            assert text.text == f"💬 Cán bộ xử lý phản ánh {code}:\nLối thoát hiểm"
            assert "/zalo/files/" in photo.text
            async with httpx.AsyncClient(trust_env=False) as client:
                served = await client.get(photo.text)
            assert (served.status_code, served.content) == (200, PHOTO)
            assert served.headers["content-type"] == "image/jpeg"

            # Telegram lets a bot download 20 MB at most: staff are told, the business nothing.
            before = len(chat.seen())
            await telegram.group_member_sends_file(
                int(GROUP),
                STAFF,
                b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024),
                file_name="ban-ve-thiet-ke.pdf",
                mime_type="application/pdf",
                caption="Bản vẽ thiết kế",
                thread_id=thread,
            )
            await telegram.wait_until(
                lambda: any("lớn hơn mức" in m["text"] for m in telegram.sent_to(int(GROUP))),
                timeout=10,
            )
            [refusal] = [m for m in telegram.sent_to(int(GROUP)) if "lớn hơn mức" in m["text"]]
            assert refusal["text"] == (
                "⚠️ Tệp «ban-ve-thiet-ke.pdf» (21,0 MB) lớn hơn mức 20 MB có thể chuyển cho "
                "doanh nghiệp qua Zalo, nên tin nhắn này chưa được gửi. Anh/chị vui lòng gửi bản "
                "nhỏ hơn (nén hoặc chia nhỏ tệp)."
            )
            assert refusal["message_thread_id"] == thread
            assert len(chat.seen()) == before

            # A year after closing, the copy served to Zalo is erased with the personal data.
            await _close(rt, code, str(thread))
            async with rt.sessions.begin() as session:
                later = clock() + timedelta(days=366)
                assert await forget_closed_petitions(session, now=later, settings=rt.settings) == 1
            async with httpx.AsyncClient(trust_env=False) as client:
                assert (await client.get(photo.text)).status_code == 404
    assert zalo.errors == []
    assert telegram.errors == []


async def test_a_photo_the_oa_business_sends_reaches_the_staff_topic(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    site = b"\xff\xd8\xff\xe0" + b"the blocked fire exit, photographed" * 30
    async with TelegramFake(local_mode=True) as telegram, ZaloOAFake(clock=clock) as zalo:
        telegram.add_group(int(GROUP), "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        async with oa_app(
            tmp_path,
            zalo,
            clock,
            index=index,
            staff_chat_id=int(GROUP),
            telegram_token=SecretStr(telegram.token),
            telegram_api_url=telegram.base_url.removesuffix("/bot"),
        ) as rt:
            chat = OAChat(rt, zalo, OA_USER)
            await chat.say("/phananh")
            await chat.say("4")
            await chat.say("Lối thoát hiểm của chợ bị chắn")
            before = len(chat.seen())
            assert (await zalo.user_sends_image(OA_USER, site)).status == 200
            [added] = await chat.settle(before)
            assert "1/5" in added.text
            [commune] = await chat.tap(added, 0)
            [public] = await chat.tap(commune, 1)  # «Không gắn với xã, phường nào»
            [consent] = await chat.tap(public, 0)
            [_, summary] = await chat.tap(consent, 1, replies=2)
            [filed] = await chat.tap(summary, 0)
            code = filed.text.split("Mã theo dõi: ")[1].split()[0]

            def photos() -> list[dict[str, object]]:
                return [m for m in telegram.sent_to(int(GROUP)) if m.get("method") == "sendPhoto"]

            await telegram.wait_until(photos, timeout=10)
            [photo] = photos()
            card = telegram.sent_to(int(GROUP))[0]
            assert f"Phản ánh {code}" in card["text"]
            assert photo["message_thread_id"] == card["message_thread_id"]
            content = photo["photo"]["content"]  # type: ignore[index]
            assert content == site  # fetched from Zalo, uploaded to the topic
    assert zalo.media_fetches == 1
    assert zalo.errors == []
    assert telegram.errors == []
