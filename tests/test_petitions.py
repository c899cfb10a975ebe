"""Transcripts of a petition's whole life, on a moved clock: filing, staff, follow-ups."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import (
    AGENT,
    BUSINESS,
    GROUP,
    OUTSIDER,
    SUPERVISOR,
    VALID_TAX_CODE,
    World,
)
from support import VN, Clock, choices
from troly.bot.petitions.model import PetitionEvent
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(datetime(2026, 11, 23, 9, 0, tzinfo=VN)))


async def test_the_whole_life_of_a_petition(world: World) -> None:
    await world.roster()
    [intro] = await world.say("/phananh")
    assert "lĩnh vực nào" in intro.text
    assert "pf:topic:datdai" in choices(intro)
    [ask] = await world.press("pf:topic:datdai")
    assert "mô tả" in ask.text
    [files] = await world.say("Doanh nghiệp chờ cấp giấy chứng nhận quyền sử dụng đất đã 3 tháng")
    assert "pf:done" in choices(files)
    [added] = await world.send_file("so-do-thua-dat.pdf")
    assert "1/5" in added.text
    [commune] = await world.press("pf:done")
    assert "xã, phường nào" in commune.text
    [public] = await world.say("hac thanh")
    assert choices(public) == ["pf:public:0", "pf:public:1"]
    [consent] = await world.press("pf:public:0")
    assert "Luật Bảo vệ dữ liệu cá nhân" in consent.text
    [ask_name] = await world.press("pf:consent:1")
    assert "Tên doanh nghiệp" in ask_name.text
    [tax] = await world.say("Công ty TNHH Nông sản Xanh")
    assert "Mã số thuế" in tax.text
    [wrong] = await world.say("0300588560")
    assert "Chữ số thứ 10" in wrong.text
    [ask_phone] = await world.say(VALID_TAX_CODE)
    assert "Số điện thoại" in ask_phone.text
    [bad_phone] = await world.say("12345")
    assert "Số điện thoại chưa đúng" in bad_phone.text
    [summary] = await world.say("0912 345 678")
    assert "Phường Hạc Thành" in summary.text
    assert "MST: 0300588569" in summary.text
    assert "ĐT: 0912345678" in summary.text
    [filed] = await world.press("pf:submit")
    code = filed.text.split("Mã theo dõi: ")[1].split()[0]
    assert code.startswith("PA-") and len(code) == 9
    # Tuesday 24/11/2026 is Vietnam Cultural Day: ten working days end on Tuesday 8/12.
    assert "Hạn trả lời: 08/12/2026 (10 ngày làm việc)" in filed.text

    [card, pdf] = await world.sent()
    assert (card.channel, card.recipient, card.thread) == (
        "telegram",
        GROUP,
        f"topic:petition:{code}",
    )
    assert f"ps:claim:{code}" in card.choices()
    assert "so-do-thua-dat.pdf" in card.text
    # The business's file follows the card into the topic, by its Telegram reference.
    assert (pdf.recipient, pdf.thread) == (GROUP, f"topic:petition:{code}")
    assert pdf.reply.document is not None
    assert pdf.reply.document.ref == "telegram:file-so-do-thua-dat.pdf"
    assert pdf.reply.document.filename == "so-do-thua-dat.pdf"
    assert pdf.reply.document.owner == f"petition:{code}"
    thread = await world.topic_thread(code)

    # Someone in the group who is not on the roster cannot act.
    [refused] = await world.staff_press(OUTSIDER, f"ps:claim:{code}", thread=thread)
    assert "chưa có trong danh sách cán bộ" in refused.text
    assert await world.staff_say(OUTSIDER, "Tôi trả lời giúp", thread=thread) == []
    assert await world.sent() == []

    # Nobody took it within one working day: the supervisors hear of it.
    await world.at(datetime(2026, 11, 25, 17, 1, tzinfo=VN))
    alerts = await world.sent()
    assert {(s.recipient, s.thread) for s in alerts} == {
        (GROUP, f"topic:petition:{code}"),
        (SUPERVISOR, None),
    }
    assert all("chưa có cán bộ nhận" in s.text for s in alerts)

    assert await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread) == []
    claimed = await world.sent()
    assert [(s.recipient, s.text) for s in claimed] == [
        (GROUP, f"👤 Lan xử lý phản ánh {code}."),
        (BUSINESS, f"👤 Phản ánh {code} đã có cán bộ nhận xử lý."),
    ]
    # The card itself is rewritten: it names the officer and offers no «Nhận xử lý».
    [(edited, now_says)] = await world.edits()
    assert (edited.text, edited.choices()) == (card.text, card.choices())
    assert "Người xử lý: Lan" in now_says.text
    assert f"ps:claim:{code}" not in choices(now_says)

    # Relay both ways: staff write in the topic, the business answers with a button.
    [ok] = await world.staff_say(AGENT, "Đề nghị gửi bản sao hợp đồng thuê đất.", thread=thread)
    assert "Đã chuyển" in ok.text
    [relayed] = await world.sent()
    assert relayed.recipient == BUSINESS
    assert "Đề nghị gửi bản sao hợp đồng thuê đất." in relayed.text
    [prompt] = await world.press(f"pb:add:{code}")
    assert code in prompt.text
    [noted] = await world.send_file("hop-dong.pdf", text="Gửi kèm hợp đồng thuê đất")
    assert "Đã chuyển" in noted.text
    [in_topic, contract] = await world.sent()
    assert in_topic.thread == f"topic:petition:{code}"
    assert "Gửi kèm hợp đồng thuê đất" in in_topic.text
    assert "hop-dong.pdf" in in_topic.text
    assert contract.thread == in_topic.thread
    assert contract.reply.document is not None
    assert contract.reply.document.ref == "telegram:file-hop-dong.pdf"
    assert "tệp 2 của doanh nghiệp" in contract.text  # numbered after the first file

    # Reminders at 50% and 80% of the office time, to the assignee and in the topic.
    await world.at(datetime(2026, 12, 1, 13, 30, tzinfo=VN))
    fifty = await world.sent()
    assert {s.recipient for s in fifty} == {GROUP, AGENT}
    assert all("50%" in s.text for s in fifty)
    await world.at(datetime(2026, 12, 4, 16, 0, tzinfo=VN))
    eighty = await world.sent()
    assert all("80%" in s.text for s in eighty) and len(eighty) == 2

    # One working day before the deadline with no answer: apology and one new date.
    await world.at(datetime(2026, 12, 7, 17, 0, tzinfo=VN))
    apology = await world.sent()
    to_business = [s for s in apology if s.recipient == BUSINESS]
    assert len(to_business) == 1
    assert "Thành thật xin lỗi" in to_business[0].text
    assert "08/12/2026" in to_business[0].text
    assert "Ngày hẹn trả lời mới: 15/12/2026" in to_business[0].text
    [staff_date] = await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    assert "một lần" in staff_date.text

    # The old deadline passes quietly; the new one passing alerts the supervisors.
    await world.at(datetime(2026, 12, 9, 9, 0, tzinfo=VN))
    assert await world.sent() == []
    await world.at(datetime(2026, 12, 15, 17, 5, tzinfo=VN))
    overdue = await world.sent()
    assert {s.recipient for s in overdue} == {GROUP, SUPERVISOR}
    assert all("quá hạn" in s.text for s in overdue)

    # The answer, typed after pressing the button, goes to the business with stars.
    [answer_prompt] = await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    assert "Gõ câu trả lời" in answer_prompt.text
    await world.staff_say(AGENT, "Sở TN&MT đã ký giấy chứng nhận ngày 15/12.", thread=thread)
    answered = await world.sent()
    [answer] = [s for s in answered if s.recipient == BUSINESS]
    assert "Sở TN&MT đã ký giấy chứng nhận" in answer.text
    assert f"pb:rate:{code}:5" in answer.choices()

    await world.at(datetime(2026, 12, 15, 18, 10, tzinfo=VN))
    [ask_rating] = await world.sent()
    assert "hài lòng" in ask_rating.text
    [thanks] = await world.press(f"pb:rate:{code}:4")
    assert "góp ý" in thanks.text
    await world.say("Cán bộ nhiệt tình")
    rated = await world.sent()
    assert [s.text for s in rated] == [
        f"Doanh nghiệp đánh giá phản ánh {code}: ⭐⭐⭐⭐",
        f"Góp ý của doanh nghiệp về phản ánh {code}: Cán bộ nhiệt tình",
    ]

    petition = await world.petition(code)
    assert (petition.status, petition.rating, petition.assignee) == ("closed", 4, AGENT)
    [status] = await world.say(f"/tracuu {code.lower()}")
    assert "Trạng thái: Đã đóng" in status.text
    assert "Xin lỗi và hẹn lại ngày trả lời" in status.text
    assert "Sở TN&MT" in status.text
    # Nothing else was scheduled: the queue is empty after closing.
    await world.at(datetime(2027, 1, 31, 9, 0, tzinfo=VN))
    assert [s for s in await world.sent() if s.recipient != GROUP] == []


async def test_every_change_is_an_event_with_who_and_when(world: World) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    await world.staff_say(AGENT, "Xin số hồ sơ", thread=thread)
    from sqlalchemy import select

    async with world.sessions() as session:
        events = list(
            (await session.execute(select(PetitionEvent).order_by(PetitionEvent.id))).scalars()
        )
    assert [(e.kind, e.actor, e.actor_id, e.to_status) for e in events] == [
        ("filed", "business", BUSINESS, "received"),
        ("claimed", "staff", AGENT, "assigned"),
        ("staff_message", "staff", AGENT, "in_progress"),
    ]
    assert all(e.at == world.clock() for e in events)


async def test_an_answer_the_business_ignores_closes_itself_and_a_reopen_starts_again(
    world: World,
) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.staff_say(AGENT, "Đã xử lý xong.", thread=thread)
    [reopened] = await world.press(f"pb:reopen:{code}")
    assert "Đã mở lại" in reopened.text
    assert (await world.petition(code)).status == "reopened"
    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.staff_say(AGENT, "Đã cấp phép ngày 30/11.", thread=thread)
    await world.sent()
    # Five working days of silence after the answer: closed automatically, once.
    await world.at(datetime(2026, 12, 2, 17, 1, tzinfo=VN))
    closed = await world.sent()
    assert any("tự động đóng" in s.text for s in closed)
    assert any(s.recipient == BUSINESS and "đã được đóng" in s.text for s in closed)
    assert (await world.petition(code)).status == "closed"
    await world.tick()
    assert await world.sent() == []


async def test_a_petition_filed_on_the_friday_before_tet_counts_no_tet_day(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    world = World(sessions, index, Clock(datetime(2027, 1, 29, 16, 0, tzinfo=VN)))
    code = await world.file()
    [card] = await world.sent()
    # After 15:00 on Friday 29/1 it counts from Monday 1/2; Tết runs 4/2–10/2 (Thứ Năm 29
    # Tết to mùng 5): ten working days end on Monday 22/2.
    assert "Hạn trả lời: 22/02/2027" in card.text
    async with sessions() as session:
        from troly.bot.followups import pending

        due = [(f.kind, f.due_at.astimezone(VN)) for f in await pending(session, ref=code)]
    tet = {date(2027, 2, d) for d in range(4, 11)}
    assert all(when.date() not in tet and when.weekday() < 5 for _, when in due)
    assert ("petition.apology", datetime(2027, 2, 19, 17, 0, tzinfo=VN)) in due
    # Not taken by Tuesday's close: the alert goes before Tết; during Tết nothing comes due.
    await world.at(datetime(2027, 2, 3, 18, 0, tzinfo=VN))
    assert ["chưa có cán bộ nhận" in s.text for s in await world.sent()] == [True]
    await world.at(datetime(2027, 2, 10, 23, 0, tzinfo=VN))
    assert await world.sent() == []
    # The first reminder waits for the offices to reopen: half the office time is Monday 15/2.
    await world.at(datetime(2027, 2, 15, 12, 0, tzinfo=VN))
    assert ["50%" in s.text for s in await world.sent()] == [True]


async def test_the_receipt_states_the_configured_answer_time(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    settings = Settings(environment="test", staff_chat_id=int(GROUP), petition_answer_days=15)
    world = World(sessions, index, Clock(datetime(2026, 12, 1, 9, 0, tzinfo=VN)), settings)
    await world.say("/phananh")
    await world.press("pf:topic:xaydung")
    await world.say("Hồ sơ cấp phép xây dựng quá hạn 20 ngày")
    await world.press("pf:done")
    await world.press("pf:commune:none")
    await world.press("pf:public:0")
    await world.press("pf:consent:0")
    [filed] = await world.press("pf:submit")
    # Fifteen working days from Tuesday 1/12/2026 end on Tuesday 22/12.
    assert "Hạn trả lời: 22/12/2026 (15 ngày làm việc)" in filed.text


async def test_a_user_cannot_read_another_users_petition_by_code(world: World) -> None:
    code = await world.file()
    [theirs] = await world.say(f"/tracuu {code}", user="777")
    [nonexistent] = await world.say("/tracuu pa 222222", user="777")
    [made_up] = await world.say("/tracuu PA-ZZZZZZ", user="777")
    assert theirs.text == made_up.text == nonexistent.text
    assert code not in theirs.text
    [mine] = await world.say("/cuatoi", user="777")
    assert code not in mine.text
    [own] = await world.say("/cuatoi")
    assert code in own.text
    assert await world.press(f"pb:add:{code}", user="777")
    [refused] = await world.say("Tôi chen vào", user="777")
    assert refused.text == theirs.text
    await world.sent()
    assert await world.press(f"pb:rate:{code}:1", user="777") == [theirs]
    assert await world.sent() == []


async def test_the_talk_to_a_person_button_carries_the_unanswered_question_over(
    world: World,
) -> None:
    # In the evening nobody is there to talk: the petition form opens with the question.
    world.clock.now = world.clock.now.replace(hour=19)
    [unknown] = await world.say("xin giấy phép nuôi cá sấu trong nhà kính")
    assert "human" in choices(unknown)
    [closed, intro] = await world.press("human")
    assert "07:30–11:30, 13:30–17:00" in closed.text
    assert "«xin giấy phép nuôi cá sấu trong nhà kính»" in intro.text
    [keep] = await world.press("pf:topic:khac")
    assert "pf:keep" in choices(keep)
    [files] = await world.press("pf:keep")
    assert "pf:done" in choices(files)


async def test_a_typed_button_label_or_number_is_taken_as_the_button(world: World) -> None:
    [intro] = await world.say("/phananh")
    # On a phone people type the topic they see: «Xây dựng» answers the topic question.
    [ask] = await world.say("xây dựng")
    assert "mô tả" in ask.text
    await world.say("Giấy phép xây dựng nhà xưởng chậm 2 tháng")
    [commune] = await world.press("pf:done")
    [public] = await world.say("hac thanh")
    # "1" is the first button: keep it private.
    [consent] = await world.say("1")
    assert "Luật Bảo vệ dữ liệu cá nhân" in consent.text
    # Words that name no button are still asked to use the buttons.
    reminder, *_question = await world.say("không biết nữa")
    assert "Bạn chọn bằng các nút bên dưới" in reminder.text
    assert commune.text and public.text and intro.text


async def test_a_description_over_the_limit_is_refused_with_its_length(world: World) -> None:
    await world.say("/phananh")
    await world.press("pf:topic:thue")
    [too_long] = await world.say("x" * 2500)
    assert "2500 ký tự, tối đa 2000" in too_long.text
    [next_step] = await world.say("Hoàn thuế GTGT chậm")
    assert "pf:done" in choices(next_step)


async def test_refusing_consent_keeps_no_personal_data_and_editing_returns_to_the_summary(
    world: World,
) -> None:
    await world.say("/phananh")
    await world.press("pf:topic:thue")
    await world.say("Hoàn thuế chậm")
    await world.press("pf:done")
    await world.press("pf:commune:none")
    await world.press("pf:public:1")
    [note, summary] = await world.press("pf:consent:0")
    assert "pf:submit" in choices(summary)
    assert "ẩn danh" in note.text
    [menu] = await world.press("pf:edit")
    assert "pf:edit:description" in choices(menu)
    await world.press("pf:edit:description")
    [again] = await world.say("Hoàn thuế GTGT chậm 2 tháng")
    assert "Hoàn thuế GTGT chậm 2 tháng" in again.text
    assert "pf:submit" in choices(again)
    [filed] = await world.press("pf:submit")
    code = filed.text.split("Mã theo dõi: ")[1].split()[0]
    petition = await world.petition(code)
    assert (petition.consent, petition.business_name, petition.phone) == (False, None, None)


async def test_staff_set_one_new_date_with_a_reason_and_the_business_is_told(world: World) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.sent()
    [prompt] = await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    assert "ngày/tháng/năm" in prompt.text
    [bad] = await world.staff_say(AGENT, "sau Tết", thread=thread)
    assert "Chưa đọc được" in bad.text
    await world.staff_press(AGENT, f"ps:date:{code}", thread=thread)
    assert await world.staff_say(AGENT, "15/12/2026 chờ ý kiến Sở Xây dựng", thread=thread) == []
    told = await world.sent()
    [apology] = [s for s in told if s.recipient == BUSINESS]
    assert "chờ ý kiến Sở Xây dựng" in apology.text
    assert "15/12/2026" in apology.text
    [once] = await world.staff_press(SUPERVISOR, f"ps:date:{code}", thread=thread)
    assert "một lần" in once.text


async def test_the_daily_digest_runs_at_eight_on_working_days_once(world: World) -> None:
    from troly.bot.petitions.jobs import ensure_digest

    code = await world.file()
    await world.sent()
    async with world.sessions.begin() as session:
        assert await ensure_digest(session, now=world.clock(), settings=world.settings)
        assert not await ensure_digest(session, now=world.clock(), settings=world.settings)
    # Tuesday 24/11 is a holiday: the first digest is Wednesday's.
    await world.at(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
    assert await world.sent() == []
    await world.at(datetime(2026, 11, 25, 8, 0, tzinfo=VN))
    [digest] = [s for s in await world.sent() if s.thread is None]
    assert digest.recipient == GROUP
    assert f"Mới, chưa có người nhận: 1 ({code})" in digest.text
    await world.tick()
    assert [s for s in await world.sent() if s.thread is None] == []
    # Down from Wednesday to Monday: the digest that came due runs once on return (the
    # missed days are not replayed), and the next one is Tuesday's.
    await world.at(datetime(2026, 11, 30, 8, 30, tzinfo=VN))
    digests = [s for s in await world.sent() if s.thread is None]
    assert len(digests) == 1
    async with world.sessions() as session:
        from troly.bot.followups import pending

        [following] = await pending(session, ref="digest")
    assert following.due_at == datetime(2026, 12, 1, 8, 0, tzinfo=VN)


async def test_only_a_supervisor_or_the_assignee_reassigns_and_a_supervisor_closes_unanswered(
    world: World,
) -> None:
    await world.roster()
    code = await world.file()
    thread = await world.topic_thread(code)
    await world.sent()
    [refused] = await world.staff_press(AGENT, f"ps:reassign:{code}", thread=thread)
    assert "Chỉ lãnh đạo" in refused.text
    [menu] = await world.staff_press(SUPERVISOR, f"ps:reassign:{code}", thread=thread)
    assert f"ps:assign:{code}:{AGENT}" in choices(menu)
    await world.staff_press(SUPERVISOR, f"ps:assign:{code}:{AGENT}", thread=thread)
    [assigned] = await world.sent()
    assert assigned.text == f"👤 Lan xử lý phản ánh {code}."
    [bogus] = await world.staff_press(SUPERVISOR, f"ps:assign:{code}:{OUTSIDER}", thread=thread)
    assert "không có trong danh sách" in bogus.text
    # Unanswered: not even its assignee closes it; a supervisor does, and the business may
    # reopen it.
    [not_yours] = await world.staff_press(AGENT, f"ps:close:{code}", thread=thread)
    assert "chỉ lãnh đạo mới đóng được" in not_yours.text
    assert (await world.petition(code)).status == "assigned"
    [reason] = await world.staff_press(SUPERVISOR, f"ps:close:{code}", thread=thread)
    assert "Gõ lý do đóng" in reason.text
    assert await world.staff_say(SUPERVISOR, "Đã giải quyết tại Sở.", thread=thread) == []
    closed = await world.sent()
    assert {s.recipient for s in closed} == {GROUP, BUSINESS}
    [told] = [s for s in closed if s.recipient == BUSINESS]
    assert "khi chưa có câu trả lời" in told.text
    assert "Lý do: Đã giải quyết tại Sở." in told.text
    assert f"pb:reopen:{code}" in told.choices()
    assert (await world.petition(code)).status == "closed"
    [late] = await world.staff_say(AGENT, "Còn một ý nữa", thread=thread)
    assert "đã đóng" in late.text
    async with world.sessions() as session:
        from troly.bot.followups import pending

        assert await pending(session, ref=code) == []


async def test_the_business_sees_and_erases_its_personal_data(world: World) -> None:
    await world.say("/phananh")
    await world.press("pf:topic:thue")
    await world.say("Hoàn thuế chậm")
    await world.press("pf:done")
    await world.press("pf:commune:none")
    await world.press("pf:public:0")
    await world.press("pf:consent:1")
    await world.say("Công ty TNHH ABC")
    await world.say(VALID_TAX_CODE)
    await world.say("0912345678")
    [filed] = await world.press("pf:submit")
    code = filed.text.split("Mã theo dõi: ")[1].split()[0]
    [shown] = await world.say("/dulieu")
    assert "Công ty TNHH ABC" in shown.text and "0912345678" in shown.text
    assert await world.say("/dulieu", user="777") != [shown]
    [confirm] = await world.press("pb:erase")
    assert "không thể hoàn tác" in confirm.text
    assert choices(confirm) == ["data:confirm", "data:keep"]
    [erased] = await world.press("data:confirm")
    assert "1 phản ánh" in erased.text
    petition = await world.petition(code)
    assert (petition.consent, petition.business_name, petition.tax_code, petition.phone) == (
        False,
        None,
        None,
        None,
    )
    assert petition.status == "received"
    [none] = await world.say("/dulieu")
    assert "không lưu thông tin cá nhân" in none.text


async def test_an_old_button_mid_petition_carries_on_and_outside_offers_the_menu(
    world: World,
) -> None:
    await world.say("/phananh")
    await world.press("pf:topic:xaydung")
    [ask_files] = await world.say("Hồ sơ cấp phép xây dựng quá hạn 20 ngày")
    # The topic buttons of the first message are still on screen.
    expired, again = await world.press("pf:topic:thue")
    assert "hết hiệu lực" in expired.text
    assert again.text == ask_files.text
    [commune] = await world.press("pf:done")
    assert "xã, phường nào" in commune.text
    await world.say("/huy")
    [outside] = await world.press("pf:submit")
    assert "hết hiệu lực" in outside.text
    assert "menu:ask" in choices(outside)


async def test_a_caption_sent_with_a_file_reaches_the_topic_with_that_file(world: World) -> None:
    await world.say("/phananh")
    await world.press("pf:topic:xaydung")
    await world.say("Hồ sơ cấp phép xây dựng quá hạn 20 ngày")
    [added] = await world.send_file("bien-nhan.pdf", text="Biên nhận hồ sơ ngày 2/11")
    assert "1/5" in added.text
    await world.press("pf:done")
    await world.press("pf:commune:none")
    await world.press("pf:public:0")
    await world.press("pf:consent:0")
    [filed] = await world.press("pf:submit")
    code = filed.text.split("Mã theo dõi: ")[1].split()[0]
    [card, receipt] = await world.sent()
    assert "Hồ sơ cấp phép xây dựng quá hạn 20 ngày" in card.text
    assert receipt.reply.document is not None
    assert receipt.text == (
        f"📎 {code} — tệp 1 của doanh nghiệp: bien-nhan.pdf\nBiên nhận hồ sơ ngày 2/11"
    )


async def test_a_second_tap_on_send_says_the_petition_went_once(world: World) -> None:
    code = await world.file()
    [again] = await world.press("pf:submit")
    assert again.text == "Phản ánh này đã được gửi rồi. Xem các phản ánh của bạn: /cuatoi"
    [mine] = await world.say("/cuatoi")
    assert mine.text.count("PA-") == 1 and code in mine.text
