"""Live handoff as transcripts: a business asks for a person, an officer takes it in the staff
group's topic, they talk, and it ends with a summary, a petition, /huy or nobody in time."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import AGENT, BUSINESS, GROUP, OUTSIDER, SUPERVISOR, Sent, World
from support import VN, Clock, choices
from troly.bot.dialogue import Dialogue
from troly.bot.flows.handoff import wants_person
from troly.bot.handoff import service
from troly.bot.handoff.model import LiveChat
from troly.bot.messages import Attachment, Channel, Door, Incoming
from troly.bot.petitions.model import Petition, PetitionEvent
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.wiring import effect_appliers
from troly.knowledge.index import ProcedureIndex

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(MONDAY_9))


async def _chat(world: World) -> LiveChat:
    async with world.sessions() as session:
        return (
            (await session.execute(select(LiveChat).order_by(LiveChat.id.desc()))).scalars().first()
        )  # type: ignore[return-value]


async def _thread(world: World, code: str) -> str:
    """Creates the chat's forum topic as the Telegram door would; returns its id."""

    async def create(_name: str) -> str:
        return "777"

    thread = await world.topics.resolve(f"topic:live:{code}", create)
    assert thread is not None
    return thread


def _to_business(sent: list[Sent]) -> list[str]:
    return [s.text for s in sent if s.recipient == BUSINESS]


def _in_topic(sent: list[Sent], code: str) -> list[Sent]:
    return [s for s in sent if s.recipient == GROUP and s.thread == f"topic:live:{code}"]


async def _ask_for_a_person(world: World) -> tuple[str, str]:
    """The business asks two questions, then for a person; returns the chat code and thread."""
    await world.roster()
    await world.say("thủ tục thành lập công ty cổ phần")
    await world.say("lệ phí đăng ký là bao nhiêu")
    [waiting] = await world.say("Cho tôi gặp cán bộ")
    assert "Đang mời cán bộ hỗ trợ" in waiting.text
    assert choices(waiting) == ["hb:leave"]
    chat = await _chat(world)
    return chat.code, await _thread(world, chat.code)


async def test_in_office_hours_the_words_open_a_topic_with_the_recent_questions(
    world: World,
) -> None:
    code, _thread_id = await _ask_for_a_person(world)
    [card] = _in_topic(await world.sent(), code)
    assert "muốn trò chuyện với cán bộ" in card.text
    assert "• thủ tục thành lập công ty cổ phần" in card.text
    assert "• lệ phí đăng ký là bao nhiêu" in card.text
    assert card.choices() == [f"hs:take:{code}"]


async def test_the_first_officer_to_take_it_talks_with_the_business_and_the_second_is_told(
    world: World,
) -> None:
    code, thread = await _ask_for_a_person(world)
    # While waiting, what the business writes is kept and shown to the officers.
    [kept] = await world.say("Tôi cần hỏi về hồ sơ đã nộp hôm qua")
    assert "Đã ghi lại" in kept.text
    assert await world.say("Mã hồ sơ 000.00.12.H56") == []
    await world.sent()

    assert await world.staff_press(AGENT, f"hs:take:{code}", thread=thread) == []
    [other] = await world.staff_press(SUPERVISOR, f"hs:take:{code}", thread=thread)
    assert (
        other.text
        == f"Cuộc trò chuyện {code} đã có Lan nhận trước, nên anh/chị không nhận được nữa."
    )
    sent = await world.sent()
    assert _to_business(sent) == [
        "👤 Cán bộ Lan đã tham gia cuộc trò chuyện. Bạn cứ viết, cán bộ đọc và trả lời ngay"
        " tại đây. Gõ /huy để kết thúc."
    ]
    [taken] = _in_topic(sent, code)
    assert taken.choices() == [f"hs:petition:{code}", f"hs:end:{code}"]

    # The bot stays out of the way: a procedure question is relayed, not answered.
    assert await world.say("thủ tục thành lập công ty cổ phần") == []
    [relayed] = _in_topic(await world.sent(), code)
    assert relayed.text == f"💬 Doanh nghiệp ({code}):\nthủ tục thành lập công ty cổ phần"

    assert await world.staff_say(AGENT, "Chào anh, hồ sơ đang được thẩm định.", thread=thread) == []
    assert _to_business(await world.sent()) == ["👤 Lan: Chào anh, hồ sơ đang được thẩm định."]
    # Another agent's message in the topic does not reach the business (a supervisor's does).
    async with world.sessions.begin() as session:
        await add_staff(
            session, channel="telegram", user_id="13", name="Hà", role="agent", now=world.clock()
        )
    [not_yours] = await world.staff_say("13", "Để tôi xem", thread=thread)
    assert "do Lan phụ trách" in not_yours.text
    assert _to_business(await world.sent()) == []
    assert await world.staff_say(SUPERVISOR, "Tôi bổ sung: hạn là thứ Sáu.", thread=thread) == []
    assert _to_business(await world.sent()) == ["👤 Minh: Tôi bổ sung: hạn là thứ Sáu."]


