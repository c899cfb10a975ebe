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
from troly.bot.flows.tiles import _tile
from troly.bot.handoff.model import LiveChat
from troly.bot.settings import Settings
from troly.bot.texts import catalogue
from troly.handlers.app import build_runtime, create_app
from troly.handlers.web import to_incoming
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.vocabulary import VocabularyError

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


TILE_QUESTION = {"vi": "cấp giấy phép xây dựng", "en": "building permit"}


@pytest.mark.parametrize(
    ("locale", "first", "building"),
    [("vi", "🏢 Thành lập doanh nghiệp", "xây dựng"), ("en", "🏢 Start a company", "xây dựng")],
)
async def test_the_kiosk_start_screen_carries_the_common_topics_and_no_other_door_does(
    world: World, locale: str, first: str, building: str
) -> None:
    if locale == "en":
        [switched] = await world.press("lang:en")
        assert switched.all_buttons()[0].label == first
    [kiosk] = await world.press("start")
    world.door, world.channel = None, "telegram"
    [telegram] = await world.press("start")
    world.channel = "web"
    [web] = await world.press("start")

    tiles = [b.choice for b in kiosk.all_buttons() if (b.choice or "").startswith("tile:")]
    assert tiles == [
        "tile:thanh_lap",
        "tile:ho_kinh_doanh",
        "tile:thue",
        "tile:dat_dai",
        "tile:xay_dung",
        "tile:dau_tu",
        "tile:phan_anh",
        "tile:chu_tich",
    ]
    assert kiosk.all_buttons()[0].label == first
    assert [
        b for b in (*telegram.all_buttons(), *web.all_buttons()) if "tile:" in str(b.choice)
    ] == []
    # A topic's tile asks its question as if typed: a building permit's card, or the permits
    # to choose from (whichever the matcher decides for "cấp giấy phép xây dựng").
    world.door = "kiosk"
    [offered] = await world.press("tile:xay_dung")
    shown = offered.text + "\n".join(b.label for b in offered.all_buttons())
    assert building in shown.lower()
    procedures = [b for b in offered.all_buttons() if (b.choice or "").startswith("proc:")]
    assert offered.kind.startswith("procedure:") or len(procedures) >= 2
    world.door, world.channel = None, "telegram"
    [typed] = await world.say(TILE_QUESTION[locale])
    assert typed.kind == offered.kind


@pytest.mark.parametrize(
    ("locale", "asks_field", "asks_session"),
    [("vi", "lĩnh vực nào", "Chủ tịch"), ("en", "What is it about", "chairman")],
)
async def test_a_jobs_tile_opens_the_job_and_an_old_tile_is_answered(
    world: World, locale: str, asks_field: str, asks_session: str
) -> None:
    if locale == "en":
        await world.press("lang:en")
    [petition] = await world.press("tile:phan_anh")
    await world.press("cancel:yes")
    booking = await world.press("tile:chu_tich")
    [gone] = await world.press("tile:no_such_tile")

    assert asks_field in petition.text and "«" in petition.text
    assert asks_session in "\n".join(reply.text for reply in booking)
    assert gone.text == world_text("menu.expired", locale)


def world_text(key: str, locale: str) -> str:
    return catalogue(locale)[key]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("x\task\tA\tB\t-\t-", "both questions"),
        ("x\tmenu:admin\tA\tB\t-\t-", "unknown action"),
        ("X Y\task\tA\tB\tq\tq", "is not a-z"),
        ("x\task\tA\tB\tq", "six columns"),
    ],
)
def test_a_broken_tile_line_is_refused_at_load(line: str, problem: str) -> None:
    with pytest.raises(VocabularyError, match=problem):
        _tile(line, 1)
