"""End to end on Zalo: the petition and booking flows through the real app, its webhooks and
its senders, against the fake Zalo OA and Zalo Bot servers; and a staff reply from the
Telegram staff group relayed to a business on the OA, held outside the 7-day window.

On the OA up to five buttons are Zalo buttons (tapped here with ``chat.tap``); more become
numbered lines answered with a number. On the Zalo Bot every choice is a numbered line.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from booking_support import OPENING
from fakes.zalo_bot_server import ZaloBotFake
from fakes.zalo_oa_server import ZaloOAFake
from petition_world import AGENT, GROUP, VALID_TAX_CODE
from support import Clock
from troly.bot.messages import Incoming, reply_from_payload
from troly.bot.staff import add_staff
from troly.bot.staff_topics import StaffTopics
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import Runtime
from troly.knowledge.index import ProcedureIndex
from zalo_support import BotChat, OAChat, Said, bot_app, oa_app

OA_USER = "8123456789012345678"
BOT_USER = "a1b2c3d4e5f60718"
DESCRIPTION = "Doanh nghiệp chờ cấp giấy chứng nhận quyền sử dụng đất đã 3 tháng"


def payloads(said: Said) -> list[str]:
    return [str(b["payload"]) for b in said.buttons]


def code_after(text: str, marker: str) -> str:
    return text.split(marker)[1].split()[0]


def dt_code(text: str) -> str:
    start = text.index("DT-")
    return text[start : start + 9]


async def _outbox(rt: Runtime, channel: str, recipient: str) -> list[tuple[str, str | None]]:
    async with rt.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error)
            .where(OutboxMessage.channel == channel)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id)
        )
        return [(r[0], r[1]) for r in rows]


async def test_a_petition_on_the_oa_with_numbers_and_buttons_then_tracked(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()  # Monday 23/11/2026 09:00
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, OA_USER)
        [intro] = await chat.say("/phananh")
        assert "lĩnh vực nào" in intro.text
        assert intro.buttons == []  # ten topics: more than Zalo's five buttons
        assert "\n3. Đất đai\n" in intro.text
        assert intro.text.endswith("Trả lời 1, 2, 3, 4, 5, 6, 7, 8, 9 hoặc 10 để chọn.")
        [ask] = await chat.say("3")
        assert "mô tả" in ask.text

        [too_long] = await chat.say("x" * 2500)
        assert "2500 ký tự, tối đa 2000" in too_long.text
        [files] = await chat.say(DESCRIPTION)  # the topic chosen before is kept
        assert payloads(files) == ["pf:done"]
        assert [b["type"] for b in files.buttons] == ["oa.query.show"]
        [commune] = await chat.tap(files, 0)
        assert "xã, phường nào" in commune.text
        [public] = await chat.say("hac thanh")
        assert payloads(public) == ["pf:public:0", "pf:public:1"]
        [consent] = await chat.tap(public, 0)
        assert "Luật Bảo vệ dữ liệu cá nhân" in consent.text
        [ask_name] = await chat.say("1")  # a number picks a button too
        assert "Tên doanh nghiệp" in ask_name.text
        [tax] = await chat.say("Công ty TNHH Nông sản Xanh")
        assert "Mã số thuế" in tax.text
        [wrong] = await chat.say("0300588560")
        assert "Chữ số thứ 10" in wrong.text
        [ask_phone] = await chat.say(VALID_TAX_CODE)
        assert "Số điện thoại" in ask_phone.text
        [summary] = await chat.say("0912 345 678")
        assert "Lĩnh vực: Đất đai" in summary.text
        assert f"Nội dung: {DESCRIPTION}" in summary.text
        assert "Phường Hạc Thành" in summary.text
        assert "MST: 0300588569" in summary.text
        assert payloads(summary) == ["pf:submit", "pf:edit", "cancel"]
        [filed] = await chat.tap(summary, 0)
        code = code_after(filed.text, "Mã theo dõi: ")
        assert code.startswith("PA-") and len(code) == 9
        # Tuesday 24/11/2026 is Vietnam Cultural Day: ten working days end on Tuesday 8/12.
        assert "Hạn trả lời: 08/12/2026" in filed.text

        [status] = await chat.say(f"/tracuu {code.lower()}")
        assert status.text.startswith(f"📋 Phản ánh {code}\nLĩnh vực: Đất đai\n")
        assert "Trạng thái: Đã tiếp nhận" in status.text
        assert "Hạn trả lời: 08/12/2026" in status.text
        assert payloads(status) == [f"pb:add:{code}"]
        assert fake.webhook_url is not None
    assert fake.errors == []


async def test_cancelling_a_petition_on_the_oa_mid_flow(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, OA_USER)
        await chat.say("/phananh")
        await chat.say("5")
        [files] = await chat.say("Hoàn thuế GTGT chậm hai tháng")
        assert payloads(files) == ["pf:done"]
        [cancelled] = await chat.say("/huy")
        assert cancelled.text == "Đã hủy phản ánh đang soạn. Bạn cần gì tiếp theo?"
        assert "menu:booking" in payloads(cancelled)
        [stale] = await chat.tap(files, 0)  # the petition's button from before the /huy
        assert stale.text.startswith("Nút này đã hết hiệu lực")
        [none] = await chat.say("/huy")  # nothing is left in progress
        assert none.text.startswith("Không có thao tác nào đang dở")
        [mine] = await chat.say("/cuatoi")
        assert "PA-" not in mine.text
    assert fake.errors == []


async def test_a_booking_on_the_oa_to_its_code_then_listed(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock(OPENING)  # 1/12/2026: the startup planning opens the 17/12 session
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, OA_USER)
        [listing] = await chat.say("/dangky")
        assert "14:00 Thứ Năm, 17/12/2026" in listing.text
        assert [b["title"] for b in listing.buttons] == ["14:00 Thứ Năm, 17/12/2026 · còn 20 chỗ"]
        [consent] = await chat.tap(listing, 0)
        assert "đồng ý" in consent.text.lower()
        assert payloads(consent) == ["book:consent:yes", "book:consent:no"]
        [ask_tax] = await chat.say("1")
        assert "Mã số thuế" in ask_tax.text
        [wrong] = await chat.say("0100109107")
        assert "chữ số kiểm tra" in wrong.text
        [ask_name] = await chat.say("0100109106")
        assert ask_name.text == "Tên doanh nghiệp?"
        await chat.say("Công ty TNHH Sông Mã")
        [ask_phone] = await chat.say("Lê Văn Bình")
        assert "điện thoại" in ask_phone.text
        [topics] = await chat.say("+84 912 345 678")
        assert topics.buttons == [] and "\n3. Đất đai\n" in topics.text
        [ask_question] = await chat.say("3")
        assert "kiến nghị hoặc hỏi Chủ tịch" in ask_question.text
        [remember] = await chat.say("Dự án chậm được giao đất dù đã có quyết định chủ trương")
        assert payloads(remember) == ["book:keep:yes", "book:keep:no"]
        [summary] = await chat.tap(remember, 1)
        assert "MST 0100109106" in summary.text
        assert "Đất đai" in summary.text
        assert "0912345678" in summary.text
        [made] = await chat.tap(summary, 0)
        code = dt_code(made.text)
        assert "Cán bộ sẽ xem xét" in made.text

        [mine] = await chat.say("/lichcuatoi")
        assert f"{code} — 14:00 17/12/2026" in mine.text
        assert "đang chờ xét duyệt" in mine.text
        assert payloads(mine) == [f"book:cancel:{code}"]
    assert fake.errors == []


async def test_a_petition_and_a_booking_on_the_zalo_bot_with_numbered_choices(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock(OPENING)  # Tuesday 1/12/2026 09:00
    async with (
        ZaloBotFake(clock=clock) as fake,
        bot_app(tmp_path, fake, clock=clock, index=index) as rt,
    ):
        chat = BotChat(rt, fake, BOT_USER)
        [intro] = await chat.say("/phananh")
        assert "\n3. Đất đai\n" in intro.text
        await chat.say("3")
        [files] = await chat.say(DESCRIPTION)
        assert files.text.endswith("«Không có tệp».\n\n1. Không có tệp\nTrả lời 1 để chọn.")
        [commune] = await chat.say("1")
        assert "xã, phường nào" in commune.text
        [public] = await chat.say("hac thanh")
        assert "\n1. 🔒 Giữ kín (mặc định)\n2. 🌐 Đồng ý công khai\n" in public.text
        [consent] = await chat.say("1")
        assert "Luật Bảo vệ dữ liệu cá nhân" in consent.text
        await chat.say("1")
        await chat.say("Công ty TNHH Nông sản Xanh")
        await chat.say(VALID_TAX_CODE)
        [summary] = await chat.say("0912345678")
        assert "Phường Hạc Thành" in summary.text
        assert "\n1. 📨 Gửi phản ánh\n" in summary.text
        [filed] = await chat.say("1")
        code = code_after(filed.text, "Mã theo dõi: ")
        assert code.startswith("PA-") and len(code) == 9
        assert "Hạn trả lời: 15/12/2026" in filed.text
        [status] = await chat.say(f"/tracuu {code}")
        assert code in status.text and "Trạng thái:" in status.text

        [listing] = await chat.say("/dangky")
        assert "\n1. 14:00 Thứ Năm, 17/12/2026 · còn 20 chỗ\n" in listing.text
        await chat.say("1")
        [ask_tax] = await chat.say("1")
        assert "Mã số thuế" in ask_tax.text
        await chat.say("0100109106")
        await chat.say("Công ty TNHH Sông Mã")
        await chat.say("Lê Văn Bình")
        await chat.say("0912 345 678")
        await chat.say("3")
        await chat.say("Dự án chậm được giao đất")
        [summary] = await chat.say("2")
        assert "MST 0100109106" in summary.text and "Đất đai" in summary.text
        [made] = await chat.say("1")
        code = dt_code(made.text)
        [mine] = await chat.say("/lichcuatoi")
        assert code in mine.text and "đang chờ xét duyệt" in mine.text
    assert fake.errors == []


async def _staff(rt: Runtime, *, choice: str | None = None, text: str | None = None,
                 thread: str | None) -> None:  # fmt: skip
    """A staff member acts in the Telegram staff group (in a petition's topic when given)."""
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


async def _file_on_the_bot(chat: BotChat) -> tuple[Said, str]:
    """Files an anonymous petition on the Zalo Bot by numbers; its summary and its code."""
    for line in ("/phananh", "4", "Hồ sơ cấp phép xây dựng quá hạn 20 ngày", "1", "2", "2"):
        await chat.say(line)
    [_, summary] = await chat.say("2", replies=2)  # anonymous: a note, then the summary
    [filed] = await chat.say("1")
    return summary, code_after(filed.text, "Mã theo dõi: ")


async def _topic_texts(rt: Runtime, code: str) -> list[str]:
    """What was queued for the petition's topic in the staff group (Telegram, not running);
    the card's rewrite after a claim is an edit of the card, not a message of its own."""
    async with rt.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "telegram")
            .where(OutboxMessage.thread == f"topic:petition:{code}")
            .where(OutboxMessage.edit_of.is_(None))
            .order_by(OutboxMessage.id)
        )
        return [reply_from_payload(row.payload).text for row in rows]