async def test_the_officer_ends_it_with_a_summary_and_the_bot_answers_again(world: World) -> None:
    code, thread = await _ask_for_a_person(world)
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    [prompt] = await world.staff_press(AGENT, f"hs:end:{code}", thread=thread)
    assert "Gõ một câu tóm tắt" in prompt.text
    await world.sent()
    assert await world.staff_say(AGENT, "Đã hướng dẫn bổ sung bản vẽ.", thread=thread) == []
    sent = await world.sent()
    [ended] = _to_business(sent)
    assert "Tóm tắt: Đã hướng dẫn bổ sung bản vẽ." in ended
    assert [s.text for s in _in_topic(sent, code)] == [
        f"✅ Lan đã kết thúc cuộc trò chuyện {code}."
    ]
    chat = await _chat(world)
    assert (chat.status, chat.end_reason, chat.summary) == (
        "ended",
        "officer",
        "Đã hướng dẫn bổ sung bản vẽ.",
    )
    assert (chat.messages, chat.questions) == ([], [])
    # Back to the bot: a question gets its answer card, and the officer's line is not relayed.
    [card] = await world.say("thủ tục thành lập công ty cổ phần")
    assert "Thành lập" in card.text or "thành lập" in card.text
    [over] = await world.staff_say(AGENT, "Anh còn đó không?", thread=thread)
    assert over.text == f"Cuộc trò chuyện {code} đã kết thúc."
    # The check that the officer is still there went with the chat.
    await world.sent()
    await world.at(MONDAY_9 + timedelta(hours=2))
    assert await world.sent() == []


async def test_nobody_in_time_offers_a_petition_that_keeps_what_was_written(world: World) -> None:
    code, thread = await _ask_for_a_person(world)
    await world.say("Công trình của tôi bị đình chỉ không rõ lý do")
    file = Attachment("document", "file-qd", name="quyet-dinh.pdf", mime_type="application/pdf")
    await world._handle(Incoming(channel="telegram", user_id=BUSINESS, attachments=(file,)))
    await world.sent()

    await world.at(MONDAY_9 + timedelta(minutes=4))
    assert await world.sent() == []
    await world.at(MONDAY_9 + timedelta(minutes=5))
    sent = await world.sent()
    [offer] = [s for s in sent if s.recipient == BUSINESS]
    assert "5 phút qua chưa có cán bộ nào rảnh" in offer.text
    assert "được giữ lại" in offer.text
    assert offer.choices() == ["menu:petition", "menu:main"]
    assert "Không ai nhận" in _in_topic(sent, code)[0].text
    [late] = await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    assert "đã kết thúc" in late.text

    [intro] = await world.press("menu:petition")
    assert "«Công trình của tôi bị đình chỉ không rõ lý do»" in intro.text
    await world.press("pf:topic:xaydung")
    [files] = await world.press("pf:keep")
    assert "pf:done" in choices(files)
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:0"):
        await world.press(step)
    [filed] = await world.press("pf:submit")
    petition = await world.petition(filed.text.split("Mã theo dõi: ")[1].split()[0])
    assert petition.description == "Công trình của tôi bị đình chỉ không rõ lý do"
    assert [a["name"] for a in petition.attachments] == ["quyet-dinh.pdf"]


