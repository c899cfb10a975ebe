"""Zalo outside the window: a held time-critical message is announced by ZNS to the phone the
business gave with consent (/zns), through the outbox and the fake OA's ZNS endpoint; without
a template for its kind or without the phone it waits as before. The fake's ZNS rules, and the
48-hour rule of consultation messages, are checked here too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from fakes.one_stop_server import FIELDS, KEY, one_stop_fake
from fakes.zalo_oa_server import ZaloOAFake
from support import Clock
from troly.bot.messages import Notice, Reply, reply_to_payload
from troly.bot.settings_problems import SettingsProblem, load_settings
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import Runtime
from troly.handlers.zalo.zns import international
from troly.knowledge.index import ProcedureIndex
from zalo_support import OAChat, oa_app

USER = "8123456789012345678"
CODE = "000.00.25.H56-241105-0001"
TEMPLATES = {"dossier_status": "301001", "petition_answer": "301002"}
APPROVED = {
    "301001": {"code": 40, "status": 60, "date": 10},
    "301002": {"code": 12, "date": 10},
}


async def _rows(rt: Runtime) -> list[tuple[str, str | None]]:
    async with rt.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.via).order_by(OutboxMessage.id)
        )
        return [(r[0], r[1]) for r in rows]


async def _queue(rt: Runtime, clock: Clock, reply: Reply, *, recipient: str = USER) -> None:
    """A job's message to the business, written as every message is: into the outbox."""
    async with rt.sessions.begin() as session:
        session.add(
            OutboxMessage(
                channel="zalo_oa", recipient=recipient, payload=reply_to_payload(reply),
                status="pending", attempts=0, next_attempt_at=clock(), created_at=clock(),
            )
        )  # fmt: skip


async def _give_phone(chat: OAChat, phone: str = "0912 345 678") -> None:
    [consent] = await chat.say("/zns")
    assert "Mục đích: chỉ để gửi các thông báo đó" in consent.text
    [ask] = await chat.tap(consent, 0)
    assert ask.text.startswith("Bạn gửi số điện thoại Zalo")
    [saved] = await chat.say(phone)
    assert saved.text.startswith("✅ Đã lưu số 091")


def _zns(fake: ZaloOAFake, **extra: Any) -> dict[str, Any]:
    return {
        "zalo_zns_templates": TEMPLATES,
        "zalo_zns_api_url": fake.zns_url,
        **extra,
    }


async def test_a_followed_dossier_changing_after_the_window_is_announced_by_zns(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        one_stop_fake() as one_stop,
        ZaloOAFake(clock=clock, zns_templates=APPROVED) as fake,
        oa_app(
            tmp_path,
            fake,
            clock,
            index=index,
            dossier_url=one_stop.url,
            dossier_key=SecretStr(KEY),
            dossier_fields=FIELDS,
            **_zns(fake),
        ) as rt,  # fmt: skip
    ):
        chat = OAChat(rt, fake, USER)
        await _give_phone(chat)
        one_stop.put(CODE, "Đã tiếp nhận")
        [card] = await chat.say(f"/hoso {CODE}")
        assert "Trạng thái: Đã tiếp nhận" in card.text
        [followed] = await chat.tap(card, 0)
        assert "gõ /zns" in followed.text
        seen = len(fake.sent_to(USER))

        clock.advance(days=8)
        one_stop.put(CODE, "Có kết quả")
        await rt.tick()
        assert len(fake.sent_to(USER)) == seen  # the chat is closed: nothing sent there
        [zns] = fake.zns_sent
        assert (zns.phone, zns.template_id) == ("84912345678", "301001")
        assert zns.data == {"code": CODE, "status": "đã có kết quả", "date": "04/12/2026"}
        assert zns.billable
        assert (await _rows(rt))[-1] == ("held", "zns")

        await rt.tick()
        assert len(fake.zns_sent) == 1  # announced once

        # The business comes back: the full message waits for it in the chat.
        replies = await chat.say("/menu", replies=2)
        assert replies[0].text.startswith(f"🔔 Hồ sơ {CODE} có cập nhật: đã có kết quả.")
        assert replies[1].text == "Bạn cần gì?"
        assert (await _rows(rt))[-2:] == [("sent", "zns"), ("sent", None)]
    assert fake.errors == []


