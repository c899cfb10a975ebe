"""Per-person limits at every door, as transcripts on a moved clock (no sleeps).

The suite turns the limits off (conftest); every test here sets them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import StarletteDeprecationWarning

from fakes.telegram_server import TelegramFake
from fakes.zalo_bot_server import ZaloBotFake
from support import Clock
from troly.bot.dialogue import Dialogue
from troly.bot.limits import RateLimits, handle_within_limits
from troly.bot.messages import Channel, Incoming
from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex
from zalo_support import BotChat, bot_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

HELP = "Cách dùng"
SLOW_DOWN = "Bạn gửi tin nhanh quá"
FLOODER = "f100d3r"
NEIGHBOUR = "n3ighb0ur"


def limited(**extra: Any) -> Settings:
    """Test settings with the limits on, the defaults unless told: people 20 a minute with a
    burst of 10, staff 120 with 40."""
    values: dict[str, Any] = {
        "rate_per_minute": 20,
        "rate_burst": 10,
        "rate_staff_per_minute": 120,
        "rate_staff_burst": 40,
        **extra,
    }
    return Settings(environment="test", **values)


class Door:
    """A door in front of the dialogue: ``await door.say(user, text)`` returns the replies."""

    def __init__(self, limits: RateLimits, dialogue: Dialogue, channel: Channel) -> None:
        self.limits = limits
        self.dialogue = dialogue
        self.channel: Channel = channel

    async def say(self, user: str, text: str, *, group: str | None = None) -> list[str]:
        incoming = Incoming(channel=self.channel, user_id=user, text=text, chat_id=group)
        handled = await handle_within_limits(self.limits, self.dialogue, incoming)
        return [reply.text for reply in handled.replies]


@pytest.fixture
def clock() -> Clock:
    return Clock()


def door(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    clock: Clock,
    settings: Settings,
    channel: Channel = "telegram",
) -> Door:
    dialogue = Dialogue(sessions=sessions, index=index, settings=settings, clock=clock)
    return Door(RateLimits(settings=settings, clock=clock), dialogue, channel)


def kind(replies: list[str]) -> str:
    """What one message got: an answer, the slow-down notice, or nothing."""
    if not replies:
        return "nothing"
    if replies[0].startswith(SLOW_DOWN):
        return "notice"
    return "answer" if replies[0].startswith(HELP) else replies[0][:20]


async def test_a_flooder_is_told_once_per_window_and_a_neighbour_is_not_affected(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> None:
    bot = door(sessions, index, clock, limited(rate_per_minute=6, rate_burst=3))

    flood = [kind(await bot.say(FLOODER, "/trogiup")) for _ in range(8)]
    neighbour = [kind(await bot.say(NEIGHBOUR, "/trogiup")) for _ in range(3)]
    clock.advance(seconds=10)  # one message's worth at 6 a minute, within the notice's window
    later = [kind(await bot.say(FLOODER, "/trogiup")) for _ in range(2)]
    clock.advance(seconds=60)  # a new window
    next_window = [kind(await bot.say(FLOODER, "/trogiup")) for _ in range(5)]

    assert flood == ["answer"] * 3 + ["notice"] + ["nothing"] * 4
    assert neighbour == ["answer"] * 3
    assert later == ["answer", "nothing"]
    # Sixty seconds refill six messages, but the bucket holds three.
    assert next_window == ["answer"] * 3 + ["notice", "nothing"]


async def test_the_notice_says_how_long_to_wait_in_the_conversations_language(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> None:
    bot = door(sessions, index, clock, limited(rate_per_minute=20, rate_burst=2))

    await bot.say(FLOODER, "/en")
    await bot.say(FLOODER, "/trogiup")
    [notice] = await bot.say(FLOODER, "/trogiup")

    assert notice == (
        "You are sending messages too fast (at most 20 a minute), so the assistant did not "
        "read your last one. Please wait about 3 seconds, then send again what has not been "
        "answered."
    )


async def test_messages_within_the_limit_are_all_handled(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> None:
    bot = door(sessions, index, clock, limited())

    burst = [kind(await bot.say(FLOODER, "/trogiup")) for _ in range(10)]
    steady = []
    for _ in range(30):
        clock.advance(seconds=3)  # 20 a minute
        steady.append(kind(await bot.say(FLOODER, "/trogiup")))

    assert burst == ["answer"] * 10
    assert steady == ["answer"] * 30


def test_staff_in_the_staff_group_have_their_own_larger_budget(clock: Clock) -> None:
    settings = limited(rate_burst=2, rate_staff_burst=6)
    limits = RateLimits(settings=settings, clock=clock)
    officer = Incoming(channel="telegram", user_id="42", text="ok", chat_id="-100777", thread="9")
    business = Incoming(channel="telegram", user_id="42", text="ok")

    as_staff = [limits.check(officer).allowed for _ in range(7)]
    in_private = [limits.check(business).allowed for _ in range(3)]

    assert as_staff == [True] * 6 + [False]
    assert in_private == [True, True, False]


def test_a_zero_rate_turns_the_limit_off(clock: Clock) -> None:
    limits = RateLimits(settings=limited(rate_per_minute=0), clock=clock)
    someone = Incoming(channel="web", user_id=FLOODER, text="x")

    assert all(limits.check(someone).allowed for _ in range(100))


# --------------------------------------------------------------------------- the web door

WEB = {"flooder": "f" * 32, "neighbour": "n" * 32}


@pytest.fixture
def web(tmp_path: Path, index: ProcedureIndex, clock: Clock) -> Iterator[TestClient]:
    settings = limited(database_url=f"sqlite:///{tmp_path / 'web.db'}")
    runtime = build_runtime(settings, index=index, clock=clock)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    with TestClient(app) as client:
        yield client


def post(client: TestClient, who: str, text: str) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/chat", json={"session": WEB[who], "text": text})
    body: dict[str, Any] = response.json()
    if response.status_code == 429:
        body["retry_after"] = response.headers["Retry-After"]
    return response.status_code, body


def test_a_flooding_web_session_gets_a_polite_429_and_a_neighbour_is_answered(
    web: TestClient, clock: Clock
) -> None:
    flood = [post(web, "flooder", "/trogiup")[0] for _ in range(10)]
    status, refused = post(web, "flooder", "/trogiup")
    neighbour = [post(web, "neighbour", "/trogiup")[0] for _ in range(10)]
    clock.advance(seconds=3)
    again, _ = post(web, "flooder", "/trogiup")

    assert flood == [200] * 10
    assert status == 429
    assert refused == {
        "error": "Bạn gửi nhanh quá nên trợ lý chưa nhận tin này: hãy chờ khoảng 3 giây rồi "
        "gửi lại. / You are sending too fast, so this message was not taken: wait about 3 "
        "seconds and send it again.",
        "retry_after": "3",
    }
    assert neighbour == [200] * 10
    assert again == 200


def test_a_file_from_a_flooding_web_session_is_turned_away_too(web: TestClient) -> None:
    for _ in range(10):
        post(web, "flooder", "/trogiup")

    response = web.post(
        "/api/chat/file",
        data={"session": WEB["flooder"], "text": "ảnh hiện trường"},
        files={"file": ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
    )

    assert response.status_code == 429
    assert response.json()["error"].startswith("Bạn gửi nhanh quá nên trợ lý chưa nhận tin này")


def test_a_web_session_within_the_limit_gets_every_answer(web: TestClient, clock: Clock) -> None:
    statuses = []
    for _ in range(40):
        clock.advance(seconds=3)
        statuses.append(post(web, "flooder", "/trogiup")[0])

    assert statuses == [200] * 40


# --------------------------------------------------------------------------- chat platforms


async def test_a_telegram_flooder_gets_one_notice_and_the_answers_within_the_limit(
    tmp_path: Path, index: ProcedureIndex, clock: Clock
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        settings = limited(
            rate_burst=2,
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
        )
        runtime = build_runtime(settings, index=index, clock=clock)
        app, _ = create_app(settings, runtime=runtime, scheduler=False)
        async with app.router.lifespan_context(app):
            for _ in range(5):
                await fake.user_says(1001, "/trogiup")
            await fake.user_says(1002, "/trogiup")
            said = await fake.wait_for_messages(1001, 3)
            [neighbour] = await fake.wait_for_messages(1002, 1)

    texts = [message["text"] for message in said]
    assert sorted(kind([text]) for text in texts) == ["answer", "answer", "notice"]
    assert neighbour["text"].startswith(HELP)
    assert fake.errors == []


async def test_a_zalo_flooder_gets_one_notice_and_the_answers_within_the_limit(
    tmp_path: Path, index: ProcedureIndex, clock: Clock
) -> None:
    async with (
        ZaloBotFake(clock=clock) as fake,
        bot_app(tmp_path, fake, clock=clock, index=index, rate_per_minute=20, rate_burst=2) as rt,
    ):
        chat = BotChat(rt, fake, "z1")
        first = await chat.say("/trogiup")
        second = await chat.say("/trogiup")
        third = await chat.say("/trogiup")
        fourth = await chat.say("/trogiup", replies=0)
        clock.advance(seconds=3)
        fifth = await chat.say("/trogiup")

    assert [kind([s.text for s in said]) for said in (first, second, third)] == [
        "answer",
        "answer",
        "notice",
    ]
    assert fourth == []
    assert kind([s.text for s in fifth]) == "answer"
    assert fake.errors == []


def test_many_people_at_once_are_each_limited_and_those_who_left_are_forgotten(
    clock: Clock,
) -> None:
    limits = RateLimits(settings=limited(rate_per_minute=60, rate_burst=1), clock=clock)

    def says(user: int) -> bool:
        return limits.check(Incoming(channel="web", user_id=f"s{user}", text="x")).allowed

    first = [says(user) for user in range(12_000)]
    again = [says(user) for user in range(0, 12_000, 1000)]
    clock.advance(seconds=2)  # everyone's bucket has refilled
    later = [says(user) for user in range(12_000, 24_000)]
    back = [says(user) for user in range(0, 12_000, 1000)]

    assert all(first)
    assert not any(again)
    assert all(later)
    assert all(back)
