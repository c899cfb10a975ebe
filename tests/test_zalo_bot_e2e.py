"""End to end on the Zalo Bot platform: the real app (webhook and polling) against the fake
Zalo Bot API server, which answers errors with HTTP 200 and ``ok: false``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from pydantic import SecretStr

from fakes.zalo_bot_server import ZaloBotFake
from support import Clock
from troly.bot.cards import render_card
from troly.bot.messages import Document, Reply, reply_to_payload
from troly.bot.settings import Settings
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import Runtime
from troly.handlers.web import qr_png
from troly.handlers.zalo.bot import webhook_secret
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import ProcedureIndex
from zalo_support import BotChat, bot_app

USER = "a1b2c3d4e5f60718"


async def test_ask_flow_on_the_zalo_bot_with_numbered_choices_and_cancel(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, index=index) as rt:
        assert fake.webhook_url.endswith("/zalo/bot")
        chat = BotChat(rt, fake, USER)
        [card] = await chat.say("khôi phục mã số thuế")
        assert card.text.startswith("📄 Khôi phục mã số thuế")
        assert "\n1. 📑 Hồ sơ cần chuẩn bị\n" in card.text
        assert card.text.endswith("Trả lời 1, 2, 3 hoặc 4 để chọn.")

        documents = await chat.say("1")
        assert "Hồ sơ cần chuẩn bị" in documents[0].text

        [offer] = await chat.say("gia han giay phep xay dung")
        assert "Ý bạn là" in offer.text
        [card] = await chat.say("1")
        assert card.text.startswith("📄 ")

        [cancelled] = await chat.say("/huy")
        assert cancelled.text.startswith("Không có thao tác nào đang dở")
        assert "Trả lời 1, 2, 3, 4 hoặc 5 để chọn." in cancelled.text
    assert fake.errors == []
    assert all(d.secret_header == webhook_secret(rt.settings) for d in fake.deliveries)


async def test_polling_mode_answers_with_get_updates(tmp_path: Path, index: ProcedureIndex) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, webhook=False, index=index) as rt:
        assert fake.webhook_url == ""
        chat = BotChat(rt, fake, USER)
        [reply] = await chat.say("/trogiup")
        assert reply.text.startswith("Cách dùng")
    assert fake.errors == []


async def test_a_wrong_secret_is_refused_and_a_redelivery_is_handled_once(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, index=index) as rt:
        body = fake.update(USER, text="/trogiup")
        async with httpx.AsyncClient() as client:
            wrong = await client.post(
                fake.webhook_url, json=body, headers={"X-Bot-Api-Secret-Token": "wrong-secret"}
            )
            missing = await client.post(fake.webhook_url, json=body)
            deep = await client.post(
                fake.webhook_url,
                content=b'{"ok": true, "result": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                headers={"X-Bot-Api-Secret-Token": webhook_secret(rt.settings)},
            )
        assert (wrong.status_code, missing.status_code, deep.status_code) == (403, 403, 400)
        await fake.push(body)
        await fake.push(body)  # Zalo sends it again: same message id
        await BotChat(rt, fake, USER).settle(0)
        await asyncio.sleep(0.3)
        assert len(fake.sent_to(USER)) == 1
    assert fake.errors == []


async def test_an_ok_false_answer_with_http_200_is_an_error_and_retried(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, index=index) as rt:
        fake.inject(500, "Internal error (fake wording)", methods=["sendMessage"])
        chat = BotChat(rt, fake, USER)
        await fake.user_says(USER, "/trogiup")
        await fake.wait_until(lambda: fake.injected)
        await asyncio.sleep(0.2)
        assert fake.sent_to(USER) == []
        await asyncio.sleep(2.1)  # the outbox's first back-off is 2 s
        await rt.tick()
        [reply] = chat.seen()
        assert reply.text.startswith("Cách dùng")
    assert fake.errors == []


async def test_a_long_document_list_comes_in_pages_on_the_zalo_bot(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    longest = max(
        index.kb, key=lambda p: len(render_card(p, all_documents=True, aspect=Aspect.DOCUMENTS))
    )
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, index=index) as rt:
        chat = BotChat(rt, fake, USER)
        await chat.say("/start p_" + longest.code.replace(".", "_"))
        [first_page] = await chat.say("1")
        assert "(trang 1/" in first_page.text
        assert "\n1. Xem tiếp ▶\n" in first_page.text
        [second_page] = await chat.say("1")
        assert "(trang 2/" in second_page.text
        assert all(len(p.text) <= 2000 for p in (first_page, second_page))
        assert second_page.text.endswith("để chọn.")
    assert fake.errors == []


async def test_unsupported_group_and_unknown_events_are_acknowledged(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, index=index) as rt:
        await fake.push(fake.update("group-1", text="/trogiup", chat_type="GROUP"))
        await fake.push(fake.update(USER, event_name="message.future.received", text="x"))
        await fake.user_sends_unsupported(USER)
        [help_text] = await BotChat(rt, fake, USER).settle(0)
        assert help_text.text.startswith("Cách dùng")
        await asyncio.sleep(0.2)
        assert all(d.status == 200 for d in fake.deliveries)
        assert fake.sent_to("group-1") == []
    assert fake.errors == []


def test_the_webhook_secret_follows_the_platforms_length_rule() -> None:
    settings = Settings(environment="test", zalo_bot_token=SecretStr("123:abc"))
    assert 8 <= len(webhook_secret(settings)) <= 256


async def test_a_qr_code_goes_as_a_photo_by_url_and_other_files_as_links(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, index=index) as rt:
        chat = BotChat(rt, fake, USER)
        await chat.say("/trogiup")
        qr = Document("ma-qr.png", qr_png("https://troly.example.vn/?p=1.001612"), "image/png")
        invite = Document("buoi-tiep.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
        await _queue(rt, USER, Reply("Mã QR để tiếp tục trên điện thoại", document=qr))
        await _queue(rt, USER, Reply("Lịch buổi tiếp doanh nghiệp", document=invite))
        await rt.tick()
        [text, photo, caption, link] = fake.sent_to(USER)[1:]
        assert (text["kind"], photo["kind"], caption["kind"]) == ("text", "photo", "text")
        assert photo["size"] == len(qr.content)  # the fake downloaded it from our URL
        assert link["text"].startswith("📎 buoi-tiep.ics: http://127.0.0.1:")
        async with httpx.AsyncClient() as client:
            served = await client.get(link["text"].split(": ", 1)[1])
            unknown = await client.get(photo["photo"][:-4] + "0000")
        assert (served.status_code, served.content) == (200, invite.content)
        assert served.headers["content-type"].startswith("text/calendar")
        assert unknown.status_code == 404
    assert fake.errors == []


async def test_without_a_public_address_a_file_is_announced_not_sent(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with ZaloBotFake() as fake, bot_app(tmp_path, fake, webhook=False, index=index) as rt:
        chat = BotChat(rt, fake, USER)
        await chat.say("/trogiup")
        qr = Document("ma-qr.png", qr_png("https://troly.example.vn"), "image/png")
        await _queue(rt, USER, Reply("Mã QR", document=qr))
        await rt.tick()
        [_, text, note] = fake.sent_to(USER)
        assert text["text"] == "Mã QR"
        assert note["text"].startswith("(Tệp đính kèm chưa gửi được qua Zalo")
    assert fake.errors == []


async def _queue(rt: Runtime, user: str, reply: Reply) -> None:
    """Writes a reply into the outbox the way a follow-up does."""
    now = rt.clock()
    async with rt.sessions.begin() as session:
        session.add(
            OutboxMessage(
                channel="zalo_bot",
                recipient=user,
                payload=reply_to_payload(reply),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


async def test_a_webhook_message_dated_outside_the_replay_window_is_refused(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloBotFake(clock=clock, max_attempts=1) as fake,
        bot_app(tmp_path, fake, clock=clock, index=index) as rt,
    ):
        old = fake.update(USER, text="/trogiup")
        clock.advance(minutes=30)
        await fake.push(old)
        fresh = fake.update(USER, text="/trogiup")
        await fake.push(fresh)
        await BotChat(rt, fake, USER).settle(0)
        statuses = {d.message_id: d.status for d in fake.deliveries}
        assert statuses == {
            old["result"]["message"]["message_id"]: 403,
            fresh["result"]["message"]["message_id"]: 200,
        }
        assert len(fake.sent_to(USER)) == 1
