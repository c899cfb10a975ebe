"""End to end on the Zalo Official Account: the real app, its signed webhook and its sender,
against the fake OA server that enforces Zalo's rules (tokens, window, buttons, signatures)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from fakes.zalo_oa_server import ZaloOAFake, signature
from support import Clock
from troly.bot.cards import render_card
from troly.bot.messages import Document, Reply, reply_to_payload
from troly.bot.storage.models import Conversation, OutboxMessage, ProcessedEvent
from troly.handlers.app import Runtime
from troly.handlers.web import qr_png
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import ProcedureIndex
from zalo_support import OAChat, oa_app

USER = "8123456789012345678"


async def _count(rt: Runtime, model: type) -> int:
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _outbox(rt: Runtime) -> list[tuple[str, str | None]]:
    async with rt.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error).order_by(OutboxMessage.id)
        )
        return [(r[0], r[1]) for r in rows]


async def test_ask_flow_on_the_oa_question_card_number_button_and_cancel(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        [card] = await chat.say("khôi phục mã số thuế")
        assert card.text.startswith("📄 Khôi phục mã số thuế")
        kinds = ["oa.query.show"] * 3 + ["oa.open.url", "oa.query.show"]
        assert [b["type"] for b in card.buttons] == kinds
        assert card.buttons[0]["payload"] == "sec:1.008510:docs:0"

        documents = await chat.say("1")
        assert "Hồ sơ cần chuẩn bị" in documents[0].text

        [steps] = await chat.tap(card, 1)
        assert steps.text.startswith("🧭 Các bước thực hiện")
        await chat.say("mất bao lâu")  # the last menu now comes from this answer

        [legal] = await chat.tap(card, 2)  # a button higher up the chat still works
        assert legal.text.startswith("⚖️ Căn cứ pháp lý")

        [cancelled] = await chat.say("/huy")
        assert cancelled.text.startswith("Không có thao tác nào đang dở")
        assert len(cancelled.buttons) == 5
    assert fake.refresh_calls == ["ok"]
    assert fake.errors == []


async def test_choices_are_buttons_and_a_number_picks_one(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        [offer] = await chat.say("gia han giay phep xay dung")
        assert "Ý bạn là" in offer.text
        first = offer.buttons[0]
        assert first["payload"].startswith("proc:")
        code = first["payload"].split(":")[1]
        [card] = await chat.say("1")
        assert f"Mã thủ tục: {code}" in card.text
    assert fake.errors == []


async def test_a_follow_is_greeted_and_an_image_gets_the_help(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        assert (await fake.user_follows(USER)).status == 200
        [welcome] = await chat.settle(0)
        assert welcome.text.startswith("Xin chào!")
        await fake.user_sends_image(USER)
        [help_text] = await chat.settle(1)
        assert help_text.text.startswith("Cách dùng")
    assert fake.errors == []


async def test_a_bad_or_missing_signature_is_refused_and_records_nothing(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        tampered = await fake.user_says(
            USER, "khôi phục mã số thuế", tamper=lambda raw: raw.replace(b"thu", b"thuu")
        )
        wrong_secret = await fake.user_says(USER, "xin chào", secret="not-the-oa-secret")
        unsigned = await fake.user_says(USER, "xin chào", signed=False)
        assert [tampered.status, wrong_secret.status, unsigned.status] == [401, 401, 401]
        async with httpx.AsyncClient() as client:
            garbage = await client.post(
                fake.webhook_url or "", content=b"{", headers={"X-ZEvent-Signature": "mac=00"}
            )
            deep = b'{"app_id": "%s", "x": ' % fake.app_id.encode() + b"[" * 5000 + b"]" * 5000
            deep += b"}"
            mac = signature(deep, app_id=fake.app_id, timestamp="", oa_secret=fake.oa_secret)
            too_deep = await client.post(
                fake.webhook_url or "", content=deep, headers={"X-ZEvent-Signature": f"mac={mac}"}
            )
        assert (garbage.status_code, too_deep.status_code) == (401, 401)
        assert await _count(rt, ProcessedEvent) == 0
        assert await _count(rt, Conversation) == 0

        bare = await fake.user_says(USER, "/trogiup", prefix=False)
        assert bare.status == 200
        [help_text] = await OAChat(rt, fake, USER).settle(0)
        assert help_text.text.startswith("Cách dùng")
    assert fake.errors == []


async def test_a_redelivered_event_is_handled_once(tmp_path: Path, index: ProcedureIndex) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        fake.last_interaction[USER] = clock()
        event = fake.text_event(USER, "/trogiup")
        first = await fake.emit(event)
        again = await fake.emit(event)
        assert (first.status, again.status) == (200, 200)
        await OAChat(rt, fake, USER).settle(0)
        await asyncio.sleep(0.3)
        assert len(fake.sent_to(USER)) == 1
        assert await _count(rt, ProcessedEvent) == 1
    assert fake.errors == []


async def test_echoes_receipts_unfollows_and_unknown_events_are_acknowledged_and_ignored(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        statuses = [
            (await fake.oa_echo(USER, "tin của OA")).status,
            (await fake.receipt(USER, "user_seen_message")).status,
            (await fake.receipt(USER, "user_received_message")).status,
            (await fake.unknown_event(USER)).status,
            (await fake.user_unfollows(USER)).status,
        ]
        assert statuses == [200] * 5
        await asyncio.sleep(0.2)
        assert fake.sent == []
        assert await _count(rt, Conversation) == 0
    assert fake.errors == []


async def test_an_expired_token_is_refreshed_and_the_send_retried_once(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        await chat.say("/trogiup")
        first_token = fake.access_token
        fake.expire_access_tokens()  # Zalo ends it early; our row still thinks it is good
        [reply] = await chat.say("/menu")
        assert reply.text == "Bạn cần gì?"
        assert fake.access_token != first_token
    assert fake.refresh_calls == ["ok", "ok"]
    assert [e.code for e in fake.errors] == [-220]


async def test_a_token_past_its_expiry_is_refreshed_ahead_without_an_error(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        await chat.say("/trogiup")
        clock.advance(hours=24, minutes=30)  # inside the hour before the 25-hour expiry
        await chat.say("/menu")
    assert fake.refresh_calls == ["ok", "ok"]
    assert fake.errors == []


async def test_a_reminder_outside_the_window_is_held_and_sent_when_the_user_writes(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        await chat.say("/trogiup")
        clock.advance(days=8)
        # A follow-up writes its reminder the way every reply is written: into the outbox.
        async with rt.sessions.begin() as session:
            session.add(
                OutboxMessage(
                    channel="zalo_oa",
                    recipient=USER,
                    payload=reply_to_payload(Reply("Nhắc: phản ánh của bạn đã có trả lời.")),
                    status="pending",
                    attempts=0,
                    next_attempt_at=clock(),
                    created_at=clock(),
                )
            )
        await rt.tick()
        assert await _outbox(rt) == [("sent", None), ("held", "waiting for the user")]
        assert len(fake.sent_to(USER)) == 1  # not attempted: Zalo was never asked

        replies = await chat.say("/menu", replies=2)
        assert [r.text for r in replies] == ["Nhắc: phản ánh của bạn đã có trả lời.", "Bạn cần gì?"]
        assert [s for s, _ in await _outbox(rt)] == ["sent", "sent", "sent"]
    assert fake.errors == []


async def test_zalo_saying_outside_the_window_holds_the_row_without_retrying(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        await chat.say("/trogiup")
        fake.inject(-230, message="User has not interacted with the OA in the past 7 days")
        await fake.user_says(USER, "/menu")
        await fake.wait_until(lambda: fake.errors)
        await chat.settle(1, replies=0)
        [_, (status, reason)] = await _outbox(rt)
        assert status == "held"
        assert reason is not None and reason.startswith("waiting for the user")
        clock.advance(hours=1)
        await rt.tick()
        assert len(fake.errors) == 1


async def test_a_rate_limited_send_backs_off_and_is_sent_later(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, USER)
        fake.inject(-32, message="rate limit")
        await fake.user_says(USER, "/trogiup")
        await fake.wait_until(lambda: fake.errors)
        await asyncio.sleep(0.1)
        await rt.tick()
        assert fake.sent_to(USER) == []  # not before the back-off
        clock.advance(seconds=61)
        await rt.tick()
        [reply] = chat.seen()
        assert reply.text.startswith("Cách dùng")
    assert [e.code for e in fake.errors] == [-32]


async def test_a_long_document_list_comes_in_pages_with_the_buttons_on_the_oa(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        longest = max(
            rt.index.kb,
            key=lambda p: len(render_card(p, all_documents=True, aspect=Aspect.DOCUMENTS)),
        )
        chat = OAChat(rt, fake, USER)
        [card] = await chat.say("/start p_" + longest.code.replace(".", "_"))
        [page] = await chat.tap(card, 0)
        assert "(trang 1/" in page.text
        assert len(page.text) <= 2000
        assert page.buttons != []
    assert fake.errors == []


def test_the_literal_webhook_body_keeps_big_ids_as_strings() -> None:
    from troly.handlers.zalo.oa import to_incoming

    raw = (
        '{"app_id": "4318712907561234567", "user_id_by_app": "552177279717587994",'
        ' "event_name": "user_send_text", "sender": {"id": 8123456789012345678},'
        ' "recipient": {"id": "579745863508352884"},'
        ' "message": {"text": "mst", "msg_id": "2d758cb5e222177a4e35"},'
        ' "timestamp": "1699003881354"}'
    )
    incoming = to_incoming(json.loads(raw))
    assert incoming is not None
    assert (incoming.user_id, incoming.event_id, incoming.text) == (
        "8123456789012345678",
        "2d758cb5e222177a4e35",
        "mst",
    )


async def test_a_qr_code_goes_as_a_media_template_zalo_can_fetch(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock) as fake,
        oa_app(tmp_path, fake, clock, index=index, public=True) as rt,
    ):
        chat = OAChat(rt, fake, USER)
        await chat.say("/trogiup")
        qr = Document("ma-qr.png", qr_png("https://troly.example.vn/?p=1.001612"), "image/png")
        async with rt.sessions.begin() as session:
            session.add(
                OutboxMessage(
                    channel="zalo_oa",
                    recipient=USER,
                    payload=reply_to_payload(Reply("Mã QR", document=qr)),
                    status="pending",
                    attempts=0,
                    next_attempt_at=clock(),
                    created_at=clock(),
                )
            )
        await rt.tick()
        [_, text, media] = fake.sent_to(USER)
        assert text.text == "Mã QR"
        assert media.media_url.startswith(f"{rt.settings.public_url}/zalo/files/")
        assert fake.fetched == [qr.content]
    assert fake.errors == []


async def test_the_webhook_is_acknowledged_before_the_slow_work(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    # The first refresh takes 2.5 s: longer than Zalo waits for the webhook's 200.
    async with (
        ZaloOAFake(clock=clock, refresh_delay=2.5) as fake,
        oa_app(tmp_path, fake, clock, index=index) as rt,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        delivery = await fake.user_says(USER, "/trogiup")
        acknowledged = loop.time() - started
        assert delivery.status == 200 and delivery.num_retry == 0
        assert acknowledged < 1.0
        [reply] = await OAChat(rt, fake, USER).settle(0)
        assert reply.text.startswith("Cách dùng")
        assert len(fake.deliveries) == 1  # never sent again
    assert fake.errors == []


async def test_a_signed_event_outside_the_replay_window_is_refused_like_a_bad_signature(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        fake.retry_schedule = ()
        month_old = fake.text_event(USER, "khôi phục mã số thuế")
        month_old["timestamp"] = str(int((clock() - timedelta(days=30)).timestamp() * 1000))
        from_the_future = fake.text_event(USER, "khôi phục mã số thuế")
        from_the_future["timestamp"] = str(int((clock() + timedelta(minutes=6)).timestamp() * 1000))
        four_minutes_old = fake.text_event(USER, "/trogiup")
        four_minutes_old["timestamp"] = str(
            int((clock() - timedelta(minutes=4)).timestamp() * 1000)
        )

        refused = [(await fake.emit(month_old)).status, (await fake.emit(from_the_future)).status]
        assert refused == [401, 401]
        assert await _count(rt, ProcessedEvent) == 0
        assert await _count(rt, Conversation) == 0

        fake.last_interaction[USER] = clock()
        assert (await fake.emit(four_minutes_old)).status == 200
        [help_text] = await OAChat(rt, fake, USER).settle(0)
        assert help_text.text.startswith("Cách dùng")
    assert fake.errors == []


async def test_the_replay_window_is_a_setting(tmp_path: Path, index: ProcedureIndex) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock) as fake,
        oa_app(tmp_path, fake, clock, index=index, zalo_replay_seconds=60) as rt,
    ):
        fake.retry_schedule = ()
        event = fake.text_event(USER, "/trogiup")
        clock.advance(seconds=61)
        assert (await fake.emit(event)).status == 401
        assert await _count(rt, ProcessedEvent) == 0