async def test_a_staff_reply_reaches_the_oa_business_and_waits_outside_the_window(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloOAFake(clock=clock) as fake,
        oa_app(tmp_path, fake, clock, index=index, staff_chat_id=int(GROUP)) as rt,
    ):
        async with rt.sessions.begin() as session:
            await add_staff(
                session, channel="telegram", user_id=AGENT, name="Lan", role="agent", now=clock()
            )
        chat = OAChat(rt, fake, OA_USER)
        await chat.say("/phananh")
        await chat.say("4")
        [files] = await chat.say("Hồ sơ cấp phép xây dựng quá hạn 20 ngày")
        [commune] = await chat.tap(files, 0)
        [public] = await chat.tap(commune, 1)
        [consent] = await chat.tap(public, 0)
        [_, summary] = await chat.tap(consent, 1, replies=2)  # anonymous: a note, the summary
        [filed] = await chat.tap(summary, 0)
        code = code_after(filed.text, "Mã theo dõi: ")
        # The card went to the staff group (Telegram, not running here); its topic opens.
        assert [s for s, _ in await _outbox(rt, "telegram", GROUP)] == ["pending"]

        async def create(_name: str) -> str:
            return "501"

        thread = await StaffTopics(rt.sessions).resolve(f"topic:petition:{code}", create)
        assert thread == "501"

        before = len(chat.seen())
        await _staff(rt, choice=f"ps:claim:{code}", thread=thread)
        [claimed] = await chat.settle(before)
        assert claimed.text == f"👤 Phản ánh {code} đã có cán bộ nhận xử lý."

        before = len(chat.seen())
        await _staff(rt, text="Đề nghị gửi bản sao giấy phép.", thread=thread)
        [relayed] = await chat.settle(before)
        assert relayed.text == f"💬 Cán bộ xử lý phản ánh {code}:\nĐề nghị gửi bản sao giấy phép."
        assert f"pb:add:{code}" in payloads(relayed)

        # The business answers with the button; its message goes to the petition's topic.
        [prompt] = await chat.tap(relayed, 0)
        assert code in prompt.text
        [noted] = await chat.say("Đã gửi bản sao qua bưu điện hôm nay.")
        assert "Đã chuyển" in noted.text
        card, claim, from_business = await _topic_texts(rt, code)
        assert card.startswith(f"🆕 Phản ánh {code}\n")
        assert claim == f"👤 Lan xử lý phản ánh {code}."
        assert from_business == (
            f"💬 Doanh nghiệp (phản ánh {code}):\nĐã gửi bản sao qua bưu điện hôm nay."
        )

        # Eight days later the business has been silent: Zalo would refuse (-230).
        clock.advance(days=8)
        sent_before = len(fake.sent_to(OA_USER))
        await _staff(rt, text="Xin bổ sung bản vẽ thiết kế.", thread=thread)
        await rt.tick()
        assert (await _outbox(rt, "zalo_oa", OA_USER))[-1] == ("held", "waiting for the user")
        assert len(fake.sent_to(OA_USER)) == sent_before  # Zalo was never asked

        [late, menu] = await chat.say("/menu", replies=2)
        assert late.text == f"💬 Cán bộ xử lý phản ánh {code}:\nXin bổ sung bản vẽ thiết kế."
        assert payloads(late) == [f"pb:add:{code}"]
        assert menu.text == "Bạn cần gì?"
        assert all(s == "sent" for s, _ in await _outbox(rt, "zalo_oa", OA_USER))
        # The status shows every exchange, the held one on the day staff wrote it.
        [status] = await chat.say(f"/tracuu {code}")
        assert "Trạng thái: Đang xử lý" in status.text
        assert status.text.endswith(
            "• 09:00 23/11/2026: Cán bộ trao đổi\n"
            "• 09:00 23/11/2026: Doanh nghiệp bổ sung thông tin\n"
            "• 09:00 01/12/2026: Cán bộ trao đổi"
        )
    assert fake.errors == []


