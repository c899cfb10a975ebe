"""The kiosk tells itself apart: the page says it is the kiosk with every message, and on every
step the assistant points at the screen's «Làm lại từ đầu» button, never at "Gõ /huy"."""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import StarletteDeprecationWarning

from petition_world import AGENT, BUSINESS, World
from support import VN, Clock
from troly.bot.handoff.model import LiveChat
from troly.bot.settings import Settings
from troly.bot.texts import catalogue
from troly.handlers.app import build_runtime, create_app
from troly.handlers.web import to_incoming
from troly.knowledge.index import ProcedureIndex

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SESSION = "6b696f736b2d646f6f722d7465737431"
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.fixture
def client(tmp_path: Path, index: ProcedureIndex) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'kiosk.db'}")
    runtime = build_runtime(settings, index=index)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    with TestClient(app) as client:
        yield client


def say(client: TestClient, *, kiosk: bool, locale: str, **message: Any) -> list[str]:
    door = {"door": "kiosk"} if kiosk else {}
    body = {"session": SESSION + ("k" if kiosk else "w"), "locale": locale, **door, **message}
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()["replies"]]


STEPS: list[dict[str, str]] = [
    {"choice": "start"},
    {"choice": "menu:help"},
    {"text": "/trogiup"},
    {"choice": "menu:petition"},
    {"choice": "cancel"},
    {"choice": "menu:dossier"},
]


@pytest.mark.parametrize(
    ("locale", "restart", "typed"),
    [("vi", "«Làm lại từ đầu»", "/huy"), ("en", "«Start again»", "/")],
)
def test_every_kiosk_step_points_at_the_restart_button_where_the_web_says_type_huy(
    client: TestClient, locale: str, restart: str, typed: str
) -> None:
    if locale == "en":
        say(client, kiosk=True, locale="en", choice="lang:en")
        say(client, kiosk=False, locale="en", choice="lang:en")
    kiosk = [say(client, kiosk=True, locale=locale, **step) for step in STEPS]
    web = [say(client, kiosk=False, locale=locale, **step) for step in STEPS]

    said = "\n".join(text for texts in kiosk for text in texts)
    assert COMMAND.findall(said) == []
    # The welcome, the help and the petition's intro name the button instead.
    assert [restart in "\n".join(texts) for texts in kiosk[:4]] == [True, True, True, True]
    assert all(typed in "\n".join(texts) for texts in (web[0], web[1], web[3]))


def test_the_door_flag_takes_only_the_kiosk() -> None:
    kiosk = to_incoming({"session": "s1", "text": "hi", "door": "kiosk"}, max_chars=100)
    other = to_incoming({"session": "s1", "text": "hi", "door": "admin"}, max_chars=100)
    plain = to_incoming({"session": "s1", "text": "hi"}, max_chars=100)

    assert (kiosk.door, other.door, plain.door) == ("kiosk", None, None)


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(MONDAY_9), channel="web", door="kiosk")


@pytest.mark.parametrize(
    ("locale", "restart", "below"),
    [("vi", "«Làm lại từ đầu»", "nút dưới đây"), ("en", "«Start again»", "button below")],
)
async def test_a_kiosk_chat_with_an_officer_never_says_type_huy(
    world: World, locale: str, restart: str, below: str
) -> None:
    await world.roster()
    if locale == "en":
        await world.press("lang:en")
    [waiting] = await world.say("/canbo")
    [reminder] = await world.press("menu:booking")
    async with world.sessions() as session:
        code = (await session.execute(select(LiveChat.code))).scalar_one()
    await world.staff_press(AGENT, f"hs:take:{code}", thread="777")
    taken = [s.text for s in await world.sent() if s.recipient == BUSINESS]
    [live] = await world.press("menu:booking")

    said = [waiting.text, reminder.text, *taken, live.text]
    assert [COMMAND.findall(text) for text in said] == [[], [], [], []]
    assert (restart in waiting.text, below in reminder.text, restart in taken[0]) == (
        True,
        True,
        True,
    )
    assert below in live.text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_each_kiosk_sentence_has_its_base_and_its_placeholders_and_no_command(locale: str) -> None:
    texts = catalogue(locale)
    variants = {key: text for key, text in texts.items() if key.endswith("@kiosk")}

    assert len(variants) >= 9
    assert [key for key in variants if key.removesuffix("@kiosk") not in texts] == []
    assert [
        key for key, text in variants.items() if _fields(text) != _fields(texts[key[:-6]])
    ] == []
    commands = {key: COMMAND.findall(text) for key, text in variants.items()}
    assert {key: found for key, found in commands.items() if found} == {}