async def test_without_a_phone_or_a_template_the_message_waits_as_before(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock, zns_templates=APPROVED) as fake,
        oa_app(tmp_path, fake, clock, index=index, **_zns(fake)) as rt,
    ):
        await OAChat(rt, fake, "8123456789000000001").say("/trogiup")  # gives no phone
        chat = OAChat(rt, fake, USER)
        await _give_phone(chat)
        clock.advance(days=8)
        answer = Notice("petition_answer", {"code": "PA-7K3M9Q", "date": "01/12/2026"})
        await _queue(rt, clock, Reply("Trả lời chính thức", notice=answer),
                     recipient="8123456789000000001")  # fmt: skip
        reminder = Notice("session_reminder", {"code": "DT-4KQ8ZP", "time": "x", "place": "y"})
        await _queue(rt, clock, Reply("Nhắc lịch", notice=reminder))
        await rt.tick()
        assert fake.zns_sent == []  # no phone given; no template for session reminders
        assert (await _rows(rt))[-2:] == [("held", None), ("held", None)]


async def test_a_zns_refusal_leaves_the_message_waiting(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock, zns_templates=APPROVED, zns_daily_quota=1) as fake,
        oa_app(tmp_path, fake, clock, index=index, **_zns(fake)) as rt,
    ):
        chat = OAChat(rt, fake, USER)
        await _give_phone(chat)
        clock.advance(days=8)
        answer = Notice("petition_answer", {"code": "PA-7K3M9Q", "date": "01/12/2026"})
        await _queue(rt, clock, Reply("Trả lời 1", notice=answer))
        await _queue(rt, clock, Reply("Trả lời 2", notice=answer))
        await rt.tick()
        assert len(fake.zns_sent) == 1
        assert [e.code for e in fake.errors] == [-144]  # the OA's daily quota
        assert (await _rows(rt))[-2:] == [("held", "zns"), ("held", None)]

        fake.zns_cannot_receive.add("84912345678")
        await _queue(rt, clock, Reply("Trả lời 3", notice=answer))
        clock.advance(days=1)
        await rt.tick()
        assert [e.code for e in fake.errors] == [-144, -119]
        assert (await _rows(rt))[-1] == ("held", None)


async def test_within_seven_days_an_urgent_message_goes_in_the_chat_billed_after_48_hours(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock, zns_templates=APPROVED) as fake,
        oa_app(tmp_path, fake, clock, index=index, **_zns(fake)) as rt,
    ):
        chat = OAChat(rt, fake, USER)
        await _give_phone(chat)
        answer = Notice("petition_answer", {"code": "PA-7K3M9Q", "date": "01/12/2026"})
        clock.advance(hours=47)
        await _queue(rt, clock, Reply("Trả lời trong 48 giờ", notice=answer))
        await rt.tick()
        clock.advance(days=3)
        await _queue(rt, clock, Reply("Trả lời sau 48 giờ", notice=answer))
        await rt.tick()
        free, billed = fake.sent_to(USER)[-2:]
        assert (free.text, free.quota_type, free.billable) == (
            "Trả lời trong 48 giờ",
            "reply",
            False,
        )
        assert (billed.text, billed.quota_type, billed.billable) == (
            "Trả lời sau 48 giờ", "consult", True,
        )  # fmt: skip
        assert fake.zns_sent == []