async def test_a_booking_approved_by_staff_reaches_the_oa_business_with_its_invite(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock(OPENING)
    async with (
        ZaloOAFake(clock=clock) as fake,
        oa_app(tmp_path, fake, clock, index=index, public=True, staff_chat_id=int(GROUP)) as rt,
    ):
        async with rt.sessions.begin() as session:
            await add_staff(
                session, channel="telegram", user_id=AGENT, name="Lan", role="agent", now=clock()
            )
        chat = OAChat(rt, fake, OA_USER)
        for line in ("/dangky", "1", "1", "0100109106", "Công ty TNHH Sông Mã", "Lê Văn Bình",
                     "0912345678", "3", "Dự án chậm được giao đất", "2"):  # fmt: skip
            await chat.say(line)
        [made] = await chat.say("1")
        code = dt_code(made.text)

        before = len(chat.seen())
        await _staff(rt, choice=f"scr:ok:{code}", thread=None)
        confirmation, invite = await chat.settle(before, replies=2)
        assert "đã được xác nhận" in confirmation.text
        assert invite.text.startswith(f"📎 {code}.ics: {rt.settings.public_url}/zalo/files/")
        async with httpx.AsyncClient() as client:
            served = await client.get(invite.text.split(": ", 1)[1])
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("text/calendar")
        assert f"UID:{code}@troly" in served.text

        [mine] = await chat.say("/lichcuatoi")
        assert f"{code} — 14:00 17/12/2026" in mine.text
        assert "đang chờ xét duyệt" not in mine.text
    assert fake.errors == []


async def test_on_the_zalo_bot_huy_cancels_and_a_staff_reply_is_answered_by_number(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloBotFake(clock=clock) as fake,
        bot_app(tmp_path, fake, clock=clock, index=index, staff_chat_id=int(GROUP)) as rt,
    ):
        async with rt.sessions.begin() as session:
            await add_staff(
                session, channel="telegram", user_id=AGENT, name="Lan", role="agent", now=clock()
            )
        chat = BotChat(rt, fake, BOT_USER)
        await chat.say("/phananh")
        [ask] = await chat.say("4")
        assert "mô tả" in ask.text
        [cancelled] = await chat.say("/huy")
        assert cancelled.text.startswith("Đã hủy phản ánh đang soạn. Bạn cần gì tiếp theo?")
        assert "Trả lời 1, 2, 3, 4 hoặc 5 để chọn." in cancelled.text
        [none] = await chat.say("/huy")
        assert none.text.startswith("Không có thao tác nào đang dở")

        summary, code = await _file_on_the_bot(chat)
        assert "\n1. 📨 Gửi phản ánh\n" in summary.text

        async def create(_name: str) -> str:
            return "502"

        thread = await StaffTopics(rt.sessions).resolve(f"topic:petition:{code}", create)
        before = len(chat.seen())
        await _staff(rt, choice=f"ps:claim:{code}", thread=thread)
        await _staff(rt, text="Đề nghị gửi bản sao giấy phép.", thread=thread)
        claimed, relayed = await chat.settle(before, replies=2)
        assert claimed.text == f"👤 Phản ánh {code} đã có cán bộ nhận xử lý."
        # Staff wrote on their own: the receipt's menu (1–3) keeps its numbers, and the
        # staff message's button comes after them.
        assert relayed.text == (
            f"💬 Cán bộ xử lý phản ánh {code}:\nĐề nghị gửi bản sao giấy phép.\n\n"
            "4. ✍️ Bổ sung / trả lời cán bộ\nTrả lời 4 để chọn."
        )
        [prompt] = await chat.say("4")
        assert code in prompt.text
        [noted] = await chat.say("Đã gửi bản sao qua bưu điện hôm nay.")
        assert "Đã chuyển" in noted.text
        *_, from_business = await _topic_texts(rt, code)
        assert from_business == (
            f"💬 Doanh nghiệp (phản ánh {code}):\nĐã gửi bản sao qua bưu điện hôm nay."
        )
    assert fake.errors == []


async def test_on_the_zalo_bot_a_staff_message_mid_registration_keeps_the_menus_numbers(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    async with (
        ZaloBotFake(clock=clock) as fake,
        bot_app(tmp_path, fake, clock=clock, index=index, staff_chat_id=int(GROUP)) as rt,
    ):
        async with rt.sessions.begin() as session:
            await add_staff(
                session, channel="telegram", user_id=AGENT, name="Lan", role="agent", now=clock()
            )
        chat = BotChat(rt, fake, BOT_USER)
        _, code = await _file_on_the_bot(chat)

        async def create(_name: str) -> str:
            return "503"

        thread = await StaffTopics(rt.sessions).resolve(f"topic:petition:{code}", create)
        [sessions] = await chat.say("/dangky")
        assert "1. " in sessions.text
        shown = sessions.text.count("\n", sessions.text.index("\n1. "))
        # Staff write while the business is choosing a session.
        before = len(chat.seen())
        await _staff(rt, text="Anh gửi thêm ảnh hiện trạng nhé.", thread=thread)
        [relayed] = await chat.settle(before)
        number = int(relayed.text.split("\n")[-2].split(".")[0])
        assert number > 1 and shown >= 1
        assert relayed.text.endswith(f"Trả lời {number} để chọn.")
        # The staff message's number opens the answer to staff…
        [prompt] = await chat.say(str(number))
        assert code in prompt.text
        await chat.say("/huy")
        # …and, the registration's menu unchanged, "1" still picks its first session.
        await chat.say("/dangky")
        before = len(chat.seen())
        await _staff(rt, text="Anh gửi thêm cả biên nhận.", thread=thread)
        await chat.settle(before)
        [consent] = await chat.say("1")
        assert consent.text.startswith("Để đăng ký, tôi cần mã số thuế")
    assert fake.errors == []


async def test_a_summary_with_the_longest_description_is_split_with_its_buttons_last(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    clock = Clock()
    words = "Hồ sơ xin cấp phép xây dựng nhà xưởng đã nộp từ tháng bảy mà chưa có kết quả. " * 30
    longest = words[:1999].rstrip() + "."
    assert len(longest) <= 2000
    async with ZaloOAFake(clock=clock) as fake, oa_app(tmp_path, fake, clock, index=index) as rt:
        chat = OAChat(rt, fake, OA_USER)
        await chat.say("/phananh")
        await chat.say("4")
        [files] = await chat.say(longest)
        [commune] = await chat.tap(files, 0)
        [public] = await chat.tap(commune, 1)
        [consent] = await chat.tap(public, 0)
        pieces = await chat.tap(consent, 1, replies=3)  # the anonymous note, then the summary
        assert len(pieces) >= 3
        assert all(len(p.text) <= 2000 for p in pieces)
        assert [bool(p.buttons) for p in pieces] == [False] * (len(pieces) - 1) + [True]
        assert payloads(pieces[-1]) == ["pf:submit", "pf:edit", "cancel"]
        [filed] = await chat.tap(pieces[-1], 0)
        code = code_after(filed.text, "Mã theo dõi: ")
        assert code.startswith("PA-")
    assert fake.errors == []
