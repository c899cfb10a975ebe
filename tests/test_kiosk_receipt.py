"""A petition filed on the kiosk is followed from a phone: the receipt says how, in the kiosk's
words (no command), and the code with the phone the petition left shows its status elsewhere."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import VALID_TAX_CODE, World
from support import VN, Clock
from troly.bot.messages import Reply
from troly.knowledge.index import ProcedureIndex

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=VN)
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")
KIOSK = "visitor-1"
PHONE_USER = "777"


def worlds(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> tuple[World, World]:
    clock = Clock(MONDAY_9)
    kiosk = World(sessions, index, clock, channel="web", door="kiosk")
    return kiosk, World(sessions, index, clock, channel="telegram")


async def file_with_phone(kiosk: World, phone: str | None) -> Reply:
    await kiosk.press("menu:petition", user=KIOSK)
    await kiosk.press("pf:topic:xaydung", user=KIOSK)
    await kiosk.say("Hồ sơ cấp phép xây dựng quá hạn 20 ngày chưa có kết quả", user=KIOSK)
    for step in ("pf:done", "pf:commune:none", "pf:public:0"):
        await kiosk.press(step, user=KIOSK)
    if phone is None:
        await kiosk.press("pf:consent:0", user=KIOSK)
    else:
        await kiosk.press("pf:consent:1", user=KIOSK)
        await kiosk.say("Công ty TNHH Sông Mã", user=KIOSK)
        await kiosk.say(VALID_TAX_CODE, user=KIOSK)
        await kiosk.say(phone, user=KIOSK)
    [filed] = await kiosk.press("pf:submit", user=KIOSK)
    return filed


def code_of(reply: Reply) -> str:
    found = re.search(r"\bPA-[0-9A-Z]{6}\b", reply.text)
    assert found is not None, reply.text
    return found.group(0)


async def test_a_kiosk_receipt_says_to_look_the_code_up_with_the_phone_and_that_works_on_a_phone(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    kiosk, phone = worlds(sessions, index)
    filed = await file_with_phone(kiosk, "0912 345 678")
    code = code_of(filed)
    # The visitor presses «Làm lại từ đầu»: the kiosk's conversation is forgotten.
    await kiosk.press("forget", user=KIOSK)

    [alone] = await phone.say(f"tra cứu {code}", user=PHONE_USER)
    [wrong] = await phone.say(f"tra cứu {code} 0987654321", user=PHONE_USER)
    [status] = await phone.say(f"tra cứu {code} 0912.345.678", user=PHONE_USER)
    [command] = await phone.say(f"/tracuu {code} +84912345678", user=PHONE_USER)

    assert COMMAND.findall(filed.text) == []
    assert f"«tra cứu {code}» kèm số điện thoại bạn đã để lại" in filed.text
    assert "Không có phản ánh nào" in alone.text and "kèm số điện thoại" in alone.text
    assert wrong.text == alone.text
    assert (status.kind, status.buttons) == ("petition:status", ())
    assert (code in status.text, "Đã tiếp nhận" in status.text) == (True, True)
    # Nothing of the person's: neither the business's name nor its tax code nor the phone.
    shown = [secret in status.text for secret in ("Sông Mã", VALID_TAX_CODE, "0912345678")]
    assert shown == [False, False, False]
    assert command.text == status.text


async def test_an_anonymous_kiosk_receipt_sends_the_visitor_to_the_counter_with_the_code(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    kiosk, _phone = worlds(sessions, index)
    filed = await file_with_phone(kiosk, None)

    assert COMMAND.findall(filed.text) == []
    assert "mang mã đến quầy tiếp nhận" in filed.text
    assert "«tra cứu" not in filed.text


async def test_the_web_receipt_keeps_its_commands_and_the_english_kiosk_says_status(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    web = World(sessions, index, Clock(MONDAY_9), channel="web")
    web_filed = await file_with_phone(web, "0912345678")
    kiosk, _phone = worlds(sessions, index)
    await kiosk.press("lang:en", user=KIOSK)
    filed = await file_with_phone(kiosk, "0912345678")

    assert f"/tracuu {code_of(web_filed)}" in web_filed.text
    assert f'"status {code_of(filed)}" with the phone number you gave' in filed.text
    assert COMMAND.findall(filed.text) == []
