"""The staff roster and the staff group: who may act, and replies that stay in the topic."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fakes.telegram_server import TelegramFake
from support import Clock
from troly.bot import router
from troly.bot.dialogue import Dialogue
from troly.bot.effects import Applied, EffectResult
from troly.bot.flows.base import Context, Outcome, State
from troly.bot.messages import Incoming, Reply
from troly.bot.settings import Settings
from troly.bot.staff import acting_staff, add_staff, list_staff, remove_staff, staff_role
from troly.bot.texts import t
from troly.bot.wiring import effect_appliers
from troly.handlers import cli
from troly.handlers.app import create_app
from troly.knowledge.index import ProcedureIndex

GROUP = "-1001234"


@dataclass(frozen=True)
class Poke:
    """A test-only staff action: any roster member may poke; supervisors may poke hard."""

    hard: bool


async def apply_poke(effect: Poke, applied: Applied) -> EffectResult:
    member = await acting_staff(applied, role="supervisor" if effect.hard else None)
    if member is None:
        key = "staff.supervisor_only" if effect.hard else "staff.not_authorised"
        return EffectResult((Reply(t(key, applied.state.locale)),))
    return EffectResult((Reply(f"poked by {member.name}"),))


def poke(state: State, rest: str, _ctx: Context) -> Outcome:
    return Outcome(state, effects=(Poke(hard=rest == "hard"),))


@pytest.fixture
def dialogue(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    monkeypatch: pytest.MonkeyPatch,
) -> Dialogue:
    monkeypatch.setitem(router.STAFF_CHOICES, "poke", poke)
    return Dialogue(
        sessions=sessions,
        index=index,
        settings=Settings(environment="test"),
        clock=Clock(),
        appliers={**effect_appliers(Settings(environment="test")), Poke: apply_poke},
    )


def in_group(user: str, *, text: str | None = None, choice: str | None = None) -> Incoming:
    return Incoming(
        channel="telegram", user_id=user, text=text, choice=choice, chat_id=GROUP, thread="77"
    )


async def test_the_roster_adds_updates_lists_and_removes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = Clock()()
    async with sessions.begin() as session:
        await add_staff(session, channel="telegram", user_id="1", name="Lan", role="agent", now=now)
        await add_staff(
            session, channel="telegram", user_id="2", name="Minh", role="agent", now=now
        )
        await add_staff(
            session, channel="telegram", user_id="2", name="Minh", role="supervisor", now=now
        )
    async with sessions.begin() as session:
        names = [(m.name, m.role) for m in await list_staff(session)]
        assert names == [("Minh", "supervisor"), ("Lan", "agent")]
        assert await remove_staff(session, channel="telegram", user_id="1") is True
        assert await remove_staff(session, channel="telegram", user_id="9") is False
    async with sessions() as session:
        assert await staff_role(session, "telegram", "1") is None
        assert await staff_role(session, "telegram", "2") == "supervisor"


async def test_a_member_of_the_group_not_on_the_roster_cannot_act(dialogue: Dialogue) -> None:
    handled = await dialogue.handle(in_group("5", choice="poke:soft"))
    [reply] = handled.replies
    assert reply.text == t("staff.not_authorised", "vi")


async def test_an_agent_acts_and_the_reply_stays_in_the_groups_topic(
    dialogue: Dialogue, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await add_staff(
            session, channel="telegram", user_id="5", name="Lan", role="agent", now=Clock()()
        )
    [reply] = (await dialogue.handle(in_group("5", choice="poke:soft"))).replies
    assert reply.text == "poked by Lan"
    [refused] = (await dialogue.handle(in_group("5", choice="poke:hard"))).replies
    assert refused.text == t("staff.supervisor_only", "vi")
    from sqlalchemy import select

    from troly.bot.storage.models import Conversation, OutboxMessage

    async with sessions() as session:
        rows = list((await session.execute(select(OutboxMessage))).scalars())
        keys = list((await session.execute(select(Conversation.user_id))).scalars())
    assert {(r.recipient, r.thread) for r in rows} == {(GROUP, "77")}
    # The officer's conversation is the one of this topic (a prompt waits for its reply here).
    assert keys == [f"{GROUP}/77/5"]


async def test_the_bot_stays_quiet_about_chatter_and_answers_id_in_the_group(
    dialogue: Dialogue,
) -> None:
    assert (await dialogue.handle(in_group("5", text="chào cả nhà"))).replies == ()
    [reply] = (await dialogue.handle(in_group("5", text="/id"))).replies
    assert "5" in reply.text
    assert "troly staff add 5" in reply.text
    [expired] = (await dialogue.handle(in_group("5", choice="nothing:here"))).replies
    assert expired.text == t("staff.expired", "vi")


async def test_a_private_chat_and_a_group_conversation_of_one_person_are_separate(
    dialogue: Dialogue,
) -> None:
    await dialogue.handle(Incoming(channel="telegram", user_id="5", text="/hoi"))
    [reply] = (await dialogue.handle(in_group("5", text="/huy"))).replies
    assert reply.text == t("menu.nothing_to_cancel", "vi")


def test_staff_cli_adds_lists_and_removes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{tmp_path / 'staff.db'}")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert cli.main(["staff", "add", "42", "--name", "Nguyễn Lan", "--role", "supervisor"]) == 0
    assert cli.main(["staff", "add", "abc", "--name", "X"]) == 2
    assert cli.main(["staff", "list"]) == 0
    assert "telegram\t42\tsupervisor\tNguyễn Lan" in out.getvalue()
    assert cli.main(["staff", "remove", "42"]) == 0
    assert cli.main(["staff", "remove", "42"]) == 1


def test_staff_group_updates_become_group_messages_and_other_groups_are_ignored() -> None:
    from telegram import Bot, Update

    from troly.handlers.telegram import to_incoming

    data = json.loads(
        '{"update_id": 11, "message": {"message_id": 3, "date": 1, "message_thread_id": 77,'
        ' "is_topic_message": true, "text": "Đã nhận, sẽ trả lời trong ngày",'
        ' "from": {"id": 5, "is_bot": false, "first_name": "Lan"},'
        ' "chat": {"id": -1001234, "type": "supergroup", "is_forum": true, "title": "Cán bộ"}}}'
    )
    update = Update.de_json(data, Bot("1:x"))
    incoming = to_incoming(update, staff_chat_id=-1001234)
    assert incoming is not None
    assert (incoming.user_id, incoming.chat_id, incoming.thread) == ("5", GROUP, "77")
    assert to_incoming(update, staff_chat_id=-1009999) is None
    assert to_incoming(update) is None


def test_an_edited_message_is_not_handled_again() -> None:
    from telegram import Bot, Update

    from troly.handlers.telegram import ALLOWED_UPDATES, to_incoming

    message = (
        '{"message_id": 3, "date": 1, "edit_date": 2, "message_thread_id": 77,'
        ' "is_topic_message": true, "text": "Hẹn anh thứ Tư (sửa lỗi chính tả)",'
        ' "from": {"id": 5, "is_bot": false, "first_name": "Lan"},'
        ' "chat": {"id": -1001234, "type": "supergroup", "is_forum": true, "title": "Cán bộ"}}'
    )
    edited = Update.de_json(
        json.loads(f'{{"update_id": 12, "edited_message": {message}}}'), Bot("1:x")
    )
    assert to_incoming(edited, staff_chat_id=-1001234) is None
    assert "edited_message" not in ALLOWED_UPDATES


async def test_id_in_the_staff_forum_is_answered_in_its_topic_through_telegram(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(-1001234, forum=True, bot_can_manage_topics=True)
        topic = fake.add_topic(-1001234, "PA-TEST")
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
            staff_chat_id=-1001234,
        )
        app, _runtime = create_app(settings, scheduler=False)
        async with app.router.lifespan_context(app):
            await fake.group_member_says(-1001234, 5, "/id", thread_id=topic)
            [message] = await fake.wait_for_messages(-1001234, 1)
            assert "troly staff add 5" in message["text"]
            assert message["message_thread_id"] == topic
        assert fake.errors == []
