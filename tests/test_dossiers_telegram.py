"""End to end on Telegram: /hoso against the fake one-stop system, following the dossier, and
the change pushed after the clock moves past a poll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from fakes.one_stop_server import FIELDS, KEY, one_stop_fake
from fakes.telegram_server import TelegramFake
from support import Clock
from troly.bot.settings import Settings
from troly.handlers.app import build_runtime, create_app

USER = 3003
CODE = "000.00.25.H56-241105-0001"


def _button(message: dict[str, Any], prefix: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for b in row:
            if b.get("callback_data", "").startswith(prefix):
                return str(b["callback_data"])
    raise AssertionError(f"no button {prefix!r} in {message}")


async def test_a_business_looks_up_and_follows_a_dossier_on_telegram(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake, one_stop_fake() as one_stop:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
            dossier_url=one_stop.url,
            dossier_key=SecretStr(KEY),
            dossier_fields=FIELDS,
        )
        clock = Clock()
        app, rt = create_app(settings, runtime=build_runtime(settings, clock=clock),
                             scheduler=False)  # fmt: skip
        one_stop.put(CODE, "Chờ bổ sung", agency="UBND phường Hạc Thành & Sở <Xây dựng>")
        async with app.router.lifespan_context(app):
            await fake.user_says(USER, f"/hoso {CODE}")
            [card] = await fake.wait_for_messages(USER, 1)
            assert "Trạng thái: Chờ bổ sung (cần bổ sung hồ sơ)" in card["text"]
            # The system's text is escaped for Telegram's HTML and reads back as it was.
            assert "Cơ quan giải quyết: UBND phường Hạc Thành & Sở <Xây dựng>" in card["text"]
            assert "&amp; Sở &lt;Xây dựng&gt;" in card["raw_text"]
            await fake.user_presses(USER, int(card["message_id"]), _button(card, "dos:follow:"))
            followed = (await fake.wait_for_messages(USER, 2))[1]
            assert followed["text"].startswith(f"🔔 Đã theo dõi hồ sơ {CODE}")

            one_stop.put(CODE, "Đã trả kết quả")
            clock.advance(minutes=settings.dossier_poll_minutes, seconds=1)
            await rt.tick()
            done = (await fake.wait_for_messages(USER, 3))[2]
            assert done["text"].startswith(f"🔔 Hồ sơ {CODE} có cập nhật: đã có kết quả.")
            assert "👉 Đã có kết quả" in done["text"]
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []
