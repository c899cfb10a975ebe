"""What a staff prompt waits for, and where: each forum topic of the staff group is a
conversation of its own, so an answer, a new date or a decline reason is read only in the
topic where it was asked, and what staff write elsewhere goes to that topic's business."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import OPENING, tax_codes
from petition_world import AGENT, BUSINESS, GROUP, Sent, World
from support import Clock, choices
from troly.bot.flows import staff as staff_flow
from troly.bot.flows.base import State
from troly.bot.messages import Incoming
from troly.bot.sessions.model import Booking
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex

OTHER = "502"
BOOKER = "601"


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    # 1 December 2026: petitions are due on the 15th and the December session is open.
    return World(sessions, index, Clock(OPENING))


async def two_petitions(world: World) -> tuple[str, str, str, str]:
    """Petitions from two businesses, each in its own topic: (code A, topic A, code B, topic B)."""
    await world.roster()
    a = await world.file("Hồ sơ A: giấy phép xây dựng chậm", user=BUSINESS)
    b = await world.file("Hồ sơ B: giấy phép xây dựng chậm", user=OTHER)
    thread_a, thread_b = await world.topic_thread(a), await world.topic_thread(b)
    await world.sent()
    return a, thread_a, b, thread_b


async def book(world: World, user: str, tax_code: str) -> str:
    """Registers for the open session from a Telegram chat; returns the booking code."""
    [listing] = await world.say("/dangky", user=user)
    [session_choice] = [c for c in choices(listing) if c.startswith("book:s:")][:1]
    await world.press(session_choice, user=user)
    await world.press("book:consent:yes", user=user)
    await world.say(tax_code, user=user)
    await world.say("Công ty TNHH Sông Mã", user=user)
    await world.say("Lê Văn Bình", user=user)
    await world.say("0912 345 678", user=user)
    await world.press("book:t:datdai", user=user)
    await world.say("Dự án chậm được giao đất", user=user)
    await world.press("book:keep:no", user=user)
    [made] = await world.press("book:confirm", user=user)
    found = re.search(r"DT-[A-Z0-9]+", made.text)
    assert found is not None, made.text
    return found.group(0)


async def booking_of(world: World, code: str) -> Booking:
    async with world.sessions() as session:
        row = (await session.execute(select(Booking).where(Booking.code == code))).scalar_one()
        return row


def to(sent: list[Sent], recipient: str) -> list[str]:
    return [s.text for s in sent if s.recipient == recipient]


async def test_an_answer_asked_in_one_topic_is_not_taken_from_another(world: World) -> None:
    a, thread_a, b, thread_b = await two_petitions(world)
    [prompt] = await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    assert "Gõ câu trả lời" in prompt.text

    # Written in B's topic while A's answer is awaited: a message to B, as always.
    [relayed] = await world.staff_say(
        AGENT, "Gửi DN B: số điện thoại bên thẩm định là 0912000111", thread=thread_b
    )
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    sent = await world.sent()
    assert to(sent, BUSINESS) == []
    [to_b] = to(sent, OTHER)
    assert "Gửi DN B: số điện thoại bên thẩm định" in to_b
    assert "Trả lời phản ánh" not in to_b
    assert (await world.petition(a)).status != "answered"
    assert (await world.petition(b)).status != "answered"

    # A's answer is still awaited in A's topic, and is taken there.
    await world.staff_say(AGENT, "Sở Xây dựng đã cấp phép ngày 30/11.", thread=thread_a)
    sent = await world.sent()
    [answer] = to(sent, BUSINESS)
    assert f"Trả lời phản ánh {a}" in answer
    assert "Sở Xây dựng đã cấp phép" in answer
    assert to(sent, OTHER) == []
    assert (await world.petition(a)).status == "answered"
    assert (await world.petition(b)).answer is None


async def test_a_new_date_asked_in_one_topic_is_not_taken_from_another(world: World) -> None:
    a, thread_a, b, thread_b = await two_petitions(world)
    await world.staff_press(AGENT, f"ps:date:{a}", thread=thread_a)

    [relayed] = await world.staff_say(AGENT, "28/12/2026 chờ ý kiến Sở Xây dựng", thread=thread_b)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    sent = await world.sent()
    assert to(sent, BUSINESS) == []
    assert len(to(sent, OTHER)) == 1
    assert (await world.petition(a)).new_date_set is False
    assert (await world.petition(b)).new_date_set is False

    await world.staff_say(AGENT, "28/12/2026 chờ ý kiến Sở Xây dựng", thread=thread_a)
    assert (await world.petition(a)).new_date_set is True
    assert (await world.petition(b)).new_date_set is False
    [apology] = to(await world.sent(), BUSINESS)
    assert "28/12/2026" in apology


async def test_two_prompts_in_two_topics_each_wait_for_their_own_reply(world: World) -> None:
    a, thread_a, b, thread_b = await two_petitions(world)
    await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    await world.staff_press(AGENT, f"ps:answer:{b}", thread=thread_b)
    await world.staff_say(AGENT, "Trả lời cho B", thread=thread_b)
    await world.staff_say(AGENT, "Trả lời cho A", thread=thread_a)
    sent = await world.sent()
    [to_a], [to_b] = to(sent, BUSINESS), to(sent, OTHER)
    assert to_a.startswith(f"📬 Trả lời phản ánh {a}:\nTrả lời cho A")
    assert to_b.startswith(f"📬 Trả lời phản ánh {b}:\nTrả lời cho B")
    assert (await world.petition(a)).status == "answered"
    assert (await world.petition(b)).status == "answered"


async def test_a_decline_reason_is_read_only_where_it_was_asked(world: World) -> None:
    _a, thread_a, _b, _thread_b = await two_petitions(world)
    code = await book(world, BOOKER, next(tax_codes()))
    await world.sent()
    [reasons] = await world.staff_press(AGENT, f"scr:no:{code}", thread=None)
    assert f"scr:nr:{code}:scope" in choices(reasons)

    # In petition A's topic: a message to business A, not the booking's decline reason.
    text = "Chào anh, hồ sơ PCCC của công ty A đã được chuyển Sở Xây dựng"
    [relayed] = await world.staff_say(AGENT, text, thread=thread_a)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    sent = await world.sent()
    assert to(sent, BOOKER) == []
    [to_a] = to(sent, BUSINESS)
    assert text in to_a
    assert (await booking_of(world, code)).status == "pending"

    # The reason typed where «Từ chối» was pressed declines the booking.
    [declined] = await world.staff_say(AGENT, "Đã giải quyết tại buổi làm việc với Sở", thread=None)
    assert f"Đã từ chối {code}" in declined.text
    declined_booking = await booking_of(world, code)
    assert declined_booking.status == "declined"
    assert declined_booking.decline_reason == "Đã giải quyết tại buổi làm việc với Sở"
    [told] = to(await world.sent(), BOOKER)
    assert "Đã giải quyết tại buổi làm việc với Sở" in told


async def test_a_preset_decline_reason_leaves_nothing_waiting(world: World) -> None:
    _a, thread_a, _b, _thread_b = await two_petitions(world)
    code = await book(world, BOOKER, next(tax_codes()))
    await world.staff_press(AGENT, f"scr:no:{code}", thread=None)
    [declined] = await world.staff_press(AGENT, f"scr:nr:{code}:scope", thread=None)
    assert f"Đã từ chối {code}" in declined.text
    await world.sent()

    # Chatter in the General topic afterwards is nobody's business…
    assert await world.staff_say(AGENT, "chào mọi người", thread=None) == []
    # …and a message in a petition's topic reaches its business.
    [relayed] = await world.staff_say(AGENT, "Anh gửi giúp bản vẽ mặt bằng.", thread=thread_a)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    assert len(to(await world.sent(), BUSINESS)) == 1
    assert (await booking_of(world, code)).decline_reason is not None


async def test_decline_of_an_unknown_booking_waits_for_no_reason(world: World) -> None:
    await world.roster()
    [unknown] = await world.staff_press(AGENT, "scr:no:DT-ZZZZZZ", thread=None)
    assert unknown.text.startswith("Không tìm thấy mã này")
    assert await world.staff_say(AGENT, "chào mọi người", thread=None) == []


async def test_staff_look_up_a_booking_code_in_the_group(world: World) -> None:
    await world.roster()
    code = await book(world, BOOKER, next(tax_codes()))
    a = await world.file()
    [booking_status] = await world.staff_say(AGENT, f"/tracuu {code.lower()}", thread=None)
    assert code in booking_status.text
    assert "phản ánh" not in booking_status.text.lower()
    [petition_status] = await world.staff_say(AGENT, f"/tracuu {a}", thread=None)
    assert a in petition_status.text
    # The English alias the staff's English texts name does the same.
    [in_english] = await world.staff_say(AGENT, f"/status {a}", thread=None)
    assert in_english.text == petition_status.text
    # Someone off the roster learns nothing from the group.
    [nothing] = await world.staff_say("99", f"/tracuu {code}", thread=None)
    assert nothing.text.startswith("Không tìm thấy mã này")


def test_each_topic_of_the_staff_group_is_a_conversation_of_its_own() -> None:
    def key(thread: str | None, chat: str | None = GROUP) -> str:
        incoming = Incoming(channel="telegram", user_id="11", chat_id=chat, thread=thread)
        return incoming.conversation_key

    assert key(None, chat=None) == "11"
    assert key(None) == f"{GROUP}/11"
    assert key("7") == f"{GROUP}/7/11"
    assert len({key(None), key("7"), key("8")}) == 3


# A prompt waits a limited time (TROLY_STAFF_PROMPT_MINUTES, 30 by default): what the officer
# writes in the topic later is about something else and must not reach the business as the
# official answer or move its date.

EXPIRED = "⏱ Lời nhắc «{button}» của phản ánh {code} đã hết thời gian chờ"


async def test_an_answer_written_after_the_prompt_expired_reaches_nobody(world: World) -> None:
    a, thread_a, _b, _thread_b = await two_petitions(world)
    [prompt] = await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    assert "Trợ lý chờ câu trả lời ở chủ đề này trong 30 phút." in prompt.text

    world.clock.advance(minutes=31)
    [notice] = await world.staff_say(AGENT, "Đi họp giao ban lúc 14 giờ nhé", thread=thread_a)
    assert notice.text.startswith(EXPIRED.format(button="✍️ Trả lời", code=a))
    assert "không được gửi đến doanh nghiệp" in notice.text
    assert "bấm lại nút «✍️ Trả lời»" in notice.text
    assert notice.all_buttons() == []
    assert await world.sent() == []
    petition = await world.petition(a)
    assert (petition.status, petition.answer) == ("received", None)

    # The prompt is gone: the next message is an ordinary one, relayed to the business.
    [relayed] = await world.staff_say(AGENT, "Anh gửi giúp bản vẽ.", thread=thread_a)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    [to_a] = to(await world.sent(), BUSINESS)
    assert "Anh gửi giúp bản vẽ." in to_a
    assert "Trả lời phản ánh" not in to_a

    # Nothing is lost: the card's button asks again and the answer is taken.
    await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    assert await world.staff_say(AGENT, "Sở Xây dựng đã cấp phép.", thread=thread_a) == []
    [answer] = to(await world.sent(), BUSINESS)
    assert answer.startswith(f"📬 Trả lời phản ánh {a}:\nSở Xây dựng đã cấp phép.")
    assert (await world.petition(a)).status == "answered"


async def test_a_new_date_written_after_the_prompt_expired_is_not_set(world: World) -> None:
    a, thread_a, _b, _thread_b = await two_petitions(world)
    await world.staff_press(AGENT, f"ps:date:{a}", thread=thread_a)
    world.clock.advance(days=2)
    [notice] = await world.staff_say(AGENT, "28/12/2026 chờ ý kiến Sở Xây dựng", thread=thread_a)
    assert notice.text.startswith(EXPIRED.format(button="📅 Hẹn lại ngày", code=a))
    assert await world.sent() == []
    assert (await world.petition(a)).new_date_set is False


async def test_an_answer_written_within_the_limit_is_taken(world: World) -> None:
    a, thread_a, _b, _thread_b = await two_petitions(world)
    await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    world.clock.advance(minutes=30)
    assert await world.staff_say(AGENT, "Sở Xây dựng đã cấp phép.", thread=thread_a) == []
    [answer] = to(await world.sent(), BUSINESS)
    assert answer.startswith(f"📬 Trả lời phản ánh {a}:\nSở Xây dựng đã cấp phép.")
    assert (await world.petition(a)).status == "answered"


async def test_the_prompt_limit_is_a_setting(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    settings = Settings(environment="test", staff_chat_id=int(GROUP), staff_prompt_minutes=5)
    world = World(sessions, index, Clock(OPENING), settings=settings)
    a, thread_a, _b, _thread_b = await two_petitions(world)
    [prompt] = await world.staff_press(AGENT, f"ps:date:{a}", thread=thread_a)
    assert "Trợ lý chờ ở chủ đề này trong 5 phút." in prompt.text
    world.clock.advance(minutes=6)
    [notice] = await world.staff_say(AGENT, "28/12/2026 chờ ý kiến Sở Xây dựng", thread=thread_a)
    assert notice.text.startswith(EXPIRED.format(button="📅 Hẹn lại ngày", code=a))
    assert (await world.petition(a)).new_date_set is False
    await world.staff_press(AGENT, f"ps:date:{a}", thread=thread_a)
    world.clock.advance(minutes=4)
    assert await world.staff_say(AGENT, "28/12/2026 chờ ý kiến Sở", thread=thread_a) == []
    assert (await world.petition(a)).new_date_set is True


async def test_huy_still_cancels_a_pending_prompt(world: World) -> None:
    a, thread_a, _b, _thread_b = await two_petitions(world)
    await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    [cancelled] = await world.staff_say(AGENT, "/huy", thread=thread_a)
    assert cancelled.text == "Đã hủy thao tác."
    [relayed] = await world.staff_say(AGENT, "Anh gửi giúp bản vẽ.", thread=thread_a)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    assert (await world.petition(a)).status != "answered"
    # Also once the prompt has expired, /huy drops it and nothing is sent.
    await world.staff_press(AGENT, f"ps:answer:{a}", thread=thread_a)
    world.clock.advance(hours=3)
    [cancelled] = await world.staff_say(AGENT, "/huy", thread=thread_a)
    assert cancelled.text == "Đã hủy thao tác."
    assert to(await world.sent(), BUSINESS) == [
        "💬 Cán bộ xử lý phản ánh " + a + ":\nAnh gửi giúp bản vẽ."
    ]


def test_a_prompt_without_its_time_limit_counts_as_expired() -> None:
    # A prompt left by a version without time limits: its age is unknown, so it is not taken.
    now = OPENING
    old = State("staff", "answer", {"code": "PA-7K3M9Q"})
    assert staff_flow.expired(old, now) is True
    fresh = staff_flow.prompt(State(), "answer", "PA-7K3M9Q", now=now, minutes=30)
    assert staff_flow.expired(fresh, now + timedelta(minutes=30)) is False
    assert staff_flow.expired(fresh, now + timedelta(minutes=30, seconds=1)) is True
