"""End to end through the fake Bot API: a business files a petition in its private chat; the
card opens a new forum topic in the staff group; staff claim and answer there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from fakes.telegram_server import TelegramFake
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.handlers.app import Runtime, build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

GROUP = -1001234
BUSINESS = 1001
OTHER_BUSINESS = 1002
AGENT = 11
OUTSIDER = 99


@asynccontextmanager
async def _app(
    tmp_path: Path, fake: TelegramFake, *, index: ProcedureIndex | None = None, staff: bool = True
) -> AsyncIterator[Runtime]:
    """The app against the fake Bot API, started, with the agent Lan on the roster."""
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'tg.db'}",
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.base_url.removesuffix("/bot"),
        staff_chat_id=GROUP,
    )
    app, runtime = create_app(
        settings, runtime=build_runtime(settings, index=index), scheduler=False
    )
    async with app.router.lifespan_context(app):
        if staff:
            async with runtime.sessions.begin() as session:
                await add_staff(
                    session,
                    channel="telegram",
                    user_id=str(AGENT),
                    name="Lan",
                    role="agent",
                    now=runtime.clock(),
                )
        yield runtime


def _button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix!r} in {message.get('text')!r}")


async def _press(fake: TelegramFake, prefix: str, then: int, *, business: int = BUSINESS) -> None:
    """The business presses the button of its last message, then waits for reply ``then``."""
    last = fake.sent_to(business)[-1]
    await fake.user_presses(business, int(last["message_id"]), _button(last, prefix))
    await fake.wait_for_messages(business, then)


async def _file_anonymously(
    fake: TelegramFake, *, topic: str, description: str, public: str, business: int = BUSINESS
) -> str:
    """Files an anonymous petition from the business's Telegram chat; returns its code."""
    await fake.user_says(business, "/phananh")
    await fake.wait_for_messages(business, 1)
    await _press(fake, f"pf:topic:{topic}", 2, business=business)
    await fake.user_says(business, description)
    await fake.wait_for_messages(business, 3)
    await _press(fake, "pf:done", 4, business=business)
    await _press(fake, "pf:commune:none", 5, business=business)
    await _press(fake, f"pf:public:{public}", 6, business=business)
    await _press(fake, "pf:consent:0", 8, business=business)
    await _press(fake, "pf:submit", 9, business=business)
    return str(fake.sent_to(business)[-1]["text"]).split("Mã theo dõi: ")[1].split()[0]


async def test_a_petition_through_telegram_business_chat_and_staff_topic(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        async with _app(tmp_path, fake):

            async def business_press(prefix: str) -> None:
                last = fake.sent_to(BUSINESS)[-1]
                await fake.user_presses(BUSINESS, int(last["message_id"]), _button(last, prefix))

            async def business_waits(count: int) -> dict[str, Any]:
                return (await fake.wait_for_messages(BUSINESS, count))[-1]

            await fake.user_says(BUSINESS, "/phananh")
            await business_waits(1)
            await business_press("pf:topic:pccc")
            await business_waits(2)
            await fake.user_says(BUSINESS, "Thẩm duyệt PCCC nhà xưởng <2.000 m² & kho chậm 30 ngày")
            await business_waits(3)
            await business_press("pf:done")
            await business_waits(4)
            await business_press("pf:commune:none")
            await business_waits(5)
            await business_press("pf:public:0")
            await business_waits(6)
            await business_press("pf:consent:0")
            summary = await business_waits(8)
            assert "<2.000 m² & kho" in summary["text"]
            await business_press("pf:submit")
            filed = await business_waits(9)
            code = filed["text"].split("Mã theo dõi: ")[1].split()[0]

            # The card opened the petition's own topic, named after its code.
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 1, timeout=10)
            [card] = fake.sent_to(GROUP)
            thread = card["message_thread_id"]
            assert thread is not None
            assert code in card["text"]
            topic_calls = [c for c in fake.calls if c.method.lower() == "createforumtopic"]
            assert [c.params.get("name") for c in topic_calls] == [
                f"{code} · Phòng cháy, chữa cháy (PCCC)"
            ]

            # Someone in the group who is not staff presses claim: refused in the topic.
            await fake.user_presses(
                OUTSIDER, int(card["message_id"]), f"ps:claim:{code}", chat_id=GROUP
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 2, timeout=10)
            refused = fake.sent_to(GROUP)[1]
            assert "chưa có trong danh sách cán bộ" in refused["text"]
            assert refused["message_thread_id"] == thread

            await fake.user_presses(
                AGENT, int(card["message_id"]), f"ps:claim:{code}", chat_id=GROUP
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 3, timeout=10)
            assert "Lan xử lý" in fake.sent_to(GROUP)[2]["text"]
            await business_waits(10)

            # Staff write in the topic: it reaches the business, which replies with a button.
            await fake.group_member_says(
                GROUP,
                AGENT,
                "Anh/chị gửi giúp bản vẽ mặt bằng.",
                thread_id=thread,
                first_name="Lan",
            )
            relayed = await business_waits(11)
            assert "Anh/chị gửi giúp bản vẽ mặt bằng." in relayed["text"]
            await business_press("pb:add:")
            await business_waits(12)
            await fake.user_says(BUSINESS, "Đã có bản vẽ, gửi bản giấy ngày mai")
            await business_waits(13)
            await fake.wait_until(
                lambda: any("Đã có bản vẽ" in m["text"] for m in fake.sent_to(GROUP)), timeout=10
            )
            in_topic = [m for m in fake.sent_to(GROUP) if "Đã có bản vẽ" in m["text"]]
            assert [m["message_thread_id"] for m in in_topic] == [thread]

            await fake.user_says(BUSINESS, f"/tracuu {code}")
            status = await business_waits(14)
            assert "Đang xử lý" in status["text"]
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []


