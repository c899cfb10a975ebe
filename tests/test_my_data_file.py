"""The petition's public opt-in and ``/dulieu``'s copy as a JSON file, through the web door
(HTTP against the app) and the Telegram door (the fake Bot API): one tap each, the file holds
everything shown, and its content is never logged."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from fakes.telegram_server import TelegramFake
from public_support import TestClient, public_app
from support import Clock
from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

NAME, TAX_CODE, PHONE = "Công ty TNHH Sông Mã", "0300588569", "0912345678"
SESSION = "5f0e1d2c3b4a59687766554433221100"
BUSINESS = 1001


@pytest.fixture
def client(tmp_path: Path, index: ProcedureIndex) -> Iterator[TestClient]:
    with public_app(tmp_path, index, Clock()) as (client, _runtime):
        yield client


def say(client: TestClient, **message: str) -> list[dict[str, Any]]:
    response = client.post("/api/chat", json={"session": SESSION, **message})
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()["replies"]
    return replies


def test_on_the_web_the_opt_in_is_one_tap_and_the_copy_a_download(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="troly")
    say(client, text="/phananh")
    say(client, choice="pf:topic:thue")
    say(client, text="Hoàn thuế giá trị gia tăng chậm 3 tháng")
    say(client, choice="pf:done")
    [public] = say(client, choice="pf:commune:none")
    assert "Bạn có đồng ý đăng phản ánh này và câu trả lời chính thức" in public["text"]
    assert "không bao giờ hiện tên, mã số thuế, số điện thoại hay tệp" in public["text"]
    assert "giữ kín (mặc định)" in public["text"]
    assert [(b["label"], b["choice"]) for b in public["buttons"]] == [
        ("🔒 Giữ kín (mặc định)", "pf:public:0"),
        ("🌐 Đồng ý công khai", "pf:public:1"),
    ]
    say(client, choice="pf:public:1")
    say(client, choice="pf:consent:1")
    for text in (NAME, TAX_CODE, PHONE):
        [summary] = say(client, text=text)
    assert "Công khai: có" in summary["text"]
    [filed] = say(client, choice="pf:submit")
    code = filed["text"].split("Mã theo dõi: ")[1].split()[0]

    [shown] = say(client, text="/dulieu")
    assert [b["choice"] for b in shown["buttons"]] == ["data:file", "data:erase"]
    assert shown["buttons"][0]["label"] == "📄 Nhận bản sao (tệp JSON)"
    [copy] = say(client, choice="data:file")
    document = copy["document"]
    assert (document["filename"], document["mime_type"]) == (
        "du-lieu-cua-toi-20261123.json",
        "application/json",
    )
    data = json.loads(base64.b64decode(document["data_base64"]))
    assert data["channel"] == "web"
    assert data["shown"] == shown["text"].splitlines()[1:]
    [petition] = data["petitions"]
    assert (petition["code"], petition["business_name"], petition["tax_code"]) == (
        code,
        NAME,
        TAX_CODE,
    )
    assert petition["phone"] == PHONE
    # Our own log lines, at every level (a database driver's DEBUG lines quote SQL parameters).
    ours = [record for record in caplog.records if record.name.startswith("troly")]
    logged = "\n".join(record.getMessage() for record in ours)
    assert "personal data file prepared" in logged
    for secret in (NAME, TAX_CODE, PHONE):
        assert secret not in logged


def _button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix!r} in {message.get('text')!r}")


async def test_on_telegram_the_opt_in_is_a_button_and_the_copy_a_document(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
        )
        runtime = build_runtime(settings, index=index)
        app, _ = create_app(settings, runtime=runtime, scheduler=False)
        async with app.router.lifespan_context(app):

            async def says(text: str, count: int) -> dict[str, Any]:
                await fake.user_says(BUSINESS, text)
                return (await fake.wait_for_messages(BUSINESS, count))[-1]

            async def presses(prefix: str, count: int) -> dict[str, Any]:
                last = fake.sent_to(BUSINESS)[-1]
                await fake.user_presses(BUSINESS, int(last["message_id"]), _button(last, prefix))
                return (await fake.wait_for_messages(BUSINESS, count))[-1]

            await says("/phananh", 1)
            await presses("pf:topic:thue", 2)
            await says("Hoàn thuế giá trị gia tăng chậm 3 tháng", 3)
            await presses("pf:done", 4)
            public = await presses("pf:commune:none", 5)
            assert "Bạn có đồng ý đăng phản ánh này" in public["text"]
            rows = public["reply_markup"]["inline_keyboard"]
            assert [row[0]["text"] for row in rows] == [
                "🔒 Giữ kín (mặc định)",
                "🌐 Đồng ý công khai",
            ]
            await presses("pf:public:1", 6)
            await presses("pf:consent:1", 7)
            await says(NAME, 8)
            await says(TAX_CODE, 9)
            summary = await says(PHONE, 10)
            assert "Công khai: có" in summary["text"]
            await presses("pf:submit", 11)

            shown = await says("/dulieu", 12)
            assert NAME in shown["text"]
            last = fake.sent_to(BUSINESS)[-1]
            await fake.user_presses(BUSINESS, int(last["message_id"]), "data:file")

            def documents() -> list[dict[str, Any]]:
                return [m for m in fake.sent_to(BUSINESS) if m.get("document")]

            [sent] = await fake.wait_until(documents, timeout=10, what="the data file")
            document = sent["document"]
            assert (document["file_name"], document["mime_type"]) == (
                "du-lieu-cua-toi-" + runtime.clock().strftime("%Y%m%d") + ".json",
                "application/json",
            )
            data = json.loads(document["content"])
            assert data["channel"] == "telegram"
            assert data["shown"] == shown["text"].splitlines()[1:]
            assert data["petitions"][0]["tax_code"] == TAX_CODE