async def test_an_officer_who_goes_quiet_ends_the_chat_and_what_was_written_is_kept(
    world: World,
) -> None:
    code, thread = await _ask_for_a_person(world)
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    world.clock.advance(minutes=20)
    await world.staff_say(AGENT, "Anh chờ tôi kiểm tra nhé.", thread=thread)
    await world.say("Vâng, hồ sơ số 45/2026")
    await world.sent()
    # Thirty minutes after the take the officer had written ten minutes before: not yet.
    await world.at(MONDAY_9 + timedelta(minutes=30))
    await world.at(MONDAY_9 + timedelta(minutes=49))
    assert await world.sent() == []
    await world.at(MONDAY_9 + timedelta(minutes=50))
    sent = await world.sent()
    [away] = [s for s in sent if s.recipient == BUSINESS]
    assert "Cán bộ chưa viết thêm gì trong 30 phút" in away.text
    assert away.choices() == ["menu:petition", "menu:main"]
    assert "tự kết thúc" in _in_topic(sent, code)[0].text
    assert (await _chat(world)).end_reason == "idle"
    [intro] = await world.press("menu:petition")
    assert "«Vâng, hồ sơ số 45/2026»" in intro.text


async def test_outside_the_hours_and_on_days_off_a_petition_is_offered_at_once(
    world: World,
) -> None:
    await world.roster()
    for moment in (
        datetime(2026, 11, 23, 7, 29, tzinfo=VN),  # before opening
        datetime(2026, 11, 23, 12, 0, tzinfo=VN),  # lunch
        datetime(2026, 11, 23, 17, 0, tzinfo=VN),  # closing time
        datetime(2026, 11, 28, 9, 0, tzinfo=VN),  # Saturday
        datetime(2027, 1, 1, 9, 0, tzinfo=VN),  # New Year's Day
    ):
        world.clock.now = moment
        [closed, intro] = await world.say("/canbo")
        assert "07:30–11:30, 13:30–17:00" in closed.text
        assert "lĩnh vực nào" in intro.text
        await world.say("/huy")
    assert await _chat(world) is None
    world.clock.now = datetime(2026, 11, 23, 7, 30, tzinfo=VN)
    [waiting] = await world.press("human")
    assert waiting.kind == "handoff:waiting"


async def test_huy_ends_it_and_both_sides_are_told(world: World) -> None:
    code, thread = await _ask_for_a_person(world)
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    await world.sent()
    [menu_again] = await world.say("/menu")
    assert "đang trò chuyện với cán bộ" in menu_again.text
    [left] = await world.say("/huy")
    assert left.text.startswith("Đã kết thúc cuộc trò chuyện với cán bộ.")
    [told] = _in_topic(await world.sent(), code)
    assert told.text == f"🚪 Doanh nghiệp đã kết thúc cuộc trò chuyện {code}."
    [refused] = await world.staff_say(AGENT, "Anh ơi?", thread=thread)
    assert refused.text == f"Cuộc trò chuyện {code} đã kết thúc."
    assert _to_business(await world.sent()) == []


async def test_leaving_while_waiting_cancels_the_wait(world: World) -> None:
    await _ask_for_a_person(world)
    await world.press("hb:leave")
    await world.sent()
    await world.at(MONDAY_9 + timedelta(minutes=10))
    assert await world.sent() == []
    assert (await _chat(world)).end_reason == "business"