async def test_an_answer_awaited_in_one_topic_leaves_another_topics_messages_alone(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        async with _app(tmp_path, fake):
            code_a = await _file_anonymously(
                fake, topic="xaydung", description="Hồ sơ A chậm 20 ngày", public="0"
            )
            code_b = await _file_anonymously(
                fake,
                topic="xaydung",
                description="Hồ sơ B chậm 20 ngày",
                public="0",
                business=OTHER_BUSINESS,
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 2, timeout=10)
            card_a, card_b = fake.sent_to(GROUP)
            assert code_a in card_a["text"] and code_b in card_b["text"]
            thread_a, thread_b = card_a["message_thread_id"], card_b["message_thread_id"]
            assert thread_a != thread_b

            # «Trả lời» in A's topic; then Lan writes in B's topic, for business B.
            await fake.user_presses(
                AGENT, int(card_a["message_id"]), f"ps:answer:{code_a}", chat_id=GROUP
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 3, timeout=10)
            prompt = fake.sent_to(GROUP)[2]
            assert "Gõ câu trả lời" in prompt["text"]
            assert prompt["message_thread_id"] == thread_a
            await fake.group_member_says(
                GROUP, AGENT, "Gửi DN B: bên thẩm định gọi lại ngày mai", thread_id=thread_b
            )
            [for_b] = (await fake.wait_for_messages(OTHER_BUSINESS, 10))[9:]
            assert for_b["text"] == (
                f"💬 Cán bộ xử lý phản ánh {code_b}:\nGửi DN B: bên thẩm định gọi lại ngày mai"
            )
            assert len(fake.sent_to(BUSINESS)) == 9

            # The answer is still awaited in A's topic, and goes to A from there.
            await fake.group_member_says(GROUP, AGENT, "Đã cấp phép ngày 30/11", thread_id=thread_a)
            [for_a] = (await fake.wait_for_messages(BUSINESS, 10))[9:]
            assert for_a["text"].startswith(f"📬 Trả lời phản ánh {code_a}:\nĐã cấp phép")
            assert len(fake.sent_to(OTHER_BUSINESS)) == 10
        assert fake.errors == []
        assert fake.unanswered_callbacks() == []


async def test_without_topics_the_card_still_reaches_the_staff_group(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", supergroup=True)
        async with _app(tmp_path, fake, staff=False):
            await _file_anonymously(
                fake, topic="thue", description="Hoàn thuế GTGT chậm", public="1"
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 1, timeout=10)
            [card] = fake.sent_to(GROUP)
            assert "Phản ánh PA-" in card["text"]
            assert card.get("message_thread_id") is None
        assert [e for e in fake.errors if "forum" not in str(e).lower()] == []


PHOTO = b"\xff\xd8\xff\xe0" + b"fake jpeg of the site plan" * 40
PDF = b"%PDF-1.7\n" + b"the minutes of the inspection" * 40


async def test_a_photo_and_a_pdf_staff_post_in_the_topic_reach_the_business(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        async with _app(tmp_path, fake, index=index):
            code = await _file_anonymously(
                fake,
                topic="xaydung",
                description="Giấy phép xây dựng nhà xưởng chậm 20 ngày",
                public="0",
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 1, timeout=10)
            thread = fake.sent_to(GROUP)[0]["message_thread_id"]

            # A photo with a caption: the caption, then the very same photo, by its file_id.
            update = await fake.group_member_sends_file(
                GROUP, AGENT, PHOTO, photo=True, caption="Mặt bằng đã duyệt", thread_id=thread
            )
            sent_photo = update["message"]["photo"][-1]["file_id"]
            text, photo = (await fake.wait_for_messages(BUSINESS, 11))[-2:]
            assert text["text"] == f"💬 Cán bộ xử lý phản ánh {code}:\nMặt bằng đã duyệt"
            assert _button(text, "pb:add:") == f"pb:add:{code}"
            assert (photo["method"], photo["photo"]["file_id"]) == ("sendPhoto", sent_photo)

            # A PDF without a caption: a line naming it, then the document.
            update = await fake.group_member_sends_file(
                GROUP,
                AGENT,
                PDF,
                file_name="bien-ban-kiem-tra.pdf",
                mime_type="application/pdf",
                thread_id=thread,
            )
            sent_pdf = update["message"]["document"]["file_id"]
            text, document = (await fake.wait_for_messages(BUSINESS, 13))[-2:]
            assert text["text"] == (
                f"📎 Cán bộ xử lý phản ánh {code} gửi bạn tệp: bien-ban-kiem-tra.pdf"
            )
            assert (document["method"], document["document"]["file_id"]) == (
                "sendDocument",
                sent_pdf,
            )
            await fake.wait_until(
                lambda: sum("Đã chuyển" in m["text"] for m in fake.sent_to(GROUP)) == 2, timeout=10
            )

            # Both are in the petition's history, like text replies.
            await fake.user_says(BUSINESS, f"/tracuu {code}")
            [status] = (await fake.wait_for_messages(BUSINESS, 14))[-1:]
            assert status["text"].count("Cán bộ trao đổi") == 2
        assert fake.errors == []
        assert fake.unanswered_callbacks() == []


async def test_after_a_claim_the_card_itself_names_the_officer_and_offers_no_claim(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        async with _app(tmp_path, fake):
            code = await _file_anonymously(
                fake, topic="xaydung", description="Hồ sơ cấp phép chậm 20 ngày", public="0"
            )
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 1, timeout=10)
            card = fake.sent_to(GROUP)[0]
            assert _button(card, "ps:claim:") == f"ps:claim:{code}"

            await fake.user_presses(
                AGENT, int(card["message_id"]), f"ps:claim:{code}", chat_id=GROUP
            )
            await fake.wait_until(lambda: bool(fake.sent_to(GROUP)[0]["edits"]), timeout=10)
            edited = fake.sent_to(GROUP)[0]
            edits = [c for c in fake.calls if c.method.lower() == "editmessagetext"]

            # The same message, rewritten: who took it, and the actions left without «Nhận».
            assert (edited["message_id"], len(edits)) == (card["message_id"], 1)
            assert "Người xử lý: Lan" in edited["text"]
            assert "Người xử lý" not in edited["edits"][0]["text"]
            choices = [
                b["callback_data"] for row in edited["reply_markup"]["inline_keyboard"] for b in row
            ]
            assert f"ps:claim:{code}" not in choices and f"ps:answer:{code}" in choices
            # The button is gone from the card: the fake (as Telegram) has nothing to press.
            with pytest.raises(ValueError, match="no button"):
                await fake.user_presses(
                    AGENT, int(card["message_id"]), f"ps:claim:{code}", chat_id=GROUP
                )
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []
