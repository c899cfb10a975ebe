"""Transcripts of the staff's business rules on a petition: who may claim and close (with a
reason when unanswered), which new dates are accepted, one new date across a reopen, a
business that blocked the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import AGENT, BUSINESS, GROUP, SUPERVISOR, World
from support import VN, Clock
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Attachment, Reply
from troly.bot.outbox import Outbox, Undeliverable
from troly.bot.petitions.model import PetitionEvent
from troly.bot.petitions.service import events_of
from troly.bot.staff import add_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.wiring import dead_letter_hooks, effect_appliers
from troly.knowledge.index import ProcedureIndex

COLLEAGUE = "13"
FILED = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(FILED))


async def _staffed(world: World) -> None:
    await world.roster()
    async with world.sessions.begin() as session:
        await add_staff(
            session, channel="telegram", user_id=COLLEAGUE, name="Hoa", role="agent", now=FILED
        )


async def test_a_claimed_petition_cannot_be_claimed_by_someone_else(world: World) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    assert await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread) == []
    await world.sent()
    for other in (COLLEAGUE, SUPERVISOR):
        [refused] = await world.staff_press(other, f"ps:claim:{code}", thread=thread)
        assert f"Phản ánh {code} đang do Lan xử lý" in refused.text
        assert "Giao người khác" in refused.text
    petition = await world.petition(code)
    assert (petition.assignee, petition.assignee_name) == (AGENT, "Lan")
    assert await world.sent() == []  # neither the topic nor the business hears of it
    # Handing it over stays possible, the reassignment way.
    await world.staff_press(SUPERVISOR, f"ps:assign:{code}:{COLLEAGUE}", thread=thread)
    assert (await world.petition(code)).assignee == COLLEAGUE


async def _two_claims_at_once(world: World) -> None:
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.sent()
    replies = await asyncio.gather(
        world.staff_press(AGENT, f"ps:claim:{code}", thread=thread),
        world.staff_press(COLLEAGUE, f"ps:claim:{code}", thread=thread),
    )
    petition = await world.petition(code)
    assert petition.assignee in (AGENT, COLLEAGUE)
    winner = petition.assignee_name
    refused = [r for r in replies if r]
    assert replies.count([]) == 1 and len(refused) == 1
    [[told]] = refused
    assert f"đang do {winner} xử lý" in told.text
    assigned = [s for s in await world.sent() if "xử lý phản ánh" in s.text]
    assert [s.text for s in assigned] == [f"👤 {winner} xử lý phản ánh {code}."]


async def test_two_claims_at_once_on_sqlite_leave_one_assignee(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'claims.db'}")
    await upgrade(engine)
    try:
        world = World(session_factory(engine), index, Clock(FILED))
        # As the app runs on SQLite: one writer at a time.
        world.dialogue = Dialogue(
            sessions=world.sessions,
            index=index,
            settings=world.settings,
            clock=world.clock,
            write_lock=asyncio.Lock(),
            appliers=effect_appliers(world.settings),
        )
        await _staffed(world)
        await _two_claims_at_once(world)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_two_claims_at_once_on_postgresql_leave_one_assignee(
    pg_url: str, index: ProcedureIndex
) -> None:
    engine = create_engine(pg_url)
    await upgrade(engine)
    try:
        world = World(session_factory(engine), index, Clock(FILED))
        await _staffed(world)
        for _ in range(5):
            # Each round races two claims on a new petition.
            await _two_claims_at_once(world)
    finally:
        await engine.dispose()


async def test_a_new_date_must_be_a_working_day_after_today(world: World) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    deadline = (await world.petition(code)).deadline.astimezone(VN).date()
    assert deadline < datetime(2026, 12, 9, tzinfo=VN).date()
    # Two days past the deadline (the follow-ups are not run: no automatic new date).
    world.clock.now = datetime(2026, 12, 10, 9, 0, tzinfo=VN)
    await world.sent()
    for typed in ("09/12/2026 chờ ý kiến Sở", "10/12/2026 chờ ý kiến Sở"):
        await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
        [past] = await world.staff_say(AGENT, typed, thread=thread)
        assert "phải sau hôm nay (10/12/2026)" in past.text
    await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    [weekend] = await world.staff_say(AGENT, "12/12/2026 chờ ý kiến Sở", thread=thread)
    assert "12/12/2026 là ngày nghỉ" in weekend.text
    assert "14/12/2026" in weekend.text
    assert [s for s in await world.sent() if s.recipient == BUSINESS] == []
    assert not (await world.petition(code)).new_date_set
    await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    assert await world.staff_say(AGENT, "14/12/2026 chờ ý kiến Sở", thread=thread) == []
    [apology] = [s for s in await world.sent() if s.recipient == BUSINESS]
    assert "14/12/2026" in apology.text


async def test_after_a_refused_date_the_corrected_one_is_taken_not_relayed(
    world: World,
) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    world.clock.now = datetime(2026, 12, 10, 9, 0, tzinfo=VN)
    await world.sent()
    await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)

    [weekend] = await world.staff_say(AGENT, "12/12/2026 chờ ý kiến Sở", thread=thread)
    [unreadable] = await world.staff_say(AGENT, "thứ hai tuần sau", thread=thread)
    taken = await world.staff_say(AGENT, "14/12/2026 chờ ý kiến Sở", thread=thread)

    assert "12/12/2026 là ngày nghỉ" in weekend.text
    assert unreadable.text.startswith("Chưa đọc được")
    assert taken == []
    assert (await world.petition(code)).new_date_set
    to_business = [s.reply.text for s in await world.sent() if s.recipient == BUSINESS]
    assert len(to_business) == 1
    assert "14/12/2026" in to_business[0]
    assert "thứ hai tuần sau" not in to_business[0]


async def test_an_english_reading_officer_gets_the_refused_date_in_english_and_it_is_kept(
    world: World,
) -> None:
    await world.roster()
    async with world.sessions.begin() as session:
        await add_staff(
            session,
            channel="telegram",
            user_id=COLLEAGUE,
            name="Hoa",
            role="agent",
            now=FILED,
            locale="en",
        )
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(COLLEAGUE, f"ps:claim:{code}", thread=thread)
    world.clock.now = datetime(2026, 12, 10, 9, 0, tzinfo=VN)
    await world.sent()
    await world.staff_press(COLLEAGUE, f"ps:date:{code}", thread=thread)

    [weekend] = await world.staff_say(
        COLLEAGUE, "12/12/2026 waiting for the department", thread=thread
    )
    taken = await world.staff_say(COLLEAGUE, "14/12/2026 waiting for the department", thread=thread)

    assert weekend.text.startswith("12/12/2026 is a day off")
    assert taken == []
    to_business = [s.reply.text for s in await world.sent() if s.recipient == BUSINESS]
    assert len(to_business) == 1 and "14/12/2026" in to_business[0]


async def test_after_a_claim_the_topic_says_who_took_it_without_a_claim_button(
    world: World,
) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    [card] = [s.reply for s in await world.sent() if s.reply.kind == "petition:card"]
    assert f"ps:claim:{code}" in [b.choice for b in card.all_buttons()]

    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)

    [taken] = [s.reply for s in await world.sent() if "xử lý phản ánh" in s.reply.text]
    assert taken.text == f"👤 Lan xử lý phản ánh {code}."
    labels = [b.label for b in taken.all_buttons()]
    assert "🙋 Nhận xử lý" not in labels
    assert "📅 Hẹn lại ngày" in labels


async def test_only_a_supervisor_closes_an_unanswered_petition_and_the_business_may_reopen(
    world: World,
) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    await world.sent()
    for who in (COLLEAGUE, AGENT):
        [refused] = await world.staff_press(who, f"ps:close:{code}", thread=thread)
        assert "chỉ lãnh đạo mới đóng được" in refused.text
        assert "Người đang xử lý: Lan" in refused.text
        # No reason is asked of them: what they write next is a message to the business.
        [relayed] = await world.staff_say(who, "Anh chị chờ thêm ít hôm.", thread=thread)
        assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    assert (await world.petition(code)).status == "in_progress"
    assert [s.recipient for s in await world.sent()] == [BUSINESS, BUSINESS]

    # A supervisor is asked for the reason first; the button alone closes nothing.
    [asked] = await world.staff_press(SUPERVISOR, f"ps:close:{code}", thread=thread)
    assert asked.text.startswith(f"Phản ánh {code} chưa được trả lời. Gõ lý do đóng")
    assert "Trợ lý chờ ở chủ đề này trong 30 phút." in asked.text
    assert [b.choice for b in asked.all_buttons()] == ["ps:cancel"]
    assert (await world.petition(code)).status == "in_progress"
    assert await world.sent() == []

    reason = "Nội dung đã được giải quyết tại buổi làm việc với Sở Xây dựng ngày 20/11."
    assert await world.staff_say(SUPERVISOR, reason, thread=thread) == []
    sent = await world.sent()
    [told] = [s for s in sent if s.recipient == BUSINESS]
    assert told.text == (
        f"Phản ánh {code} đã được lãnh đạo đóng khi chưa có câu trả lời.\n"
        f"Lý do: {reason}\n"
        "Nếu vấn đề vẫn còn, bấm nút dưới đây để mở lại."
    )
    assert told.choices() == [f"pb:reopen:{code}"]
    [staff] = [s for s in sent if s.recipient == GROUP]
    assert staff.text == (
        f"✅ Minh đã đóng phản ánh {code} khi chưa có câu trả lời. Lý do: {reason}\n"
        "Doanh nghiệp đã được báo lý do và có thể mở lại."
    )
    petition = await world.petition(code)
    assert petition.status == "closed"
    [closed] = [e for e in await _events(world, code) if e.kind == "closed"]
    assert (closed.actor_id, closed.from_status, closed.to_status, closed.note) == (
        SUPERVISOR,
        "in_progress",
        "closed",
        reason,
    )
    [reopened] = await world.press(f"pb:reopen:{code}")
    assert "Đã mở lại" in reopened.text
    assert (await world.petition(code)).status == "reopened"


async def test_a_closing_reason_written_after_the_prompt_expired_closes_nothing(
    world: World,
) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(SUPERVISOR, f"ps:close:{code}", thread=thread)
    await world.sent()
    world.clock.advance(minutes=45)
    [notice] = await world.staff_say(SUPERVISOR, "Trùng với phản ánh trước.", thread=thread)
    assert notice.text.startswith(f"⏱ Lời nhắc «✅ Đóng» của phản ánh {code} đã hết thời gian chờ")
    assert await world.sent() == []
    assert (await world.petition(code)).status == "received"
    # The button asks again, and a reason typed in time closes it.
    await world.staff_press(SUPERVISOR, f"ps:close:{code}", thread=thread)
    world.clock.advance(minutes=10)
    assert await world.staff_say(SUPERVISOR, "Trùng với phản ánh trước.", thread=thread) == []
    [told] = [s for s in await world.sent() if s.recipient == BUSINESS]
    assert "Lý do: Trùng với phản ánh trước." in told.text
    assert (await world.petition(code)).status == "closed"


async def test_a_closing_reason_must_be_text_and_huy_keeps_the_petition_open(
    world: World,
) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(SUPERVISOR, f"ps:close:{code}", thread=thread)
    photo = Attachment("photo", "photo-1", name=None, mime_type="image/jpeg")
    [again] = await world.staff_say(SUPERVISOR, None, thread=thread, attachments=(photo,))
    assert again.text.startswith(f"Chưa có lý do nên phản ánh {code} chưa được đóng.")
    assert (await world.petition(code)).status == "received"
    [cancelled] = await world.staff_say(SUPERVISOR, "/huy", thread=thread)
    assert cancelled.text == "Đã hủy thao tác."
    await world.sent()
    [relayed] = await world.staff_say(SUPERVISOR, "Trùng với phản ánh trước.", thread=thread)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."
    assert (await world.petition(code)).status == "in_progress"
    [note] = [s.text for s in await world.sent() if s.recipient == BUSINESS]
    assert "đóng" not in note


async def _events(world: World, code: str) -> list[PetitionEvent]:
    petition = await world.petition(code)
    async with world.sessions() as session:
        return await events_of(session, petition)


async def test_an_answered_petition_is_closed_by_its_assignee_or_a_supervisor(
    world: World,
) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.staff_say(AGENT, "Đã cấp phép.", thread=thread)
    await world.sent()
    [refused] = await world.staff_press(COLLEAGUE, f"ps:close:{code}", thread=thread)
    assert "Chỉ lãnh đạo hoặc người đang xử lý (Lan)" in refused.text
    assert (await world.petition(code)).status == "answered"
    assert await world.staff_press(AGENT, f"ps:close:{code}", thread=thread) == []
    [told] = [s for s in await world.sent() if s.recipient == BUSINESS]
    assert told.text == f"Phản ánh {code} đã được đóng. Cảm ơn doanh nghiệp đã phản ánh."


async def test_the_one_new_date_is_kept_across_a_reopen(world: World) -> None:
    await _staffed(world)
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    await world.staff_say(AGENT, "15/12/2026 chờ ý kiến Sở Xây dựng", thread=thread)
    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.staff_say(AGENT, "Đã xử lý xong.", thread=thread)
    await world.press(f"pb:reopen:{code}")
    assert (await world.petition(code)).status == "reopened"
    [once] = await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    assert "chỉ được hẹn lại một lần" in once.text
    await world.sent()
    # No automatic apology either: the reopened petition runs to its deadline.
    deadline = (await world.petition(code)).deadline
    await world.at(deadline)
    assert not [s for s in await world.sent() if s.recipient == BUSINESS]
    assert (await world.petition(code)).deadline == deadline


class _Blocked:
    """Telegram as seen by the outbox: the business blocked the bot, the group receives."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str | None, str]] = []

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> None:
        if recipient == BUSINESS:
            raise Undeliverable("Forbidden: bot was blocked by the user", blocked=True)
        self.delivered.append((recipient, thread, reply.text))