async def test_the_officer_turns_the_chat_into_a_petition_with_the_conversation(
    world: World,
) -> None:
    code, thread = await _ask_for_a_person(world)
    await world.say("Kho xưởng chưa được nghiệm thu PCCC sau 45 ngày")
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    await world.staff_say(AGENT, "Anh gửi giúp số biên nhận.", thread=thread)
    await world.say("Biên nhận số 123/BN")
    await world.sent()

    [topics] = await world.staff_press(AGENT, f"hs:petition:{code}", thread=thread)
    assert f"hs:topic:{code}:pccc" in choices(topics)
    assert await world.staff_press(AGENT, f"hs:topic:{code}:pccc", thread=thread) == []
    sent = await world.sent()
    async with world.sessions() as session:
        petition = (await session.execute(select(Petition))).scalar_one()
        events = list(
            (await session.execute(select(PetitionEvent).order_by(PetitionEvent.id))).scalars()
        )
    assert (petition.topic, petition.assignee, petition.status) == ("pccc", AGENT, "assigned")
    assert (petition.channel, petition.user_id) == ("telegram", BUSINESS)
    assert "• Câu hỏi trước đó: thủ tục thành lập công ty cổ phần" in petition.description
    assert "• Doanh nghiệp: Kho xưởng chưa được nghiệm thu PCCC sau 45 ngày" in petition.description
    assert "• Cán bộ Lan: Anh gửi giúp số biên nhận." in petition.description
    assert [(e.kind, e.note) for e in events] == [
        ("filed", None),
        ("business_message", "[09:00 23/11/2026] Kho xưởng chưa được nghiệm thu PCCC sau 45 ngày"),
        ("staff_message", "[09:00 23/11/2026] Anh gửi giúp số biên nhận."),
        ("business_message", "[09:00 23/11/2026] Biên nhận số 123/BN"),
        ("claimed", "Lan"),
    ]
    [told] = _to_business(sent)
    assert f"Mã theo dõi: {petition.code}" in told
    # The petition's card opened its own topic; the chat's topic says where it went.
    assert any(s.thread == f"topic:petition:{petition.code}" for s in sent)
    assert f"đã thành phản ánh {petition.code}" in _in_topic(sent, code)[0].text
    chat = await _chat(world)
    assert (chat.end_reason, chat.petition_code, chat.messages) == ("petition", petition.code, [])
    # The business is back with the bot, and its petition is there.
    [mine] = await world.say("/cuatoi")
    assert petition.code in mine.text


async def test_the_officers_files_reach_the_business_and_one_too_big_for_its_door_waits(
    world: World,
) -> None:
    await world.roster()
    await world._handle(Incoming(channel="web", user_id="w1", text="gặp cán bộ"))
    code = (await _chat(world)).code
    thread = await _thread(world, code)
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    await world.sent()
    form = Attachment("document", "BQAC-1", name="mau-don.pdf", mime_type="application/pdf")
    assert await world.staff_say(AGENT, "Mẫu đơn đây ạ", thread=thread, attachments=(form,)) == []
    [sent] = [s for s in await world.sent() if s.recipient == "w1"]
    assert sent.text == "👤 Lan: Mẫu đơn đây ạ"
    assert sent.reply.document is not None
    assert (sent.reply.document.filename, sent.reply.document.ref) == (
        "mau-don.pdf",
        "telegram:BQAC-1",
    )
    plan = Attachment("document", "BQAC-2", name="ban-ve.pdf", size=30 * 1024 * 1024)
    [refused] = await world.staff_say(AGENT, None, thread=thread, attachments=(plan,))
    assert refused.text.startswith(
        "⚠️ Tệp «ban-ve.pdf» (30,0 MB) lớn hơn mức 20 MB có thể chuyển cho doanh nghiệp qua"
        " trang web / ki-ốt"
    )
    assert [s for s in await world.sent() if s.recipient == "w1"] == []


async def test_dulieu_shows_a_past_chats_summary_and_erases_it(world: World) -> None:
    code, thread = await _ask_for_a_person(world)
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    await world.staff_press(AGENT, f"hs:end:{code}", thread=thread)
    await world.staff_say(AGENT, "Đã hẹn anh Bình nộp bổ sung thứ Hai.", thread=thread)
    [shown] = await world.say("/dulieu")
    assert f"• {code} (23/11/2026): Đã hẹn anh Bình nộp bổ sung thứ Hai." in shown.text
    await world.press("pb:erase")
    [erased] = await world.press("data:confirm")
    assert "1 cuộc trò chuyện với cán bộ" in erased.text
    chat = await _chat(world)
    assert (chat.code, chat.summary, chat.user_id, chat.end_reason) == (code, None, "", "officer")
    [none] = await world.say("/dulieu")
    assert code not in none.text


