"""``/dulieu`` transcripts on a moved clock: a business sees everything held about it (petitions,
bookings, remembered details) and erases it; upcoming bookings are cancelled the usual way,
and the outbox keeps no sent copy quoting the erased details."""

from __future__ import annotations

import json
from datetime import datetime

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import (
    OPENING,
    STAFF_CHAT,
    Inbox,
    dialogue_for,
    session_settings,
    tax_codes,
)
from staff_support import StaffChat, make_staff
from support import VN, Chat, Clock, RecordingSender, choices
from troly.bot.dialogue import Dialogue
from troly.bot.outbox import Outbox
from troly.bot.petitions.model import Petition
from troly.bot.sessions import seats
from troly.bot.sessions.model import Booking, BusinessProfile
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import OutboxMessage
from troly.knowledge.index import ProcedureIndex

PETITION_NAME = "Công ty TNHH Nông sản Xanh"
PETITION_TAX_CODE = "0300588569"
BUSINESS = "Công ty TNHH Sông Mã"
REPRESENTATIVE = "Lê Văn Bình"
PHONE = "0912345678"


@pytest.fixture
def clock() -> Clock:
    return Clock(OPENING)


@pytest.fixture
def dialogue(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> Dialogue:
    return dialogue_for(sessions, index, session_settings(session_seats=1), clock)


@pytest.fixture
def web(dialogue: Dialogue) -> Chat:
    return Chat(dialogue, "web")


def deliverer(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> Outbox:
    senders = {"web": RecordingSender(), "telegram": RecordingSender()}
    return Outbox(sessions=sessions, senders=senders, clock=clock)


async def file_petition(web: Chat, user: str) -> str:
    """Files a petition with the business's details (consent given); returns its code."""
    await web.say(user, "/phananh")
    await web.press(user, "pf:topic:thue")
    await web.say(user, "Hoàn thuế giá trị gia tăng chậm 3 tháng")
    await web.press(user, "pf:done")
    await web.press(user, "pf:commune:none")
    await web.press(user, "pf:public:0")
    await web.press(user, "pf:consent:1")
    await web.say(user, PETITION_NAME)
    await web.say(user, PETITION_TAX_CODE)
    await web.say(user, PHONE)
    [filed] = await web.press(user, "pf:submit")
    return filed.text.split("Mã theo dõi: ")[1].split()[0]


async def register(
    web: Chat,
    user: str,
    tax_code: str,
    *,
    business: str = BUSINESS,
    representative: str = REPRESENTATIVE,
    phone: str = PHONE,
    remember: bool = False,
) -> str:
    """Books the December session through ``/dangky``; returns the booking code."""
    [listing] = await web.say(user, "/dangky")
    await web.press(user, choices(listing)[0])
    await web.press(user, "book:consent:yes")
    for text in (tax_code, business, representative, phone):
        await web.say(user, text)
    await web.press(user, "book:t:datdai")
    await web.say(user, "Dự án chậm được giao đất")
    await web.press(user, "book:keep:yes" if remember else "book:keep:no")
    [made] = await web.press(user, "book:confirm")
    start = made.text.index("DT-")
    return made.text[start : start + 9]


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


def quoting(rows: list[OutboxMessage], *secrets: str) -> list[str]:
    texts = [json.dumps(row.payload, ensure_ascii=False) for row in rows]
    return [text for text in texts if any(secret in text for secret in secrets)]


async def test_a_business_sees_everything_held_and_erasing_cancels_its_booking(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    await erase_everything(sessions, index)


@pytest.mark.postgres
async def test_on_postgresql_erasing_deletes_the_sent_copies_too(
    pg_url: str, index: ProcedureIndex
) -> None:
    engine = create_engine(pg_url)
    await upgrade(engine)
    try:
        await erase_everything(session_factory(engine), index)
    finally:
        await engine.dispose()


async def erase_everything(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    """The whole transcript: petition, bookings, remembered details; shown, then erased."""
    clock = Clock(OPENING)
    dialogue = dialogue_for(sessions, index, session_settings(session_seats=1), clock)
    web, staff = Chat(dialogue, "web"), StaffChat(dialogue, STAFF_CHAT)
    await make_staff(sessions, "telegram", "staff1", clock())
    codes = tax_codes()
    tax_code = next(codes)
    petition = await file_petition(web, "an")
    booking = await register(web, "an", tax_code, remember=True)
    waiting = await register(
        web, "binh", next(codes), business="Công ty B", representative="Trần B", phone="0987654321"
    )
    await staff.press("staff1", f"scr:ok:{booking}")
    await staff.press("staff1", f"ps:claim:{petition}")
    # Everything so far reached the business and the staff group.
    await deliverer(sessions, clock).deliver_due()
    assert quoting(await outbox_rows(sessions), REPRESENTATIVE, PETITION_NAME) != []

    [shown] = await web.say("an", "/dulieu")
    for held in (petition, PETITION_NAME, PETITION_TAX_CODE, booking, BUSINESS, tax_code):
        assert held in shown.text
    assert f"Người đại diện: {REPRESENTATIVE} · ĐT: {PHONE}" in shown.text
    assert "Thông tin ghi nhớ cho lần đăng ký sau" in shown.text
    assert choices(shown) == ["data:file", "data:erase"]
    # The same, in one file: everything shown, and each record.
    [copy] = await web.press("an", "data:file")
    assert "bản sao toàn bộ thông tin cá nhân" in copy.text
    assert copy.document is not None
    assert (copy.document.filename, copy.document.mime_type) == (
        "du-lieu-cua-toi-20261201.json",
        "application/json",
    )
    data = json.loads(copy.document.content)
    assert data["shown"] == shown.text.splitlines()[1:]
    assert data["petitions"] == [
        {
            "code": petition,
            "received_at": data["petitions"][0]["received_at"],
            "business_name": PETITION_NAME,
            "tax_code": PETITION_TAX_CODE,
            "phone": PHONE,
        }
    ]
    assert [(b["code"], b["business_name"], b["tax_code"]) for b in data["bookings"]] == [
        (booking, BUSINESS, tax_code)
    ]
    assert data["bookings"][0]["session_starts_at"] == "2026-12-17T07:00:00+00:00"
    assert data["saved_details"]["representative"] == REPRESENTATIVE
    # Nobody else sees any of it, nor gets a file.
    [other] = await web.say("mallory", "/dulieu")
    assert other.text == "Tôi không lưu thông tin cá nhân nào của bạn."
    [none] = await web.press("mallory", "data:file")
    assert (none.text, none.document) == ("Tôi không lưu thông tin cá nhân nào của bạn.", None)

    await deliverer(sessions, clock).deliver_due()  # the business read it

    [confirm] = await web.press("an", "data:erase")
    assert "không thể hoàn tác" in confirm.text
    assert "các đăng ký sau sẽ bị hủy" in confirm.text
    assert f"• {booking} — 14:00 17/12/2026" in confirm.text
    assert choices(confirm) == ["data:confirm", "data:keep"]
    assert confirm.all_buttons()[0].label == "🗑 Xóa và hủy đăng ký"
    binh = Inbox(sessions, "binh")
    await binh.new()

    summary, cancelled = await web.press("an", "data:confirm")
    assert "1 phản ánh" in summary.text
    assert "1 đăng ký tham dự" in summary.text
    assert "ghi nhớ cho lần đăng ký sau" in summary.text
    # The confirmed booking is cancelled the usual way: its invite is withdrawn...
    assert f"Đã hủy đăng ký {booking}" in cancelled.text
    assert cancelled.document is not None
    invite = icalendar.Calendar.from_ical(cancelled.document.content)
    assert str(invite["METHOD"]) == "CANCEL"
    # ... and the seat goes to the next in line.
    [promoted] = await binh.new()
    assert "Đã có chỗ trống" in promoted.text
    async with sessions() as session:
        found = await seats.booking_by_code(session, waiting)
        assert found is not None and found.status == "pending"
        erased = await seats.booking_by_code(session, booking)
        assert erased is not None
        assert (erased.status, erased.business_name, erased.representative, erased.phone) == (
            "cancelled",
            "",
            "",
            "",
        )
        assert (erased.business_tax_code(), erased.question) == ("", "")
        assert await session.get(BusinessProfile, ("web", "an")) is None
        kept = (await session.execute(select(Petition))).scalar_one()
    assert (kept.code, kept.status, kept.consent, kept.business_name, kept.phone) == (
        petition,
        "assigned",
        False,
        None,
        None,
    )

    # No copy of what was sent quotes the erased details any more; what is pending still goes.
    rows = await outbox_rows(sessions)
    secrets = (PETITION_NAME, PETITION_TAX_CODE, BUSINESS, REPRESENTATIVE, PHONE, tax_code)
    assert quoting(rows, *secrets) == []
    assert [r for r in rows if r.payload.get("kind") == "data:file"] == []  # the copy too
    # The petition's topic keeps only the notice that its details may no longer be used.
    [notice] = [r for r in rows if r.thread == f"topic:petition:{petition}"]
    assert notice.status == "pending"
    assert "yêu cầu xóa dữ liệu cá nhân" in str(notice.payload)
    pending = [r for r in rows if r.status == "pending"]
    assert {r.recipient for r in pending} >= {"an", "binh", str(STAFF_CHAT)}
    report = await deliverer(sessions, clock).deliver_due()
    assert report.sent == len(pending)

    [none] = await web.say("an", "/dulieu")
    assert none.text == "Tôi không lưu thông tin cá nhân nào của bạn."
    # The business may register again with the same tax code (the erased row holds it no more).
    again = await register(web, "an", tax_code)
    assert again != booking


async def test_keeping_the_data_or_an_old_confirmation_erases_nothing(
    sessions: async_sessionmaker[AsyncSession], web: Chat, clock: Clock
) -> None:
    codes = tax_codes()
    await file_petition(web, "an")
    [confirm] = await web.press("an", "data:erase")
    assert "sẽ bị hủy" not in confirm.text
    assert confirm.all_buttons()[0].label == "🗑 Xóa"
    [kept] = await web.press("an", "data:keep")
    assert "giữ nguyên" in kept.text
    # A confirmation pressed after leaving the step only asks again.
    [again] = await web.press("an", "data:confirm")
    assert again.kind == "data:confirm"
    # A booking made after the confirmation was shown: the erase asks again, naming it.
    booking = await register(web, "an", next(codes))
    [asked] = await web.press("an", "data:confirm")
    assert asked.kind == "data:confirm"
    assert booking in asked.text
    async with sessions() as session:
        [petition] = (await session.execute(select(Petition))).scalars()
        [made] = (await session.execute(select(Booking))).scalars()
    assert petition.business_name == PETITION_NAME
    assert (made.status, made.business_name) == ("pending", BUSINESS)


async def test_a_business_with_only_a_past_booking_and_remembered_details_erases_them(
    sessions: async_sessionmaker[AsyncSession], web: Chat, clock: Clock
) -> None:
    tax_code = next(tax_codes())
    booking = await register(web, "an", tax_code, remember=True)
    await deliverer(sessions, clock).deliver_due()
    # After the session the booking can no longer be cancelled, but its details go.
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=VN)
    [confirm] = await web.press("an", "data:erase")
    assert "sẽ bị hủy" not in confirm.text
    [summary] = await web.press("an", "data:confirm")
    assert "1 đăng ký tham dự" in summary.text
    async with sessions() as session:
        erased = await seats.booking_by_code(session, booking)
    assert erased is not None
    assert (erased.status, erased.business_name, erased.phone) == ("pending", "", "")
    # The staff card was sent before: its copy is gone with the rest.
    assert quoting(await outbox_rows(sessions), BUSINESS, REPRESENTATIVE, tax_code) == []


async def test_what_staff_wrote_about_a_booking_is_erased_with_its_details(
    sessions: async_sessionmaker[AsyncSession], web: Chat, clock: Clock
) -> None:
    tax_code = next(tax_codes())
    code = await register(web, "an", tax_code)
    # Reasons staff typed when screening or cancelling may name the business or its people.
    async with sessions.begin() as session:
        booking = await seats.booking_by_code(session, code)
        assert booking is not None
        booking.decline_reason = f"{BUSINESS} hỏi về việc riêng của {REPRESENTATIVE}"
        booking.cancel_reason = f"{REPRESENTATIVE} gọi điện ({PHONE}) xin hủy"
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=VN)
    await web.press("an", "data:erase")
    await web.press("an", "data:confirm")
    async with sessions() as session:
        erased = await seats.booking_by_code(session, code)
    assert erased is not None
    assert (erased.decline_reason, erased.cancel_reason) == (None, None)