@pytest.fixture
async def blocked(world: World) -> AsyncIterator[tuple[Outbox, _Blocked]]:
    sender = _Blocked()
    outbox = Outbox(
        sessions=world.sessions,
        senders={"telegram": sender},
        clock=world.clock,
        on_dead=dead_letter_hooks(world.settings),
    )
    yield outbox, sender


async def test_a_business_that_blocked_the_bot_is_reported_in_the_petition_topic(
    world: World, blocked: tuple[Outbox, _Blocked]
) -> None:
    outbox, sender = blocked
    await _staffed(world)
    other = await world.file("Một phản ánh khác của cùng doanh nghiệp")
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    [relayed] = await world.staff_say(AGENT, "Anh chị gửi giúp bản vẽ.", thread=thread)
    assert relayed.text == "✓ Đã chuyển đến doanh nghiệp."  # not known yet
    report = await outbox.deliver_due()
    assert report.dead >= 1
    # Every petition quoted by a message that died is told once, in its own topic, at once.
    notes = [d for d in sender.delivered if "Không gửi được tin tới doanh nghiệp" in d[2]]
    assert sorted(n[1] or "" for n in notes) == sorted(
        [f"topic:petition:{code}", f"topic:petition:{other}"]
    )
    assert all("liên hệ qua số điện thoại" in n[2] for n in notes)
    # Known blocked now: the next relay says so at once, and its death is reported again.
    [warned] = await world.staff_say(AGENT, "Anh chị còn nhận tin không?", thread=thread)
    assert "Không gửi được tin tới doanh nghiệp" in warned.text
    assert "✓" not in warned.text
    sender.delivered.clear()
    await outbox.deliver_due()
    # The warning reply in the topic itself, then the note on the death of the message.
    assert [d[1] for d in sender.delivered if "Không gửi được" in d[2]] == [
        thread,
        f"topic:petition:{code}",
    ]


async def test_an_officer_who_reads_english_is_answered_in_english_in_the_group(
    world: World,
) -> None:
    await world.roster()
    async with world.sessions.begin() as session:
        await add_staff(
            session,
            channel="telegram",
            user_id=COLLEAGUE,
            name="Hoa",
            role="agent",
            now=FILED,
            locale="en",
        )
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    [refused] = await world.staff_press(COLLEAGUE, f"ps:claim:{code}", thread=thread)
    assert refused.text.startswith(f"Petition {code} is being handled by Lan")
    [vietnamese] = await world.staff_press(SUPERVISOR, f"ps:claim:{code}", thread=thread)
    assert f"Phản ánh {code} đang do Lan xử lý" in vietnamese.text
    assert f"👤 Lan xử lý phản ánh {code}." in [s.text for s in await world.sent()]