async def test_someone_off_the_roster_can_neither_take_nor_talk(world: World) -> None:
    code, thread = await _ask_for_a_person(world)
    [refused] = await world.staff_press(OUTSIDER, f"hs:take:{code}", thread=thread)
    assert "chưa có trong danh sách cán bộ" in refused.text
    assert await world.staff_say(OUTSIDER, "Chào bạn", thread=thread) == []
    [first] = await world.staff_say(AGENT, "Chào bạn", thread=thread)
    assert "Bấm «Nhận trò chuyện» trước" in first.text
    assert _to_business(await world.sent()) == []


async def test_the_console_api_takes_talks_and_ends_through_the_same_service(
    world: World,
) -> None:
    code, _thread_id = await _ask_for_a_person(world)
    await world.say("Cần hỏi về đất đai")
    await world.sent()
    web_officer = service.Officer("lan@so.gov.vn", "Lan", channel="web")
    async with world.sessions.begin() as session:
        [waiting] = await service.queue(session)
        assert (waiting.code, waiting.status, waiting.questions[-1]) == (
            code,
            "waiting",
            "lệ phí đăng ký là bao nhiêu",
        )
        assert [m["text"] for m in waiting.messages] == ["Cần hỏi về đất đai"]
        took = await service.take(
            session, code, web_officer, now=world.clock(), settings=world.settings
        )
        sent = await service.send(
            session,
            code,
            web_officer,
            "Chào anh",
            now=world.clock(),
            settings=world.settings,
            echo=True,
        )
    assert (took.ok, sent.ok) == (True, True)
    sent_rows = await world.sent()
    assert _to_business(sent_rows)[-1] == "👤 Lan: Chào anh"
    assert "👤 Lan (trên web): Chào anh" in [s.text for s in _in_topic(sent_rows, code)]
    async with world.sessions.begin() as session:
        second = await service.take(
            session,
            code,
            service.Officer(AGENT, "Minh"),
            now=world.clock(),
            settings=world.settings,
        )
        assert (second.ok, second.text()) == (
            False,
            f"Cuộc trò chuyện {code} đã có Lan nhận trước, nên anh/chị không nhận được nữa.",
        )
        done = await service.end(
            session, code, web_officer, "Đã trả lời", now=world.clock(), settings=world.settings
        )
        assert done.ok
        assert await service.queue(session) == []
    # The business's conversation is the bot's again.
    [card] = await world.say("thủ tục thành lập công ty cổ phần")
    assert card.kind != "handoff:waiting"


@pytest.mark.parametrize(
    ("channel", "door", "locale", "why", "field"),
    [
        ("telegram", None, "vi", "chưa có cán bộ trò chuyện trực tiếp", "lĩnh vực nào"),
        ("web", "kiosk", "vi", "chưa có cán bộ trò chuyện trực tiếp", "lĩnh vực nào"),
        ("web", None, "en", "No officer chats live here", "What is it about"),
    ],
)
async def test_without_a_staff_group_the_button_says_why_then_opens_the_petition_form(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    channel: Channel,
    door: Door | None,
    locale: str,
    why: str,
    field: str,
) -> None:
    settings = Settings(environment="test")
    world = World(sessions, index, Clock(MONDAY_9), settings=settings, channel=channel, door=door)
    if locale == "en":
        await world.press("lang:en")
    [unavailable, intro] = await world.press("human")
    assert unavailable.kind == "handoff:not_here"
    assert (why in unavailable.text, settings.support_phone in unavailable.text) == (True, True)
    assert field in intro.text


