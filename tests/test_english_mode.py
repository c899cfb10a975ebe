"""English mode: the web chat opens in English from the link or the browser, English command
aliases and words work, dates read "Mon 21 Dec 2026", the province and the venue in English.

HTTP transcripts against the real app, and the Telegram door against the fake Bot API.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from support import VN, Clock
from test_telegram_e2e import USER, _settings, running
from troly.bot import localised
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.handlers.app import build_runtime, create_app
from troly.handlers.web import preferred_locale
from troly.knowledge.index import ProcedureIndex

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from fakes.telegram_server import TelegramFake

SESSION = "5e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b"


@pytest.fixture
def client(tmp_path: Path, index: ProcedureIndex) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'en.db'}")
    clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    runtime = build_runtime(settings, index=index, clock=clock)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    with TestClient(app) as client:
        yield client


def say(client: TestClient, **message: Any) -> list[dict[str, Any]]:
    response = client.post("/api/chat", json={"session": SESSION, **message})
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()["replies"]
    return replies


def page_language(html: str) -> tuple[str, str, str]:
    lang = re.search(r'<html lang="(\w+)"', html)
    data = re.search(r'data-locale="(\w+)"', html)
    province = re.search(r'data-testid="province"[^>]*>([^<]+)<', html)
    assert lang and data and province
    return lang.group(1), data.group(1), province.group(1)


@pytest.mark.parametrize(
    ("url", "accept", "expected"),
    [
        ("/", "en-GB,en;q=0.9", ("en", "en", "Thanh Hoa Province")),
        ("/", "vi-VN,vi;q=0.9,en;q=0.8", ("vi", "vi", "Tỉnh Thanh Hóa")),
        ("/", "fr-FR,fr;q=0.9", ("vi", "vi", "Tỉnh Thanh Hóa")),
        ("/?lang=en", "vi", ("en", "en", "Thanh Hoa Province")),
        ("/?lang=vi", "en", ("vi", "vi", "Tỉnh Thanh Hóa")),
        ("/?kiosk=1&lang=en", "", ("en", "en", "Thanh Hoa Province")),
        # A kiosk's browser speaks for the machine, not the visitor: only the link decides.
        ("/?kiosk=1", "en-US,en;q=0.9", ("vi", "vi", "Tỉnh Thanh Hóa")),
    ],
)
def test_the_web_chat_opens_in_the_language_asked_for(
    client: TestClient, url: str, accept: str, expected: tuple[str, str, str]
) -> None:
    response = client.get(url, headers={"Accept-Language": accept})

    assert page_language(response.text) == expected
    assert response.headers["vary"] == "Accept-Language"


def test_the_browsers_preference_is_read_with_its_weights() -> None:
    assert [
        preferred_locale("en;q=0.3, vi;q=0.8", "vi"),
        preferred_locale("de, en-US;q=0.5", "vi"),
        preferred_locale("en;q=0, vi;q=0.1", "en"),
        preferred_locale("", "en"),
    ] == ["vi", "en", "vi", "en"]


def test_an_english_web_conversation_from_start_to_a_filed_request(client: TestClient) -> None:
    [welcome] = say(client, choice="start", locale="en")
    [intro] = say(client, text="/petition")
    [asked] = say(client, text="cancel")
    [filing] = say(client, text="I want to send feedback")
    say(client, choice="pf:topic:thue")
    say(client, text="Our VAT refund has waited three months")
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:0"):
        say(client, choice=step)
    [*_, filed] = say(client, choice="pf:submit")
    [status] = say(client, text="/status")

    assert welcome["text"] == t("menu.welcome", "en")
    assert intro["text"].startswith(t("petition.intro", "en").split("\n")[0])
    assert asked["text"] == t("menu.cancelled_petition", "en")
    assert filing["text"].startswith(t("petition.intro", "en").split("\n")[0])
    # The answer date reads as English writes it (working days from Monday 23 November).
    assert re.search(r"\b(Mon|Tue|Wed|Thu|Fri) \d{1,2} (Dec|Jan) 202[67]\b", filed["text"])
    assert "/" not in re.sub(r"https?://\S+|/\w+", "", filed["text"])
    assert "PA-" in status["text"]


def test_an_english_session_list_names_the_weekday_venue_and_deadline(client: TestClient) -> None:
    say(client, choice="start", locale="en")

    [listing] = say(client, text="/book")

    assert "14:00, Thu 17 Dec 2026 — the Provincial People's Committee hall" in listing["text"]
    assert "Register before 14:00, Mon 14 Dec 2026" in listing["text"]


def test_dates_read_as_each_language_writes_them() -> None:
    settings = Settings(environment="test")
    moment = datetime(2026, 12, 21, 14, 0, tzinfo=VN)

    assert [
        localised.day(moment, settings, "en"),
        localised.day(moment, settings, "vi"),
        localised.moment_with_weekday(moment, settings, "vi"),
        localised.moment_text(moment, settings, "en"),
        localised.province(Settings(environment="test", province="Tỉnh Đắk Lắk"), "en"),
        localised.province(Settings(environment="test", province="Thành phố Cần Thơ"), "en"),
    ] == [
        "Mon 21 Dec 2026",
        "21/12/2026",
        "14:00 Thứ Hai, 21/12/2026",
        "14:00, Mon 21 Dec 2026",
        "Dak Lak Province",
        "Can Tho City",
    ]


async def test_english_aliases_and_words_on_telegram(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)):
            await fake.user_says(USER, "/en")
            await fake.wait_for_messages(USER, 1)
            await fake.user_says(USER, "/petition")
            intro = (await fake.wait_for_messages(USER, 2))[1]
            await fake.user_says(USER, "stop")
            stopped = (await fake.wait_for_messages(USER, 3))[2]
            await fake.user_says(USER, "this is unacceptable, still waiting for months")
            offer = (await fake.wait_for_messages(USER, 4))[3]
            await fake.user_says(USER, "/mydata")
            data = (await fake.wait_for_messages(USER, 5))[4]
            commands = [c for c in fake.calls if c.method.lower() == "setmycommands"]
        assert intro["text"].startswith("📝")
        assert stopped["text"] == t("menu.cancelled_petition", "en")
        assert offer["text"] == t("complaint.offer", "en")
        assert data["text"].startswith(t("data.none", "en"))
        english = next(c for c in commands if c.params.get("language_code") == "en")
        names = [c["command"] for c in english.params["commands"]]  # type: ignore[union-attr]
        assert {"petition", "status", "book", "mydata", "cancel", "menu"} <= set(names)
        assert fake.errors == []