async def test_zns_is_only_for_the_oa_and_dulieu_shows_and_erases_the_phone(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock, zns_templates=APPROVED) as fake,
        oa_app(tmp_path, fake, clock, index=index, **_zns(fake)) as rt,
    ):
        chat = OAChat(rt, fake, USER)
        await _give_phone(chat)
        [shown] = await chat.say("/zns")
        assert (
            shown.text
            == "Bạn đang nhận tin ZNS qua số 091••••678 khi Zalo không cho nhắn trong OA."
        )
        [data] = await chat.say("/dulieu")
        assert "📱 Số nhận tin ZNS: 0912345678" in data.text
        [off] = await chat.tap(shown, 1)
        assert off.text.startswith("Đã xóa số điện thoại")
        clock.advance(days=8)
        answer = Notice("petition_answer", {"code": "PA-7K3M9Q", "date": "01/12/2026"})
        await _queue(rt, clock, Reply("Trả lời", notice=answer))
        await rt.tick()
        assert fake.zns_sent == []


def test_phones_are_written_the_way_zns_wants_them() -> None:
    assert [international(p) for p in ("0912345678", "84912345678", "+84 912 345 678")] == [
        "84912345678", "84912345678", "84912345678",
    ]  # fmt: skip


async def test_the_fake_zns_endpoint_enforces_zalos_rules() -> None:
    async with ZaloOAFake(zns_templates=APPROVED, zns_daily_quota=2) as fake:
        token = {"access_token": fake.access_token}
        data = {"code": "PA-7K3M9Q", "date": "01/12/2026"}
        good = {"phone": "84912345678", "template_id": "301002", "template_data": data,
                "tracking_id": "t1"}  # fmt: skip

        async def send(body: dict[str, Any], headers: dict[str, str] = token) -> int:
            async with httpx.AsyncClient(trust_env=False) as client:
                response = await client.post(f"{fake.zns_url}/message/template", json=body,
                                             headers=headers)  # fmt: skip
            assert response.status_code == 200
            return int(response.json()["error"])

        assert await send(good, {"access_token": "wrong"}) == -124
        assert await send({**good, "phone": "0912345678"}) == -108
        assert await send({**good, "template_id": "999"}) == -109
        assert await send({**good, "template_data": {}}) == -111
        assert await send({**good, "template_data": {"code": "PA-7K3M9Q"}}) == -112
        too_long = {"code": "PA-7K3M9Q-TOO-LONG", "date": "01/12/2026"}
        assert await send({**good, "template_data": too_long}) == -112
        assert await send(good) == 0
        fake.zns_balance_empty = True
        assert await send(good) == -115
        fake.zns_balance_empty = False
        assert await send(good) == 0
        assert await send(good) == -144
        assert [m.tracking_id for m in fake.zns_sent] == ["t1", "t1"]


async def test_zalo_refusing_inside_our_window_and_an_expired_token_still_announce_once(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock, zns_templates=APPROVED) as fake,
        oa_app(tmp_path, fake, clock, index=index, **_zns(fake)) as rt,
    ):
        chat = OAChat(rt, fake, USER)
        await _give_phone(chat)
        clock.advance(hours=2)
        refreshes = len(fake.refresh_calls)
        # Zalo counts the window its own way and says no; ZNS then calls the token invalid.
        fake.inject(-230, message="User has not interacted with the OA in the past 7 days")
        fake.inject(-124, message="Access token is invalid")
        answer = Notice("petition_answer", {"code": "PA-7K3M9Q", "date": "01/12/2026"})
        await _queue(rt, clock, Reply("Trả lời chính thức", notice=answer))
        await rt.tick()
        assert [e.code for e in fake.errors] == [-230, -124]
        assert len(fake.refresh_calls) == refreshes + 1  # refreshed once, then sent
        [zns] = fake.zns_sent
        assert zns.data == {"code": "PA-7K3M9Q", "date": "01/12/2026"}
        assert (await _rows(rt))[-1] == ("held", "zns")


def test_a_template_for_a_kind_that_never_goes_by_zns_is_refused() -> None:
    with pytest.raises(SettingsProblem) as refused:
        load_settings(zalo_zns_templates={"petition_answer": "1", "chat": "2"})
    [line] = refused.value.lines
    assert "TROLY_ZALO_ZNS_TEMPLATES chỉ các loại" in line
    assert "(không biết / unknown: chat)" in line
