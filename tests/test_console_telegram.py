"""End to end through the fake Bot API: a petition filed in a Telegram chat is claimed and
answered in the console; the petition's forum topic sees both, and the answer reaches the
business's Telegram chat."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from console_support import PASSWORD, PEOPLE, add_people
from fakes.telegram_server import TelegramFake
from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app

GROUP = -1001234
BUSINESS = 1001
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix!r}")


async def _file(fake: TelegramFake) -> str:
    async def press(prefix: str, then: int) -> None:
        last = fake.sent_to(BUSINESS)[-1]
        await fake.user_presses(BUSINESS, int(last["message_id"]), _button(last, prefix))
        await fake.wait_for_messages(BUSINESS, then)

    await fake.user_says(BUSINESS, "/phananh")
    await fake.wait_for_messages(BUSINESS, 1)
    await press("pf:topic:xaydung", 2)
    await fake.user_says(BUSINESS, "Cấp phép xây dựng nhà xưởng chậm 30 ngày")
    await fake.wait_for_messages(BUSINESS, 3)
    await press("pf:done", 4)
    await press("pf:commune:none", 5)
    await press("pf:public:0", 6)
    await press("pf:consent:0", 8)
    await press("pf:submit", 9)
    return str(fake.sent_to(BUSINESS)[-1]["text"]).split("Mã theo dõi: ")[1].split()[0]


async def test_a_telegram_petition_claimed_and_answered_in_the_console(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, "Cán bộ PAKN", forum=True, bot_can_manage_topics=True)
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
            staff_chat_id=GROUP,
        )
        add_people(settings)
        app, runtime = create_app(settings, runtime=build_runtime(settings), scheduler=False)
        async with app.router.lifespan_context(app):
            code = await _file(fake)
            await fake.wait_until(lambda: len(fake.sent_to(GROUP)) >= 1, timeout=10)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
                login = await web.get("/console/login")
                nonce = CSRF.search(login.text)
                assert nonce is not None
                form = {"email": PEOPLE["officer"][0], "password": PASSWORD}
                signed = await web.post("/console/login", data={**form, "csrf": nonce.group(1)})
                assert signed.status_code == 303
                inbox = await web.get("/console/petitions")
                assert code in inbox.text
                token = CSRF.search(inbox.text)
                assert token is not None
                act = f"/console/petitions/{code}/act"
                claim = {"csrf": token.group(1), "action": "claim"}
                assert (await web.post(act, data=claim)).status_code == 303
                answer = {"csrf": token.group(1), "action": "answer", "text": "Đã cấp phép."}
                assert (await web.post(act, data=answer)).status_code == 303
            answered = await fake.wait_for_messages(BUSINESS, 11)
            texts = [str(m["text"]) for m in answered[9:]]
            assert any(code in text for text in texts)
            assert any("Đã cấp phép." in text for text in texts)
            await fake.wait_until(
                lambda: (
                    sum("Nguyễn Thị Lan" in str(m.get("text")) for m in fake.sent_to(GROUP)) >= 2
                ),
                timeout=10,
            )
            topic = {m.get("message_thread_id") for m in fake.sent_to(GROUP)}
            assert len(topic) == 1 and None not in topic  # all in the petition's own topic
            # Claimed in the console, the card in the group says so and offers no «Nhận».
            await fake.wait_until(lambda: bool(fake.sent_to(GROUP)[0]["edits"]), timeout=10)
            card = fake.sent_to(GROUP)[0]
            assert "Người xử lý: Nguyễn Thị Lan" in card["text"]
            with pytest.raises(AssertionError, match="no button"):
                _button(card, "ps:claim:")
            await runtime.outbox.settle()
