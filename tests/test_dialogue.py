"""Transcripts through the channel-blind dialogue core: ask, menu, language, cancel."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from support import Chat, Clock, choices
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Attachment, Incoming
from troly.bot.outbox import Outbox
from troly.bot.settings import Settings
from troly.bot.storage.database import session_factory
from troly.bot.storage.models import Conversation, OutboxMessage, QuestionLog
from troly.bot.texts import t
from troly.bot.wiring import open_petition
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dialogue(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> Dialogue:
    settings = Settings(environment="test", max_question_chars=500)
    return Dialogue(sessions=sessions, index=index, settings=settings, clock=clock)


@pytest.fixture
def chat(dialogue: Dialogue) -> Chat:
    return Chat(dialogue)


async def test_start_greets_in_vietnamese_with_the_menu(chat: Chat) -> None:
    [reply] = await chat.press("an", "start")
    assert "Xin chào" in reply.text
    assert "menu:ask" in choices(reply)
    assert "human" in choices(reply)


async def test_a_question_naming_a_procedure_gets_a_first_card_on_one_screen(chat: Chat) -> None:
    [reply] = await chat.say("an", "khôi phục mã số thuế")
    assert reply.kind == "procedure:1.008510"
    assert reply.text.splitlines()[0] == "📄 Khôi phục mã số thuế"
    assert "⏱ Thời hạn:" in reply.text
    assert "💰 Lệ phí:" in reply.text
    assert len(reply.text) <= 700
    assert choices(reply)[:3] == [
        "sec:1.008510:docs:0",
        "sec:1.008510:steps:0",
        "sec:1.008510:legal:0",
    ]
    assert "menu:ask" in choices(reply)
    assert len(reply.all_buttons()) <= 5


async def test_a_documents_question_gets_the_documents_page_by_page(chat: Chat) -> None:
    [reply] = await chat.say("an", "thủ tục khôi phục mã số thuế cần giấy tờ gì")
    assert reply.kind == "procedure:1.008510"
    assert reply.text.splitlines()[:2] == [
        "📑 Hồ sơ cần chuẩn bị (trang 1/2)",
        "📄 Khôi phục mã số thuế",
    ]
    [more] = [c for c in choices(reply) if c.endswith(":docs:1")]
    [page_two] = await chat.press("an", more)
    assert page_two.text.startswith("📑 Hồ sơ cần chuẩn bị (trang 2/2)")
    assert not [c for c in choices(page_two) if c.endswith(":docs:2")]


async def test_a_follow_up_aspect_question_answers_for_the_procedure_just_shown(chat: Chat) -> None:
    await chat.say("an", "khôi phục mã số thuế")
    [reply] = await chat.say("an", "phí bao nhiêu")
    assert reply.kind == "procedure:1.008510"
    assert reply.text.splitlines()[:2] == ["📄 Khôi phục mã số thuế", "💰 Phí, lệ phí"]
    assert "Thời hạn" not in reply.text
    assert "asp:1.008510:time" in choices(reply)


async def test_the_card_and_its_buttons_speak_english_in_english(chat: Chat) -> None:
    await chat.say("an", "/en")
    [reply] = await chat.say("an", "household business registration")
    assert reply.kind == "procedure:1.001612"
    assert "⏱ Processing time: 3 working days" in reply.text
    labels = [b.label for b in reply.all_buttons()]
    assert "📑 Documents to prepare" in labels
    assert "🌐 Submit online" in labels
    [fee] = await chat.press("an", "asp:1.001612:fee")
    assert fee.text.splitlines()[1] == "💰 Fees"
    assert "150.000 VND" in fee.text


async def test_an_aspect_question_with_no_procedure_asks_which_one(chat: Chat) -> None:
    [reply] = await chat.say("binh", "mất bao lâu")
    assert "thủ tục nào" in reply.text


async def test_an_unclear_question_offers_choices_and_a_press_shows_the_card(chat: Chat) -> None:
    # Construction permits and railway-crossing permits are both "giấy phép xây dựng".
    [reply] = await chat.say("an", "gia han giay phep xay dung")
    assert reply.kind == "choose"
    assert "Ý bạn là" in reply.text
    procedure_choices = [c for c in choices(reply) if c.startswith("proc:")]
    assert 2 <= len(procedure_choices) <= 4
    [card] = await chat.press("an", procedure_choices[0])
    assert card.kind == f"procedure:{procedure_choices[0].split(':')[1]}"


async def test_an_out_of_scope_question_says_it_does_not_know_and_offers_a_person(
    chat: Chat,
) -> None:
    [reply] = await chat.say("an", "hôm nay trời Hà Nội có lạnh không")
    assert reply.kind == "unknown"
    assert "chưa tìm thấy" in reply.text
    [contact, intro] = await chat.press("an", "human")
    assert ("1800 1096" in contact.text, "1800 1096" in intro.text) == (True, True)


async def test_language_switch_sticks_for_the_conversation(chat: Chat) -> None:
    [switched] = await chat.say("an", "/en")
    assert switched.text == "Switched to English."
    [reply] = await chat.say("an", "hello")
    assert reply.text.startswith("Hello! I am the province's Business Assistant")
    [back] = await chat.press("an", "lang:vi")
    assert back.text == "Đã chuyển sang tiếng Việt."


async def test_cancel_works_from_anywhere_and_always_answers(chat: Chat) -> None:
    [nothing] = await chat.say("an", "/huy")
    assert "Không có thao tác nào" in nothing.text
    [word] = await chat.say("an", "hủy")
    assert "menu:ask" in choices(word)


async def test_deep_link_opens_a_procedure_card(chat: Chat) -> None:
    [reply] = await chat.say("an", "/start p_1_001612")
    assert reply.kind == "procedure:1.001612"
    assert "Đăng ký thành lập hộ kinh doanh" in reply.text


async def test_expired_or_unknown_buttons_get_help_not_silence(chat: Chat) -> None:
    [gone] = await chat.press("an", "proc:9.999999")
    assert "không tìm thấy thủ tục" in gone.text
    [odd] = await chat.press("an", "zz:top")
    assert "hết hiệu lực" in odd.text


async def test_a_too_long_question_gets_a_polite_limit(chat: Chat) -> None:
    [reply] = await chat.say("an", "thuế " * 200)
    assert "dài quá" in reply.text
    assert "500" in reply.text


async def test_a_photo_without_text_gets_help(dialogue: Dialogue) -> None:
    incoming = Incoming(channel="web", user_id="an", attachments=(Attachment("photo", "f1"),))
    handled = await dialogue.handle(incoming)
    assert "Cách dùng" in handled.replies[0].text


async def test_unknown_command_gets_help(chat: Chat) -> None:
    [reply] = await chat.say("an", "/xyz")
    assert "Cách dùng" in reply.text


async def test_a_redelivered_event_is_handled_once(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await chat.say("an", "khôi phục mã số thuế", event_id="upd-1")
    second = await chat.say("an", "khôi phục mã số thuế", event_id="upd-1")
    assert len(first) == 1
    assert second == []
    async with sessions() as session:
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        logged = await session.scalar(select(func.count()).select_from(QuestionLog))
    assert outbox == 1
    assert logged == 1


async def test_every_button_payload_fits_telegram_callback_data(chat: Chat) -> None:
    replies = [
        *await chat.press("an", "start"),
        *await chat.say("an", "đăng ký hộ kinh doanh"),
        *await chat.say("an", "khôi phục mã số thuế"),
        *await chat.say("an", "xyz không biết"),
    ]
    payloads = [c for reply in replies for c in choices(reply)]
    assert payloads
    assert all(1 <= len(c.encode("utf-8")) <= 64 for c in payloads)


async def test_state_and_replies_are_written_in_one_transaction(
    chat: Chat, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await chat.say("an", "khôi phục mã số thuế")
    async with sessions() as session:
        conversation = await session.scalar(select(Conversation))
        rows = list(await session.scalars(select(OutboxMessage)))
    assert conversation is not None
    assert conversation.draft == {
        "last_code": "1.008510",
        "recent_questions": ["khôi phục mã số thuế"],
    }
    assert conversation.version == 1
    assert [r.status for r in rows] == ["pending"]
    assert rows[0].payload["kind"] == "procedure:1.008510"


async def test_a_web_question_is_five_statements_the_open_petition_asked_with_the_conversation(
    engine: AsyncEngine, index: ProcedureIndex, clock: Clock
) -> None:
    sessions = session_factory(engine)
    outbox = Outbox(sessions=sessions, senders={}, clock=clock)
    dialogue = Dialogue(
        sessions=sessions,
        index=index,
        settings=Settings(environment="test"),
        clock=clock,
        open_petition=open_petition(),
        may_hold=outbox.may_hold,
    )
    await dialogue.handle(Incoming(channel="web", user_id="an", text="xin chào", event_id="m1"))
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        verb = statement.split()[0]
        tables = sorted(set(re.findall(r"(?:FROM|INTO|UPDATE) (\w+)", statement)))
        statements.append(f"{verb} {'+'.join(tables)}")

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        question = Incoming(channel="web", user_id="an", text="khôi phục mã số thuế", event_id="m2")
        handled = await dialogue.handle(question, in_response=True)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert handled.replies[0].kind == "procedure:1.008510"
    # The web chat's rows are never held: no release; the open petition rides along.
    assert statements == [
        "INSERT processed_events",
        "SELECT conversations+petitions",
        "INSERT question_log",
        "INSERT outbox",
        "UPDATE conversations",
    ]


async def test_one_users_messages_are_handled_in_order_under_concurrency(
    dialogue: Dialogue, sessions: async_sessionmaker[AsyncSession]
) -> None:
    import asyncio

    texts = [f"/hoi khôi phục mã số thuế {i}" for i in range(8)]
    await asyncio.gather(
        *(dialogue.handle(Incoming(channel="web", user_id="an", text=t)) for t in texts)
    )
    async with sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.version == 8


@pytest.mark.parametrize("text", ["xin chào", "Chào bạn!", "chao ban", "hello", "Alô"])
async def test_a_greeting_is_greeted_back_not_matched_to_a_procedure(chat: Chat, text: str) -> None:
    [reply] = await chat.say("an", text)
    assert reply.text.startswith("Xin chào! Tôi là Trợ lý Doanh nghiệp")
    assert "menu:ask" in choices(reply)


@pytest.mark.parametrize(("text", "start"), [("cảm ơn bạn nhiều ạ", "Rất vui"), ("ok", "Vâng")])
async def test_thanks_and_ok_get_a_short_polite_answer(chat: Chat, text: str, start: str) -> None:
    [reply] = await chat.say("an", text)
    assert reply.text.startswith(start)
    assert "menu:ask" in choices(reply)


@pytest.mark.parametrize("text", ["👍", "🙂🙂🙂", "❤️ !"])
async def test_an_emoji_only_message_gets_a_friendly_line_and_the_menu(
    chat: Chat, text: str
) -> None:
    [reply] = await chat.say("an", text)
    await chat.say("an", "/en")
    [english] = await chat.say("an", text)

    assert reply.text.startswith("🙂 Tôi giúp được bạn")
    assert "chưa tìm thấy" not in reply.text
    assert english.text.startswith("🙂 I can help you")
    assert ("menu:ask" in choices(reply), "menu:ask" in choices(english)) == (True, True)


async def test_a_question_that_starts_like_a_greeting_is_still_a_question(chat: Chat) -> None:
    [reply] = await chat.say("an", "chào bán chứng quyền có bảo đảm")
    assert not reply.text.startswith("Xin chào")
    assert "chứng quyền" in reply.text.lower()


async def test_help_names_every_command_and_english_contacts_are_in_english(chat: Chat) -> None:
    [help_vi] = await chat.say("an", "/help")
    for command in ("/phananh", "/tracuu", "/cuatoi", "/dangky", "/lichcuatoi", "/dulieu", "/huy"):
        assert command in help_vi.text
    await chat.say("an", "/en")
    [person, intro] = await chat.press("an", "human")
    assert "office hours, Monday to Friday" in person.text + intro.text
    assert "giờ hành chính" not in person.text + intro.text


def test_every_flow_a_conversation_can_be_in_names_the_steps_it_may_wait_at() -> None:
    # A stored state whose flow is missing here is not loaded: the conversation would start
    # again with an apology at every message.
    from troly.bot.router import FILE_STEPS, FLOWS, STAFF_FLOWS, STEPS

    assert {*FLOWS, *STAFF_FLOWS, *FILE_STEPS} - {""} - set(STEPS) == set()


async def test_short_follow_ups_are_about_the_procedure_just_shown(chat: Chat) -> None:
    await chat.say("an", "khôi phục mã số thuế")

    [fee] = await chat.say("an", "thế còn lệ phí?")
    [where] = await chat.say("an", "nộp ở đâu?")
    [time] = await chat.say("an", "bao nhiêu ngày thì có")
    [online] = await chat.say("an", "có làm online được không")

    assert [r.kind for r in (fee, where, time, online)] == ["procedure:1.008510"] * 4
    assert fee.text.splitlines()[1] == "💰 Phí, lệ phí"
    assert where.text.splitlines()[1].startswith("Dữ liệu không ghi địa chỉ tiếp nhận")
    assert where.text.splitlines()[2].startswith("🏢 Cơ quan giải quyết: ")
    assert time.text.splitlines()[1:] == ["⏱ Thời hạn giải quyết", "3 ngày làm việc"]
    assert online.text.splitlines()[1].startswith("🌐 Thủ tục này có kênh nộp trực tuyến")
    assert [b.label for b in online.all_buttons() if b.url] == ["🌐 Nộp trực tuyến"]


async def test_a_question_about_something_else_ends_the_context(chat: Chat) -> None:
    await chat.say("an", "khôi phục mã số thuế")
    [other] = await chat.say("an", "đăng ký thành lập hộ kinh doanh")
    [fee] = await chat.say("an", "thế còn lệ phí?")
    assert (other.kind, fee.kind) == ("procedure:1.001612", "procedure:1.001612")

    [offer] = await chat.say("an", "gia han giay phep xay dung")
    assert offer.kind == "choose"
    [which] = await chat.say("an", "lệ phí?")
    assert "thủ tục nào" in which.text


@pytest.mark.parametrize("typed", ["2", "số 2", "cái thứ hai"])
async def test_typing_a_number_under_the_choices_picks_that_choice(chat: Chat, typed: str) -> None:
    [offer] = await chat.say("an", "gia han giay phep xay dung")
    second = [c for c in choices(offer) if c.startswith("proc:")][1].split(":")[1]

    [card] = await chat.say("an", typed)

    assert card.kind == f"procedure:{second}"
    [first_too] = await chat.say("an", "1")
    assert first_too.kind != card.kind


async def test_follow_ups_work_in_english(chat: Chat) -> None:
    await chat.say("an", "/en")
    await chat.say("an", "household business registration")

    [fee] = await chat.say("an", "what about the fee?")
    [time] = await chat.say("an", "how long?")

    assert fee.kind == time.kind == "procedure:1.001612"
    assert fee.text.splitlines()[1] == "💰 Fees"
    assert time.text.splitlines()[1:] == ["⏱ Processing time", "3 working days"]


async def test_asking_about_another_procedure_ends_the_context(chat: Chat) -> None:
    [card] = await chat.say("an", "khôi phục mã số thuế")
    assert "menu:ask" in choices(card)

    [prompt] = await chat.press("an", "menu:ask")
    [which] = await chat.say("an", "thế còn lệ phí?")

    assert prompt.text == t("menu.ask_prompt", "vi")
    assert which.text == t("ask.which_procedure", "vi")
