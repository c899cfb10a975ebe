"""Transcripts of the dialogue sessions with a moved clock: register, screening, invite,
reminders, attendance, conclusion, promise to done; waitlist and promotion; holidays; deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import (
    OPENING,
    STAFF_CHAT,
    Inbox,
    dialogue_for,
    followups_for,
    session_settings,
    tax_codes,
)
from staff_support import StaffChat, make_staff
from support import VN, Chat, Clock, choices
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Attachment, Incoming
from troly.bot.sessions import promises, seats, service
from troly.bot.sessions.model import Booking, DialogueSession
from troly.bot.settings import Settings
from troly.bot.staff import add_staff, remove_staff
from troly.bot.workdays import WorkCalendar
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def clock() -> Clock:
    return Clock(OPENING)


@pytest.fixture
def settings() -> Settings:
    return session_settings()


@pytest.fixture
def dialogue(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    settings: Settings,
    clock: Clock,
) -> Dialogue:
    return dialogue_for(sessions, index, settings, clock)


@pytest.fixture
def web(dialogue: Dialogue) -> Chat:
    return Chat(dialogue, "web")


@pytest.fixture
def staff(dialogue: Dialogue) -> StaffChat:
    return StaffChat(dialogue, STAFF_CHAT)


async def register(
    web: Chat, user: str, tax_code: str, *, topic: str = "datdai", remember: bool = False
) -> str:
    """Goes through /dangky to the booking code; returns the confirmation text."""
    [listing] = await web.say(user, "/dangky")
    [session_choice] = [c for c in choices(listing) if c.startswith("book:s:")][:1]
    await web.press(user, session_choice)
    await web.press(user, "book:consent:yes")
    await web.say(user, tax_code)
    await web.say(user, "Công ty TNHH Sông Mã")
    await web.say(user, "Lê Văn Bình")
    await web.say(user, "0912 345 678")
    await web.press(user, f"book:t:{topic}")
    await web.say(user, "Dự án chậm được giao đất dù đã có quyết định chủ trương đầu tư")
    await web.press(user, "book:keep:yes" if remember else "book:keep:no")
    [made] = await web.press(user, "book:confirm")
    return made.text


def code_in(text: str) -> str:
    start = text.index("DT-")
    return text[start : start + 9]


async def booking(sessions: async_sessionmaker[AsyncSession], code: str) -> Booking:
    async with sessions() as session:
        found = await seats.booking_by_code(session, code)
        assert found is not None
        return found


async def test_a_booking_from_registration_to_a_promise_done(
    sessions: async_sessionmaker[AsyncSession],
    web: Chat,
    staff: StaffChat,
    settings: Settings,
    clock: Clock,
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    group = Inbox(sessions, str(STAFF_CHAT))
    business = Inbox(sessions, "an")

    [listing] = await web.say("an", "/dangky")
    assert "Buổi tiếp doanh nghiệp của Chủ tịch UBND tỉnh" in listing.text
    # The weekday and the registration deadline are on the list (issue 14, the kiosk).
    assert "• 14:00 Thứ Năm, 17/12/2026 — Hội trường UBND tỉnh" in listing.text
    assert "Hạn đăng ký: trước 14:00 Thứ Hai, 14/12/2026" in listing.text
    assert "còn 20 chỗ" in listing.all_buttons()[0].label
    [consent] = await web.press("an", choices(listing)[0])
    assert "đồng ý" in consent.text.lower()
    [ask_tax] = await web.press("an", "book:consent:yes")
    assert "Mã số thuế" in ask_tax.text
    [wrong] = await web.say("an", "0100109107")
    assert "chữ số kiểm tra" in wrong.text
    [ask_name] = await web.say("an", "0100109106")
    assert ask_name.text == "Tên doanh nghiệp?"
    await web.say("an", "Công ty TNHH Sông Mã")
    [ask_phone] = await web.say("an", "Lê Văn Bình")
    assert "điện thoại" in ask_phone.text
    [bad_phone] = await web.say("an", "12345")
    assert "Số điện thoại chưa đúng" in bad_phone.text
    [topics] = await web.say("an", "+84 912 345 678")
    assert "book:t:datdai" in choices(topics)
    [ask_question] = await web.press("an", "book:t:datdai")
    assert "kiến nghị hoặc hỏi Chủ tịch" in ask_question.text
    [too_long] = await web.say("an", "x" * 501)
    assert "vượt giới hạn 500" in too_long.text
    [remember] = await web.say("an", "Dự án chậm được giao đất")
    assert choices(remember) == ["book:keep:yes", "book:keep:no"]
    [summary] = await web.press("an", "book:keep:no")
    assert "MST 0100109106" in summary.text
    assert "0912345678" in summary.text
    assert "Đất đai" in summary.text
    [made] = await web.press("an", "book:confirm")
    code = code_in(made.text)
    assert "Cán bộ sẽ xem xét" in made.text

    [card] = await group.new()
    assert code in card.text
    assert "0912345678" not in card.text  # the group sees the business, not the person's phone
    assert choices(card) == [f"scr:ok:{code}", f"scr:no:{code}", f"scr:merge:{code}"]
    [refused] = await staff.press("stranger", f"scr:ok:{code}")
    assert "chưa có trong danh sách cán bộ" in refused.text
    assert (await booking(sessions, code)).status == "pending"
    await business.new()  # the chat so far
    [approved] = await staff.press("staff1", f"scr:ok:{code}")
    assert "Đã duyệt" in approved.text

    [confirmation] = await business.new()
    assert "đã được xác nhận" in confirmation.text
    assert confirmation.document is not None
    assert confirmation.document.filename == f"{code}.ics"
    invite = icalendar.Calendar.from_ical(confirmation.document.content)
    [event] = invite.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime(2026, 12, 17, 14, 0, tzinfo=VN)
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert event["uid"] == f"{code}@troly"

    followups = followups_for(sessions, settings, clock)
    clock.now = datetime(2026, 12, 14, 14, 1, tzinfo=VN)  # 3 working days before
    assert (await followups.run_due()).done >= 1
    [early] = await business.new()
    assert "Nhắc lịch" in early.text
    assert f"book:cancel:{code}" in choices(early)
    clock.now = datetime(2026, 12, 16, 14, 1, tzinfo=VN)  # the day before
    await followups.run_due()
    [eve] = await business.new()
    assert "Nhắc lịch" in eve.text
    assert choices(eve) == []  # too late to cancel without it counting as late

    clock.now = datetime(2026, 12, 17, 17, 30, tzinfo=VN)
    await followups.run_due()
    async with sessions.begin() as session:
        row = await session.get(DialogueSession, (await booking(sessions, code)).session_id)
        assert row is not None
        assert row.status == "held"
        assert await promises.record_attendance(session, row, present={code}, now=clock()) == (
            1,
            0,
        )
        b = await seats.booking_by_code(session, code)
        assert b is not None
        promise = await promises.record_conclusion(
            session,
            b,
            conclusion="Giao Sở Nông nghiệp và Môi trường giải quyết trong tháng 1",
            promise="Hoàn thành thủ tục giao đất cho dự án",
            department="Sở Nông nghiệp và Môi trường",
            due=date(2027, 1, 15),
            now=clock(),
            settings=settings,
        )
        assert promise is not None
        promise_code = promise.code
    conclusion, recorded = await business.new()
    assert "Kết luận của Chủ tịch" in conclusion.text
    assert promise_code in recorded.text
    assert "15/01/2027" in recorded.text

    await group.new()  # the staff's own actions
    [status] = await web.say("an", f"/tracuu {promise_code.lower()}")
    assert "đang thực hiện" in status.text
    [other] = await web.say("binh", f"/tracuu {promise_code}")
    assert "Không tìm thấy" in other.text
    await business.new()

    clock.now = datetime(2027, 1, 12, 17, 1, tzinfo=VN)  # 3 working days before the due date
    await followups.run_due()
    [reminder] = await group.new()
    assert promise_code in reminder.text
    assert "Sở Nông nghiệp và Môi trường" in reminder.text

    async with sessions.begin() as session:
        made_promise = await promises.promise_by_code(session, promise_code)
        assert made_promise is not None
        await promises.complete_promise(session, made_promise, now=clock(), note="Đã giao đất")
    [done] = await business.new()
    assert "đã được thực hiện xong" in done.text
    clock.now = datetime(2027, 1, 16, 9, 0, tzinfo=VN)
    await followups.run_due()
    assert await group.new() == []  # done in time: no escalation
    [mine] = await web.say("an", "/lichcuatoi")
    assert "đã tham dự" in mine.text
    assert "đã hoàn thành" in mine.text


async def test_an_overdue_promise_is_escalated_and_the_business_gets_an_apology(
    sessions: async_sessionmaker[AsyncSession], web: Chat, settings: Settings, clock: Clock
) -> None:
    code = code_in(await register(web, "an", next(tax_codes())))
    async with sessions.begin() as session:
        b = await seats.booking_by_code(session, code)
        assert b is not None
        b.status = "attended"
        promise = await promises.record_conclusion(
            session,
            b,
            conclusion="Giao Thuế tỉnh trả lời",
            promise="Trả lời về hoàn thuế",
            department="Thuế tỉnh",
            due=date(2026, 12, 31),
            now=clock(),
            settings=settings,
        )
        assert promise is not None
    async with sessions.begin() as session:
        await add_staff(
            session, channel="telegram", user_id="7", name="Minh", role="supervisor", now=clock()
        )
    group, business = Inbox(sessions, str(STAFF_CHAT)), Inbox(sessions, "an")
    await group.new()
    await business.new()
    clock.now = datetime(2027, 1, 1, 8, 0, tzinfo=VN)
    await followups_for(sessions, settings, clock).run_due()
    reminder, escalation = await group.new()
    assert "Nhắc Thuế tỉnh" in reminder.text
    assert "Quá hạn" in escalation.text
    assert "lãnh đạo đôn đốc: Minh" in escalation.text
    [apology] = await business.new()
    assert "Xin lỗi" in apology.text
    [status] = await web.say("an", f"/tracuu {promise.code}")
    assert "quá hạn" in status.text


async def test_a_full_session_waitlists_and_a_cancellation_promotes_the_next_in_line(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    clock: Clock,
) -> None:
    settings = session_settings(session_seats=1)
    dialogue = dialogue_for(sessions, index, settings, clock)
    web, staff = Chat(dialogue, "web"), StaffChat(dialogue, STAFF_CHAT)
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    an_tax_code = next(codes)
    first = await register(web, "an", an_tax_code)
    second = await register(web, "binh", next(codes))
    third = await register(web, "chi", next(codes))
    assert "Cán bộ sẽ xem xét" in first
    assert "danh sách chờ, vị trí số 1" in second
    assert "danh sách chờ, vị trí số 2" in third
    [listing] = await web.say("dung", "/dangky")
    assert "hết chỗ" in listing.all_buttons()[0].label

    [mine] = await web.say("an", "/lichcuatoi")
    assert f"book:cancel:{code_in(first)}" in choices(mine)
    binh, group = Inbox(sessions, "binh"), Inbox(sessions, str(STAFF_CHAT))
    await group.new()
    await binh.new()
    [asked] = await web.press("an", f"book:cancel:{code_in(first)}")
    assert (asked.text, choices(asked)) == (
        f"Bạn muốn hủy đăng ký {code_in(first)}? Chỗ của bạn sẽ được nhường cho doanh nghiệp khác.",
        [f"book:cancel:{code_in(first)}:yes", f"book:cancel:{code_in(first)}:no"],
    )
    assert await binh.new() == []  # nothing is cancelled before the person says yes
    [cancelled] = await web.press("an", f"book:cancel:{code_in(first)}:yes")
    assert "Đã hủy đăng ký" in cancelled.text
    assert (await booking(sessions, code_in(first))).cancelled_late is False
    [promoted] = await binh.new()
    assert "Đã có chỗ trống" in promoted.text
    [card] = await group.new()
    assert code_in(second) in card.text
    [chi] = await web.say("chi", "/lichcuatoi")
    assert "danh sách chờ, vị trí 1" in chi.text

    # A decline (with a preset reason) frees the seat again, for the next in line.
    [reasons] = await staff.press("staff1", f"scr:no:{code_in(second)}")
    reason_choice = choices(reasons)[0]
    [declined] = await staff.press("staff1", reason_choice)
    assert "Đã từ chối" in declined.text
    assert code_in(third) in declined.text
    [told] = await binh.new()
    assert "chưa được chấp nhận" in told.text
    assert "thẩm quyền" in told.text
    assert (await booking(sessions, code_in(third))).status == "pending"

    # The business that cancelled may register again, under the same code, at the back.
    again = await register(web, "an", an_tax_code)
    assert "danh sách chờ, vị trí số 1" in again
    assert code_in(again) == code_in(first)


async def test_a_decline_reason_can_be_typed_and_a_merge_confirms_under_the_topic(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    one = code_in(await register(web, "an", next(codes)))
    two = code_in(await register(web, "binh", next(codes), topic="khac"))
    await staff.press("staff1", f"scr:no:{one}")
    [declined] = await staff.say("staff1", "Đã giải quyết tại buổi làm việc với Sở")
    assert "Đã từ chối" in declined.text
    assert (await booking(sessions, one)).decline_reason == "Đã giải quyết tại buổi làm việc với Sở"
    [topics] = await staff.press("staff1", f"scr:merge:{two}")
    assert f"scr:mt:{two}:thue" in choices(topics)
    [merged] = await staff.press("staff1", f"scr:mt:{two}:thue")
    assert "ghép vào lĩnh vực «Thuế»" in merged.text
    *_chat, confirmation = await Inbox(sessions, "binh").new()
    assert "ghép với các kiến nghị cùng lĩnh vực «Thuế»" in confirmation.text
    [again] = await staff.press("staff1", f"scr:ok:{two}")
    assert "đã được xử lý" in again.text


async def screened_booking(
    sessions: async_sessionmaker[AsyncSession],
    web: Chat,
    staff: StaffChat,
    clock: Clock,
    *,
    approve: bool = False,
) -> tuple[str, Inbox]:
    """A booking of "an" before officer staff1 (on the roster), approved when asked; with the
    business's inbox, its messages so far read."""
    await make_staff(sessions, "telegram", "staff1", clock())
    code = code_in(await register(web, "an", next(tax_codes())))
    if approve:
        await staff.press("staff1", f"scr:ok:{code}")
    business = Inbox(sessions, "an")
    await business.new()
    return code, business