@pytest.mark.postgres
async def test_on_postgresql_two_officers_take_at_once_while_the_business_writes(
    pg_url: str, index: ProcedureIndex
) -> None:
    engines = [create_engine(pg_url) for _ in range(3)]
    try:
        await upgrade(engines[0])
        factories = [session_factory(engine) for engine in engines]
        settings = Settings(environment="test", staff_chat_id=int(GROUP))
        clock = Clock(MONDAY_9)
        dialogues = [
            Dialogue(
                sessions=factory,
                index=index,
                settings=settings,
                clock=clock,
                appliers=effect_appliers(settings),
            )
            for factory in factories
        ]
        async with factories[0].begin() as session:
            for user, name in ((AGENT, "Lan"), ("13", "Hà")):
                await add_staff(
                    session, channel="telegram", user_id=user, name=name, role="agent", now=clock()
                )
        await dialogues[0].handle(Incoming(channel="telegram", user_id=BUSINESS, text="/canbo"))
        async with factories[0]() as session:
            code = (await session.execute(select(LiveChat.code))).scalar_one()

        def press(user: str) -> Incoming:
            choice = f"hs:take:{code}"
            return Incoming(channel="telegram", user_id=user, choice=choice, chat_id=GROUP)

        first, second, _ = await asyncio.gather(
            dialogues[1].handle(press(AGENT)),
            dialogues[2].handle(press("13")),
            dialogues[0].handle(Incoming(channel="telegram", user_id=BUSINESS, text="Xin chào")),
        )
        told = [reply.text for reply in (*first.replies, *second.replies)]
        async with factories[0]() as session:
            chat = (await session.execute(select(LiveChat))).scalar_one()
        assert told == [
            f"Cuộc trò chuyện {code} đã có {chat.assignee_name} nhận trước, nên anh/chị không"
            " nhận được nữa."
        ]
        assert (chat.status, [m["text"] for m in chat.messages]) == ("live", ["Xin chào"])
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Cho tôi gặp cán bộ", True),
        ("toi muon noi chuyen voi nguoi that", True),
        ("gặp cán bộ hỗ trợ", True),
        ("Talk to a person, please", True),
        ("human", True),
        ("thủ tục thành lập doanh nghiệp", False),
        ("cán bộ thuế hướng dẫn tôi nộp hồ sơ đăng ký thuế lần đầu cho công ty mới", False),
        ("người nước ngoài xin giấy phép lao động", False),
        ("thủ tục gặp người nhà đang bị tạm giam", False),
    ],
)
def test_short_messages_asking_for_a_person_are_told_from_questions(text: str, asks: bool) -> None:
    assert wants_person(text) is asks


async def test_in_english_the_business_is_put_through_and_told_in_english(world: World) -> None:
    await world.roster()
    await world.say("/en")
    [waiting] = await world.say("talk to a person")
    assert waiting.text.startswith("🙋 Asking a support officer to join, usually within 5 minutes.")
    code = (await _chat(world)).code
    thread = await _thread(world, code)
    await world.staff_press(AGENT, f"hs:take:{code}", thread=thread)
    assert _to_business(await world.sent())[-1].startswith("👤 Officer Lan has joined the chat.")
    [left] = await world.say("/huy")
    assert left.text == "The chat with the officer has ended. What next?"
    world.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=VN)
    [closed, intro] = await world.say("talk to a human")
    assert closed.text.startswith("🕐 Officers chat live 07:30–11:30, 13:30–17:00 on working days")
    assert "What is it about?" in intro.text


@pytest.mark.postgres
async def test_on_postgresql_two_chats_nobody_took_end_in_one_tick(
    pg_url: str, index: ProcedureIndex
) -> None:
    engine = create_engine(pg_url)
    try:
        await upgrade(engine)
        world = World(session_factory(engine), index, Clock(MONDAY_9))
        await world.roster()
        await world.say("gặp cán bộ")
        await world.say("Hồ sơ đất đai của tôi chậm", user="502")
        await world.say("gặp cán bộ", user="502")
        await world.say("Hồ sơ đất đai của tôi chậm", user="502")
        await world.sent()
        report = await world.at(MONDAY_9 + timedelta(minutes=5))
        assert report.done == 2
        offers = [s for s in await world.sent() if s.recipient in (BUSINESS, "502")]
        assert sorted((s.recipient, s.reply.kind) for s in offers) == [
            (BUSINESS, "handoff:ended"),
            ("502", "handoff:ended"),
        ]
        [intro] = await world.press("menu:petition", user="502")
        assert "«Hồ sơ đất đai của tôi chậm»" in intro.text
    finally:
        await engine.dispose()