async def test_a_decline_reason_typed_after_the_prompt_expired_declines_nothing(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    code, business = await screened_booking(sessions, web, staff, clock)
    [reasons] = await staff.press("staff1", f"scr:no:{code}")
    assert "trợ lý chờ lý do gõ ở chủ đề này trong 30 phút" in reasons.text

    clock.advance(days=2)  # the General topic has moved on
    [notice] = await staff.say("staff1", "Chiều nay họp giao ban lúc 14 giờ")
    assert notice.text.startswith(
        f"⏱ Lời nhắc «❌ Từ chối» của đăng ký {code} đã hết thời gian chờ"
    )
    assert "bấm lại nút «❌ Từ chối» trên thẻ đăng ký" in notice.text
    assert (await booking(sessions, code)).status == "pending"
    assert (await booking(sessions, code)).decline_reason is None
    assert await business.new() == []
    # The prompt is gone: later chatter in the General topic is nobody's business.
    assert await staff.say("staff1", "Đã giải quyết tại buổi làm việc với Sở") == []
    assert (await booking(sessions, code)).status == "pending"

    # «Từ chối» asks again, and a reason typed within the limit declines as before.
    await staff.press("staff1", f"scr:no:{code}")
    clock.advance(minutes=30)
    reason = "Đã giải quyết tại buổi làm việc với Sở"
    [declined] = await staff.say("staff1", reason)
    assert f"Đã từ chối {code}" in declined.text
    assert (await booking(sessions, code)).decline_reason == reason
    [told] = await business.new()
    assert told.text.endswith(f"Lý do: {reason}")


async def test_the_decline_prompt_limit_is_the_staff_prompt_setting(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> None:
    dialogue = dialogue_for(sessions, index, session_settings(staff_prompt_minutes=5), clock)
    web, staff = Chat(dialogue, "web"), StaffChat(dialogue, STAFF_CHAT)
    await make_staff(sessions, "telegram", "staff1", clock())
    code = code_in(await register(web, "an", next(tax_codes())))
    [reasons] = await staff.press("staff1", f"scr:no:{code}")
    assert "trong 5 phút" in reasons.text
    clock.advance(minutes=6)
    [notice] = await staff.say("staff1", "Nội dung trùng với phản ánh đã giải quyết")
    assert "đã hết thời gian chờ" in notice.text
    assert (await booking(sessions, code)).status == "pending"


async def test_one_business_has_one_booking_per_session_and_a_second_attempt_shows_it(
    web: Chat,
) -> None:
    tax_code = next(tax_codes())
    made = await register(web, "an", tax_code)
    [listing] = await web.say("an", "/dangky")
    await web.press("an", choices(listing)[0])
    await web.press("an", "book:consent:yes")
    [existing] = await web.say("an", tax_code)
    assert "đã đăng ký buổi này" in existing.text
    assert code_in(made) in existing.text
    assert choices(existing) == ["book:mine"]
    # Another chat typing the same tax code learns neither the code nor the status.
    [listing] = await web.say("binh", "/dangky")
    await web.press("binh", choices(listing)[0])
    await web.press("binh", "book:consent:yes")
    [taken] = await web.say("binh", tax_code)
    assert "đã được đăng ký cho buổi tiếp này" in taken.text
    assert "DT-" not in taken.text
    assert choices(taken) == ["human", "cancel"]


async def test_a_double_tap_on_confirm_books_once(
    sessions: async_sessionmaker[AsyncSession], web: Chat
) -> None:
    [listing] = await web.say("an", "/dangky")
    await web.press("an", choices(listing)[0])
    await web.press("an", "book:consent:yes")
    for text in (next(tax_codes()), "Công ty A", "Nguyễn An", "0912345678"):
        await web.say("an", text)
    await web.press("an", "book:t:thue")
    await web.say("an", "Hoàn thuế chậm")
    await web.press("an", "book:keep:no")
    [first] = await web.press("an", "book:confirm")
    [second] = await web.press("an", "book:confirm")
    assert "mã đăng ký" in first.text
    assert code_in(first.text) in second.text
    async with sessions() as session:
        assert len(list((await session.execute(select(Booking))).scalars())) == 1


async def test_remembered_details_are_offered_next_time_and_can_be_deleted(
    sessions: async_sessionmaker[AsyncSession], web: Chat, clock: Clock
) -> None:
    await register(web, "an", next(tax_codes()), remember=True)
    async with sessions.begin() as session:
        row = await service.create_session(
            session,
            starts_at=datetime(2026, 12, 24, 9, 0, tzinfo=VN),
            now=clock(),
            settings=session_settings(),
        )
        second_id = row.id
    await web.say("an", "/dangky")
    await web.press("an", f"book:s:{second_id}")
    [saved] = await web.press("an", "book:consent:yes")
    assert "book:saved:use" in choices(saved)
    assert "Công ty TNHH Sông Mã, Lê Văn Bình, 0912345678" in saved.text
    [topics] = await web.press("an", "book:saved:use")
    assert "book:t:thue" in choices(topics)
    await web.press("an", "book:t:thue")
    [summary] = await web.say("an", "Câu hỏi mới")
    assert "Công ty TNHH Sông Mã" in summary.text
    await web.press("an", "cancel")
    await web.say("an", "/dangky")
    await web.press("an", f"book:s:{second_id}")
    await web.press("an", "book:consent:yes")
    [forgotten] = await web.press("an", "book:saved:forget")
    assert "Đã xóa thông tin" in forgotten.text
    await web.say("an", "/dangky")
    await web.press("an", f"book:s:{second_id}")
    [ask_tax] = await web.press("an", "book:consent:yes")
    assert "Mã số thuế" in ask_tax.text


async def test_no_consent_stores_nothing_and_ends_the_flow(web: Chat) -> None:
    [listing] = await web.say("an", "/dangky")
    await web.press("an", choices(listing)[0])
    [declined] = await web.press("an", "book:consent:no")
    assert "không lưu thông tin nào" in declined.text
    [menu] = await web.say("an", "0100109106")
    assert menu.kind != "booking:summary"


async def test_a_booking_after_the_registration_deadline_is_refused_politely(
    sessions: async_sessionmaker[AsyncSession], web: Chat, clock: Clock
) -> None:
    [listing] = await web.say("an", "/dangky")
    await web.press("an", choices(listing)[0])
    await web.press("an", "book:consent:yes")
    for text in (next(tax_codes()), "Công ty A", "Nguyễn An", "0912345678"):
        await web.say("an", text)
    await web.press("an", "book:t:thue")
    await web.say("an", "Hoàn thuế chậm")
    await web.press("an", "book:keep:no")
    clock.now = datetime(2026, 12, 14, 14, 0, tzinfo=VN)  # registration closed just now
    [refused] = await web.press("an", "book:confirm")
    assert "Xin lỗi" in refused.text
    assert "đã hết hạn đăng ký lúc 14:00 14/12/2026" in refused.text
    assert "Buổi tiếp theo: 14:00 21/01/2027" in refused.text
    async with sessions() as session:
        assert list((await session.execute(select(Booking))).scalars()) == []
    [late_list] = await web.say("binh", "/dangky")
    assert "chưa có buổi tiếp doanh nghiệp nào đang nhận đăng ký" in late_list.text


async def test_a_session_falling_on_2_september_moves_to_the_next_working_day(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    # The first Thursday of September 2027 is National Day (2/9), and 3/9 is off too.
    settings = session_settings(session_nth=1)
    clock = Clock(datetime(2027, 8, 20, 9, 0, tzinfo=VN))
    web = Chat(dialogue_for(sessions, index, settings, clock), "web")
    [listing] = await web.say("an", "/dangky")
    async with sessions() as session:
        rows = list((await session.execute(select(DialogueSession))).scalars())
    starts = sorted(r.starts_at.astimezone(VN) for r in rows)
    september = [s for s in starts if s.month == 9]
    assert september == [datetime(2027, 9, 6, 14, 0, tzinfo=VN)]
    assert WorkCalendar().is_working_day(september[0].date())
    assert "14:00 Thứ Hai, 06/09/2027" in listing.text


async def test_planning_by_rule_twice_creates_each_session_once(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    settings = session_settings()
    for _ in range(2):
        async with sessions.begin() as session:
            await service.plan_sessions(session, now=clock(), settings=settings)
    async with sessions() as session:
        rows = list((await session.execute(select(DialogueSession))).scalars())
    assert sorted(r.rule_month for r in rows if r.rule_month) == ["2026-12", "2027-01", "2027-02"]
    assert all(r.seats == r.seats_left == 20 for r in rows)


async def test_moving_a_session_tells_every_business_with_a_new_invite_and_new_reminders(
    sessions: async_sessionmaker[AsyncSession],
    web: Chat,
    staff: StaffChat,
    settings: Settings,
    clock: Clock,
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    one = code_in(await register(web, "an", next(codes)))
    two = code_in(await register(web, "binh", next(codes)))
    await staff.press("staff1", f"scr:ok:{one}")
    an, binh = Inbox(sessions, "an"), Inbox(sessions, "binh")
    await an.new()
    await binh.new()
    async with sessions.begin() as session:
        row = await session.get(DialogueSession, (await booking(sessions, one)).session_id)
        assert row is not None
        told = await service.move_session(
            session,
            row,
            starts_at=datetime(2026, 12, 18, 9, 0, tzinfo=VN),
            now=clock(),
            settings=settings,
        )
    assert told == 2
    [moved] = await an.new()
    assert "09:00 18/12/2026" in moved.text
    assert moved.document is not None
    [event] = icalendar.Calendar.from_ical(moved.document.content).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 18, 9, 0, tzinfo=VN)
    assert int(event["sequence"]) == 1
    [pending_moved] = await binh.new()
    assert pending_moved.document is None
    followups = followups_for(sessions, settings, clock)
    clock.now = datetime(2026, 12, 16, 14, 1, tzinfo=VN)  # the old eve reminder's time
    await followups.run_due()
    [early] = await an.new()  # only the new "3 working days before" (15/12 09:00) reminder
    assert "09:00 18/12/2026" in early.text
    # Time-critical: outside the Zalo OA's window it is announced by ZNS (test_zns.py).
    assert early.notice is not None and early.notice.kind == "session_reminder"
    assert dict(early.notice.params) == {
        "code": one,
        "time": "09:00 18/12/2026",
        "place": settings.session_place,
    }
    assert two  # the pending booking gets no reminders until confirmed


async def test_cancelling_a_session_tells_every_business_and_withdraws_the_invites(
    sessions: async_sessionmaker[AsyncSession],
    web: Chat,
    staff: StaffChat,
    settings: Settings,
    clock: Clock,
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    pending = code_in(await register(web, "an", next(codes)))
    confirmed = code_in(await register(web, "binh", next(codes)))
    await staff.press("staff1", f"scr:ok:{confirmed}")
    an, binh = Inbox(sessions, "an"), Inbox(sessions, "binh")
    await an.new()
    [*_, confirmation] = await binh.new()
    assert confirmation.document is not None
    async with sessions.begin() as session:
        row = await session.get(DialogueSession, (await booking(sessions, pending)).session_id)
        assert row is not None
        assert await service.cancel_session(session, row, now=clock(), settings=settings) == 2
    [told] = await an.new()
    assert "đã bị hủy" in told.text
    assert told.document is None  # it was never sent an invite
    [withdrawn] = await binh.new()
    assert "đã bị hủy" in withdrawn.text
    assert withdrawn.document is not None
    calendar = icalendar.Calendar.from_ical(withdrawn.document.content)
    [event] = calendar.walk("VEVENT")
    [sent] = icalendar.Calendar.from_ical(confirmation.document.content).walk("VEVENT")
    assert calendar["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert event["uid"] == sent["uid"]
    assert int(event["sequence"]) > int(sent["sequence"])
    assert {(await booking(sessions, c)).status for c in (pending, confirmed)} == {"cancelled"}


async def test_a_cancellation_inside_the_window_is_recorded_late(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    code = code_in(await register(web, "an", next(tax_codes())))
    await staff.press("staff1", f"scr:ok:{code}")
    clock.now = datetime(2026, 12, 17, 10, 0, tzinfo=VN)
    [kept] = await web.press("an", f"book:cancel:{code}:no")
    assert kept.text == f"Đăng ký {code} vẫn giữ nguyên."
    [cancelled] = await web.press("an", f"book:cancel:{code}:yes")
    assert "hủy muộn" in cancelled.text
    # The confirmed booking's invite is withdrawn from the business's calendar.
    assert cancelled.document is not None
    assert b"METHOD:CANCEL" in cancelled.document.content
    assert (await booking(sessions, code)).cancelled_late is True
    [intruder] = await web.press("binh", f"book:cancel:{code}:yes")
    assert "Không tìm thấy" in intruder.text
    clock.now += timedelta(days=1)
    [mine] = await web.say("an", "/lichcuatoi")
    assert "đã hủy" in mine.text
    await web.say("an", "/en")
    [mine_in_english] = await web.say("an", "/lichcuatoi")
    assert f"Your bookings:\n• {code} — 14:00, Thu 17 Dec 2026" in mine_in_english.text
    assert mine_in_english.text.endswith(": cancelled")


async def test_an_old_confirm_button_while_editing_keeps_the_registration_going(
    sessions: async_sessionmaker[AsyncSession], web: Chat
) -> None:
    [listing] = await web.say("an", "/dangky")
    [session_choice] = [c for c in choices(listing) if c.startswith("book:s:")][:1]
    await web.press("an", session_choice)
    await web.press("an", "book:consent:yes")
    await web.say("an", next(tax_codes()))
    await web.say("an", "Công ty TNHH Sông Mã")
    await web.say("an", "Lê Văn Bình")
    await web.say("an", "0912 345 678")
    await web.press("an", "book:t:datdai")
    await web.say("an", "Dự án chậm được giao đất")
    [summary] = await web.press("an", "book:keep:no")
    assert "book:confirm" in choices(summary)
    [which] = await web.press("an", "book:edit")
    assert choices(which) == [
        f"book:edit:{field}"
        for field in ("tax_code", "name", "representative", "phone", "topic", "question")
    ]
    [ask_tax] = await web.press("an", "book:edit:tax_code")
    # The summary's "confirm" is still on screen: tapping it loses nothing.
    expired, again = await web.press("an", "book:confirm")
    assert "hết hiệu lực" in expired.text
    assert again.text == ask_tax.text
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Booking))).scalar() == 0
    # …and the registration carries on from where it was: only the tax code changes.
    new_tax_code = [code for _, code in zip(range(2), tax_codes(), strict=False)][1]
    [corrected] = await web.say("an", new_tax_code)
    assert "book:confirm" in choices(corrected)
    assert (new_tax_code in corrected.text, "Công ty TNHH Sông Mã" in corrected.text) == (
        True,
        True,
    )


async def test_a_confirmed_booking_is_not_declined_from_its_card(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    code = code_in(await register(web, "an", next(tax_codes())))
    business = Inbox(sessions, "an")
    await staff.press("staff1", f"scr:ok:{code}")
    await business.new()
    # The reasons menu and a typed or preset reason are all refused, with the way to cancel.
    [menu] = await staff.press("staff1", f"scr:no:{code}")
    assert "đã được duyệt" in menu.text and "«🚫 Hủy đăng ký»" in menu.text
    assert choices(menu) == [f"scr:cancel:{code}"]
    # No reason is awaited after the refusal: what staff write next declines nothing.
    assert await staff.say("staff1", "Nội dung ngoài phạm vi") == []
    [preset] = await staff.press("staff1", f"scr:nr:{code}:scope")
    assert "không từ chối được nữa" in preset.text
    assert (await booking(sessions, code)).status == "confirmed"
    assert await business.new() == []  # the business is not told "not accepted"


async def test_nothing_is_screened_once_the_session_has_started(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    one = code_in(await register(web, "an", next(codes)))
    two = code_in(await register(web, "binh", next(codes)))
    business = Inbox(sessions, "an")
    await business.new()
    clock.now = datetime(2026, 12, 17, 14, 30, tzinfo=VN)  # the session began at 14:00
    for choice in (
        f"scr:ok:{one}",
        f"scr:merge:{one}",
        f"scr:mt:{one}:thue",
        f"scr:no:{two}",
        f"scr:nr:{two}:scope",
    ):
        [refused] = await staff.press("staff1", choice)
        assert "đã bắt đầu (14:00 17/12/2026)" in refused.text, choice
    assert (await booking(sessions, one)).status == "pending"
    assert (await booking(sessions, two)).status == "pending"
    assert await business.new() == []  # no confirmation, no invite for a past event


# Staff cancel a confirmed booking (the business asked by phone, or the topic turned out to be
# out of scope): the business's own cancellation, done by an officer with a reason.


async def test_staff_cancel_a_confirmed_booking_with_a_reason_and_the_waitlist_moves_up(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> None:
    settings = session_settings(session_seats=1)
    dialogue = dialogue_for(sessions, index, settings, clock)
    web, staff = Chat(dialogue, "web"), StaffChat(dialogue, STAFF_CHAT)
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    await web.say("an", "/en")  # the business reads English
    first = code_in(await register(web, "an", next(codes)))
    second = code_in(await register(web, "binh", next(codes)))
    an, binh, group = (
        Inbox(sessions, "an"),
        Inbox(sessions, "binh"),
        Inbox(sessions, str(STAFF_CHAT)),
    )
    [approved] = await staff.press("staff1", f"scr:ok:{first}")
    assert choices(approved) == [f"scr:cancel:{first}"]
    [*_chat, confirmation] = await an.new()
    assert confirmation.document is not None
    await binh.new()
    await group.new()

    clock.advance(hours=3)
    [prompt] = await staff.press("staff1", f"scr:cancel:{first}")
    assert f"Hủy đăng ký {first} (Công ty TNHH Sông Mã) đã được duyệt?" in prompt.text
    assert "trong 30 phút" in prompt.text
    assert (await booking(sessions, first)).status == "confirmed"
    assert await an.new() == []  # nothing until the reason is typed

    reason = "Doanh nghiệp đề nghị hủy qua điện thoại"
    [done] = await staff.say("staff1", f"  {reason}  ")
    assert done.text == (
        f"Đã hủy đăng ký {first}; doanh nghiệp đã được báo lý do và lịch hẹn đã được gỡ khỏi "
        f"lịch của họ.\nChỗ trống đã chuyển cho {second} (từ danh sách chờ)."
    )
    [told] = await an.new()
    assert told.text.startswith(f"Sorry, booking {first} for the session of 14:00, Thu 17 Dec 2026")
    assert f"cancelled by the staff. Reason: {reason}\n" in told.text
    assert "register for a later session with /book" in told.text
    assert choices(told) == ["book:start"]
    assert told.document is not None and told.document.filename == f"{first}.ics"
    withdrawn = icalendar.Calendar.from_ical(told.document.content)
    [event] = withdrawn.walk("VEVENT")
    [sent] = icalendar.Calendar.from_ical(confirmation.document.content).walk("VEVENT")
    assert withdrawn["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert event["uid"] == sent["uid"]
    assert int(event["sequence"]) > int(sent["sequence"])

    cancelled = await booking(sessions, first)
    assert (cancelled.status, cancelled.cancelled_by, cancelled.cancel_reason) == (
        "cancelled",
        "staff1",
        reason,
    )
    assert cancelled.cancelled_at == clock()
    assert cancelled.cancelled_late is False  # the business did not cancel late
    [promoted] = await binh.new()
    assert "Đã có chỗ trống" in promoted.text
    assert (await booking(sessions, second)).status == "pending"
    [card] = [r for r in await group.new() if r.kind == "staff:booking"]
    assert card.text.startswith(f"🗓 Đăng ký mới {second}")  # to be screened, as promoted

    # Staff looking it up see who cancelled and why; the business sees it cancelled.
    [looked_up] = await staff.say("staff1", f"/tracuu {first}")
    assert looked_up.text.endswith(f": đã hủy\nCán bộ đã hủy, lý do: {reason}")
    assert choices(looked_up) == []
    [mine] = await web.say("an", "/lichcuatoi")
    assert mine.text.endswith(": cancelled")
    await an.new()
    # Its reminders are gone with it.
    clock.now = datetime(2026, 12, 14, 14, 1, tzinfo=VN)
    await followups_for(sessions, settings, clock).run_due()
    assert await an.new() == []


async def test_a_confirmed_booking_looked_up_by_staff_offers_the_cancel_button(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    confirmed = code_in(await register(web, "an", next(codes)))
    pending = code_in(await register(web, "binh", next(codes)))
    await staff.press("staff1", f"scr:ok:{confirmed}")
    [shown] = await staff.say("staff1", f"/tracuu {confirmed}")
    assert choices(shown) == [f"scr:cancel:{confirmed}"]
    [not_yet] = await staff.say("staff1", f"/tracuu {pending}")
    assert choices(not_yet) == []
    # The business's own look-up has no staff button.
    [own] = await web.say("an", f"/tracuu {confirmed}")
    assert f"scr:cancel:{confirmed}" not in choices(own)


async def test_a_non_staff_member_cannot_cancel_a_confirmed_booking(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    code, business = await screened_booking(sessions, web, staff, clock, approve=True)
    [refused] = await staff.press("stranger", f"scr:cancel:{code}")
    assert "chưa có trong danh sách cán bộ" in refused.text
    # Nothing is awaited from them: what they write next cancels nothing.
    assert await staff.say("stranger", "Doanh nghiệp xin hủy") == []
    assert (await booking(sessions, code)).status == "confirmed"
    assert await business.new() == []


async def test_an_officer_taken_off_the_roster_meanwhile_cannot_cancel(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    code, business = await screened_booking(sessions, web, staff, clock, approve=True)
    await staff.press("staff1", f"scr:cancel:{code}")
    async with sessions.begin() as session:
        assert await remove_staff(session, channel="telegram", user_id="staff1")
    [refused] = await staff.say("staff1", "Doanh nghiệp xin hủy")
    assert "chưa có trong danh sách cán bộ" in refused.text
    assert (await booking(sessions, code)).status == "confirmed"
    assert await business.new() == []


async def test_a_cancelled_booking_cannot_be_cancelled_twice(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    await make_staff(sessions, "telegram", "staff2", clock())
    codes = tax_codes()
    code = code_in(await register(web, "an", next(codes)))
    await staff.press("staff1", f"scr:ok:{code}")
    business = Inbox(sessions, "an")
    await business.new()

    # Two officers press «Hủy đăng ký» at once; the first reason cancels it…
    await staff.press("staff1", f"scr:cancel:{code}")
    await staff.press("staff2", f"scr:cancel:{code}")
    [done] = await staff.say("staff1", "Nội dung không thuộc phạm vi buổi tiếp")
    assert done.text.startswith(f"Đã hủy đăng ký {code}")
    # …the second is told clearly, and the business hears once.
    [again] = await staff.say("staff2", "Doanh nghiệp đề nghị hủy")
    assert again.text == (
        f"Đăng ký {code} đã bị hủy rồi; không hủy lại được và doanh nghiệp không nhận thêm "
        "thông báo nào."
    )
    [pressed_again] = await staff.press("staff1", f"scr:cancel:{code}")
    assert pressed_again.text == again.text
    assert await staff.say("staff1", "Doanh nghiệp đề nghị hủy") == []  # nothing awaited
    [told] = await business.new()
    assert "Nội dung không thuộc phạm vi buổi tiếp" in told.text
    assert await business.new() == []
    assert (await booking(sessions, code)).cancel_reason == "Nội dung không thuộc phạm vi buổi tiếp"

    # A booking its business cancelled itself is refused the same way.
    other = code_in(await register(web, "binh", next(codes)))
    await staff.press("staff1", f"scr:ok:{other}")
    await web.press("binh", f"book:cancel:{other}:yes")
    [refused] = await staff.press("staff1", f"scr:cancel:{other}")
    assert refused.text.startswith(f"Đăng ký {other} đã bị hủy rồi")
    assert (await booking(sessions, other)).cancelled_by is None


async def test_a_cancel_reason_typed_after_the_prompt_expired_cancels_nothing(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    code, business = await screened_booking(sessions, web, staff, clock, approve=True)
    await staff.press("staff1", f"scr:cancel:{code}")
    clock.advance(minutes=31)
    [notice] = await staff.say("staff1", "Doanh nghiệp đề nghị hủy")
    assert notice.text.startswith(
        f"⏱ Lời nhắc «🚫 Hủy đăng ký» của đăng ký {code} đã hết thời gian chờ"
    )
    assert (await booking(sessions, code)).status == "confirmed"
    assert await business.new() == []

    # An empty reason asks again, and the reason typed in time cancels.
    await staff.press("staff1", f"scr:cancel:{code}")
    [empty] = await staff.say("staff1", "   ")
    assert empty.text.startswith(f"Chưa có lý do nên đăng ký {code}")
    assert (await booking(sessions, code)).status == "confirmed"
    clock.advance(minutes=29)
    [done] = await staff.say("staff1", "Doanh nghiệp đề nghị hủy")
    assert done.text.startswith(f"Đã hủy đăng ký {code}")
    [told] = await business.new()
    assert "Lý do: Doanh nghiệp đề nghị hủy" in told.text


async def test_only_a_confirmed_booking_before_its_session_is_cancelled_by_staff(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    pending = code_in(await register(web, "an", next(codes)))
    confirmed = code_in(await register(web, "binh", next(codes)))
    await staff.press("staff1", f"scr:ok:{confirmed}")
    an, binh = Inbox(sessions, "an"), Inbox(sessions, "binh")
    await an.new()
    await binh.new()
    [not_confirmed] = await staff.press("staff1", f"scr:cancel:{pending}")
    assert "chưa được duyệt (đang chờ xét duyệt)" in not_confirmed.text
    assert "«❌ Từ chối»" in not_confirmed.text
    assert await staff.say("staff1", "Doanh nghiệp xin hủy") == []  # nothing awaited
    assert (await booking(sessions, pending)).status == "pending"

    clock.now = datetime(2026, 12, 17, 14, 5, tzinfo=VN)  # the session has begun
    [refused] = await staff.press("staff1", f"scr:cancel:{confirmed}")
    assert "đã bắt đầu (14:00 17/12/2026)" in refused.text
    assert await staff.say("staff1", "Doanh nghiệp xin hủy") == []  # nothing awaited
    assert (await booking(sessions, confirmed)).status == "confirmed"
    assert await an.new() == [] and await binh.new() == []


async def test_a_photo_is_no_decline_reason_and_the_prompt_keeps_waiting(
    sessions: async_sessionmaker[AsyncSession], web: Chat, staff: StaffChat, clock: Clock
) -> None:
    code, business = await screened_booking(sessions, web, staff, clock)
    await staff.press("staff1", f"scr:no:{code}")
    photo = Incoming(
        channel="telegram",
        user_id="staff1",
        chat_id=str(STAFF_CHAT),
        attachments=(Attachment(kind="photo", ref="telegram:AgAD-photo"),),
    )
    [asked] = (await staff.dialogue.handle(photo)).replies
    assert asked.text.startswith(f"Chưa có lý do nên đăng ký {code} chưa bị từ chối")
    assert (await booking(sessions, code)).status == "pending"
    assert await business.new() == []
    # Still within the time: the typed reason declines as usual.
    clock.advance(minutes=10)
    [declined] = await staff.say("staff1", "Nội dung thuộc thẩm quyền của Bộ")
    assert f"Đã từ chối {code}" in declined.text
    assert (await booking(sessions, code)).decline_reason == "Nội dung thuộc thẩm quyền của Bộ"
